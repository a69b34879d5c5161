"""Web-page furniture: the lines a saved government page carries that are not the report.

Stdlib only. Tested on the lines of real pages (breadcrumbs, 索引号 tables printed once or twice,
字号 大/中/小 controls, share bars, view counters, stale site-header dates); only short lines are
tested, so a body paragraph that happens to contain 分享 or 来源 is never dropped.
"""

from __future__ import annotations

import re

LABELS = (
    r"发布时间|发布日期|发表日期|成文日期|发文日期|撰写时间|公文生成日期|生成日期|时间|日期|来源|信息来源|文章来源|"
    r"发布机构|发文机关|公开目录|主题词|关键词|文号|发文字号|备注/文号|名称|标题|分类|主题分类|体裁分类|组配分类|"
    r"有效性|是否有效|公开方式|公开范围|服务对象|编辑|作者|责任编辑|点击率|浏览量|浏览次数|访问次数|阅读次数|索\s*引\s*号"
)
"""Labels of the metadata block a page prints above the report (sometimes twice, sometimes glued to values)."""

CHROME_LINES = [
    re.compile(p)
    for p in (
        r"^繁体版|^简体版|^简体\s*[|｜]|^繁体\s*$|^無障礙|^无障碍",
        r"网站支持IPv6",
        r"^[【\[]?\s*字\s*[号体]\s*[:：]?",
        r"^分享",
        r"打开微信扫一扫|扫一扫在手机|微信扫一扫|扫一扫",
        r"^政务微信|手机版|无障碍|长者版|返回顶部|智能机器人",
        r"【打印】|【字体|【关闭】|打印本页|关闭窗口|^\[?\s*打印\s*\]?|^下载\s+打印|全屏\s+收藏",
        r"^(首页|当前位置|您的位置|所在位置|您当前所在|您现在所在|您当前的位置|网站首页)",
        r"^[-•·*]?\s*[\[【]?\s*(" + LABELS + r")\s*[\]】]?\s*([:：|]|$|\s)",
        r"^(大|中|小)$|^大\s*中\s*小$|^[-•·*]\s*$",
        r"^附件\s*\d*\s*[:：]?\s*$|^附件\s*\d*\s*[:：].{0,40}(一图读懂|图解|解读)",
        r"点击查看解读|一图读懂|^相关解读|^【?图解",
        r"^.{0,24}(信息公开|规章库)\s*$",
        r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?$",
        r"^\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}(:\d{2})?$",
        r"^.{0,20}\d{4}年\d{1,2}月\d{1,2}日\s*星期[一二三四五六日天]$",
        r"^(上一篇|下一篇|相关链接|相关文章|扫一扫|【我要纠错】|我要纠错)",
        r"^\d{1,2}:\d{2}(:\d{2})?$",
        r"^[A-Za-z0-9]{4,}/\d{4}-\d+$",
        r"^(" + LABELS + r")\s*(" + LABELS + r")",
        r"^标题(?=\S)",
        r"^(索\s*引\s*号|文\s*号|发文字号)\s*[\w（）()〔〕\[\]/.\-]*\d",
        r"^[>›»]",
        r"主办单位|承办单位|网站标识码|ICP备|版权所有|网站地图|联系我们",
    )
]
"""Lines of page furniture, each seen on a real page (see tests/test_ingest_chrome.py)."""
CHROME_MAX_LEN = 80
"""Longest line that can be furniture; report paragraphs are longer or do not match."""


BULLET = re.compile(r"^[-•·*]\s*")
"""List bullets some pages put before each metadata line ("• 发布时间: …", "- [ 索引号 ] …")."""
LABEL_ONLY = re.compile(r"^[\[【]?\s*(" + LABELS + r")\s*[\]】]?\s*[:：]?$")
"""A label alone on its line; its value is the next line (撰写时间 / 2024年01月12日 / 来源 / 某镇)."""


def is_chrome(line: str) -> bool:
    line = BULLET.sub("", line.strip())
    return len(line) <= CHROME_MAX_LEN and any(p.search(line) for p in CHROME_LINES)
