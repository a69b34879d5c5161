"""The question without its frame: the polite words around it and the ways of saying "which units".

"帮我查一下，哪些单位…？谢谢", "请列出…的单位", "哪几个单位…", "哪些地方…" ask what "哪些单位…" asks; read
as they are, the frame words move the question's vector (and with it which sentences come closest)
and the answer with them. Every question is answered in its plain form; the answer keeps the words
the user wrote. Imports nothing of the project.
"""

from __future__ import annotations

import re

NOUNS = "单位|部门|地方|地区|报告|年报|省份|省|城市|市|区县|县区|区|县|乡镇|镇|乡|街道"
"""What a list question lists: units, reports, or a level of unit."""
LEAD = re.compile(
    r"^(?:\s*(?:请问|请|麻烦(?:你|您)?|劳驾|能否|可否|可以|给我|帮(?:我|忙)?(?:查|看|找)?(?:一下|一查|一看|查|看)?"
    r"|(?:查|看|找)(?:一下|一查|一看)|(?:我)?想(?:要)?(?:了解|知道|问问?|查)(?:一下)?"
    r"|(?:please\s+)?(?:tell me|can you tell me|could you tell me|let me know)\b)[，,：:、\s]*)+",
    re.I,
)
"""Polite openings: 请问 / 麻烦您 / 帮我查一下 / 我想了解一下, in any order a person strings them."""
TAIL = re.compile(r"[，,。.\s]*(?:谢谢(?:你|您)?|多谢|感谢|thanks?(?: you)?|please)[!！。.\s]*$", re.I)
LIST_OF = re.compile(
    r"^(?:列出|列举|罗列|列一下)(?:一下)?(?:所有|全部)?(?P<what>.+?)的(?P<noun>"
    + NOUNS
    + r")(?:有哪些|名单)?[。.?？]?$"
)
"""请列出…的单位 asks 哪些单位…; …的省份, …的乡镇 keep their noun (the level they list)."""
THE_UNITS_ARE = re.compile(r"^(?P<what>(?!的).+?)的(?P<noun>" + NOUNS + r")(?:都)?(?:有哪些|是哪些)[?？。]?$")
MENTION = re.compile(r"提及|说到|讲到|谈到|写到|说起|提起")
"""Verbs of mentioning: one verb, 提到 (rag.judge.outlook reads any of them as a mention question)."""
WHICH = re.compile(r"哪几(?:个|家|份)?(?=" + NOUNS + r")")


def plain(question: str) -> str:
    """The question in its plain form; a question with no frame comes back unchanged."""
    q = question.strip()
    core = TAIL.sub("", LEAD.sub("", q))
    if len(core) < 4:  # the frame was the question (请问?): leave it whole
        return question
    core = re.sub(r"^有哪些", "哪些", core)  # 有哪些单位… asks 哪些单位…
    m = LIST_OF.match(core)
    if m:
        core = f"哪些{m.group('noun')}{m.group('what')}?"
    m = THE_UNITS_ARE.match(core)
    if m:  # …的单位有哪些 asks 哪些单位…
        core = f"哪些{m.group('noun')}{m.group('what')}"
    core = WHICH.sub("哪些", core)
    core = MENTION.sub("提到", core)
    core = re.sub(r"((?:19|20)\d\d)\s*年度", r"\1年", core)  # 2024年度 is 2024年
    core = re.sub(r"哪些(?:地方|地区)(?!性)", "哪些单位", core)
    return core.rstrip("?？。.!！ ") + "?"  # typed with ?, ？ or nothing: one question
