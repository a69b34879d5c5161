"""What the browser shows of rag's English messages, in Chinese: the cue behind each field, warnings
(pointing to the correction form below, not to a file on the server), why a file was skipped, and the
stages of an upload. rag/ keeps its English for the CLI, the API and logs; the page translates.

Each message is matched by its opening words (rag's messages begin with the field or the file's
problem); one that no rule knows is still one Chinese line saying what to do.
"""

from __future__ import annotations

import re

CUES = (
    ("file name (fallback)", "文件名（正文中未找到单位）"),
    ("delivery date (session year - 1)", "作报告日期（届次年份减一）"),
    ("title (session year - 1)", "标题（届次年份减一）"),
    ("first year in the text", "正文中第一个年份"),
    ("one character from a known place", "一字之差的已知地名"),
    ("opening sentence", "正文开头"),
    ("opening year", "开头年份"),
    ("heading year", "标题中的年份"),
    ("published date", "发布日期"),
    ("signature date", "落款日期"),
    ("delivery line", "作报告说明"),
    ("divisions table", "行政区划表"),
    ("place mention", "正文提及的地名"),
    ("来源 URL host", "来源网址"),
    ("site name", "网站名称"),
    ("name field", "名称栏"),
    ("发布机构 field", "发布机构栏"),
    ("来源 field", "来源栏"),
    ("reports.csv", "人工更正"),
    ("file name", "文件名"),
    ("signature", "落款"),
    ("addressee", "主送单位"),
    ("mention", "正文提及"),
    ("html_title", "网页标题"),
    ("og:title", "网页标题"),
    ("meta:ArticleTitle", "网页标题"),
    ("pdf_title", "PDF 属性中的标题"),
    ("docx_title", "Word 属性中的标题"),
    ("docx_subject", "Word 属性中的主题"),
    ("ofd_title", "OFD 属性中的标题"),
    ("title", "标题"),
    ("body", "正文"),
    ("none", "无"),
    (" + ", " + "),
)
"""rag's cue names, longest first so that a longer one is never read as a shorter one inside it."""

FIX = "请在下方“更正报告信息”中更正"
WARNINGS = (
    (r'^unit: the text names only "(.+?)", no place', rf"正文只写了“\1”，没有所在地，已按文件名编入——{FIX}"),
    (r"^unit: no unit in the text", rf"正文中未找到单位，已按文件名编入——{FIX}"),
    (r"^unit: the text says only 我(.)", rf"正文只称“我\1”，单位取自正文提及——请核对，必要时{FIX}"),
    (
        r'^unit: "(.+?)" is no known place; read as "(.+?)"',
        r"“\1”不是已知地名，已按一字之差读作“\2”（可能是扫描识别错误）——请核对",
    ),
    (r"^unit: (.+?) (\d{4})年 has another report indexed \((.+?)\)", r"\1 \2年还有另一份报告（\3），请核对哪一份正确"),
    (r"^year: none found", rf"未找到年度——{FIX}"),
    (r"^year: none in the text; took (\d{4})", r"正文中没有年度，已按发布日期取 \1 年——请核对"),
    (
        r"^year: the file's title property says (\d{4}), the text opens with (\d{4})",
        r"文件属性中的标题为 \1 年，正文开头为 \2 年，已按正文取 \2 年",
    ),
    (
        r"^year: the title says (\d{4}), the first heading (\d{4})",
        r"标题为 \1 年，第一个章节标题为 \2 年，已按标题取 \1 年——请核对",
    ),
    (r"^text: Traditional Chinese converted", "繁体已转为简体，引文为简体"),
    (r"^text: .*OCR", "扫描件，正文经文字识别（OCR）得到，可能有个别错字"),
    (r"^text: .*page", "部分页面未能读取，请核对原文"),
)
REASONS = (
    (
        r"unsupported file type|not a report file",
        "不是支持的报告格式（请上传 .docx、.pdf、.txt、.html、.wps、.ofd 等）",
    ),
    (r"larger than|too large|limit \d+ MB|expands to", "文件过大，超过上限"),
    (r"encrypted", "文件已加密，请另存一份未加密的副本再上传"),
    (r"no text layer and OCR found no Chinese", "扫描件中未识别出中文，请上传文字版"),
    (r"not a readable PDF", "PDF 无法读取，请用其他软件另存后再上传"),
    (r"not a readable", "文件已损坏或格式不对，无法读取"),
    (r"empty file", "空文件"),
    (r"binary file", "不是文本报告"),
    (r"not UTF-8|not valid UTF-16", "文字编码无法识别，请存为 UTF-8 或 GB18030 后再上传"),
    (r"no report text left|no usable report text|no text", "没有可用的报告正文"),
    (
        r"characters of text|lines of text|pages; limit|more than \d+ pages|tags in this page|XML elements",
        "报告过长，超过上限",
    ),
    (r"being built|waited", "索引正在更新，请稍后再试"),
    (r"unsafe file name|not a file name", "文件名不可用，请改名后再上传"),
    (r"hidden|leading dot", "隐藏文件，未读取（去掉文件名开头的点后再上传）"),
    (
        r"took longer than|could not read|cannot be read|could not be read|failed",
        "无法读取该文件，请另存为 .docx 或 .pdf 后再上传",
    ),
)
STAGES = (
    ("waiting for another build of this index", "等待另一项索引更新完成"),
    ("embedding passages", "生成向量"),
    ("reading reports", "读取报告"),
    ("engine compacting", "整理索引"),
    ("file ", "文件 "),
)


def cue(text: str) -> str:
    for en, zh in CUES:
        text = text.replace(en, zh)
    return text


def warning(text: str) -> str:
    for pattern, zh in WARNINGS:
        m = re.match(pattern, text)
        if m:
            return m.expand(zh)
    return "请核对这份报告的单位、年度和类型——" + FIX


def reason(text: str) -> str:
    for pattern, zh in REASONS:
        if re.search(pattern, text, re.I):
            return zh
    return "无法使用该文件，请检查后重新上传"


def stage(text: str) -> str:
    for en, zh in STAGES:
        text = text.replace(en, zh)
    return text
