"""Title lines: how a report's title names its unit, year and kind, in the forms people save them in.

Imports rag.ingest.cues (unit names) and rag.ingest.kinds. A title may sit in the text, in a document
property, in an HTML <title> with its site name, or in the file name the user saved it under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.chrome import LABELS
from rag.ingest.cues import CJK, YEAR, arabic_years, clean_unit
from rag.ingest.kinds import kind_of_title


@dataclass(frozen=True, slots=True)
class Title:
    """What a title line says: unit (may be empty: 关于2024年度…的报告), year, kind."""

    text: str
    unit: str
    year: int | None
    kind: str | None


TITLE_END = r"(?:报告|年报|决算|预算|公报|总结)(?:表|公开|说明|公开说明|情况说明|(?:及|和).{0,12}(?:计划|安排|思路))?"
UNIT_YEAR_TITLE = re.compile(rf"^(.{{0,40}}?)\s*(?:关于)?\s*(?:印发)?\s*{YEAR}(.{{0,50}}?{TITLE_END})$")
"""<unit>[关于]<year>年…报告: 埔前镇2024年法治政府建设年度报告, 某县人民政府关于2024年法治政府建设情况的报告."""
YEAR_UNIT_TITLE = re.compile(
    rf"^{YEAR}(.{{2,40}}?)(政府工作报告|政府信息公开|信息公开|法治|部门决算|部门预算|决算|预算|国民经济|统计公报|"
    r"工作总结|工作报告)(.{0,30})$"
)
"""<year>年<unit><kind>: 2025年上海市政府工作报告, 2023年某镇政府信息公开工作年度报告,
2024年某市某区财政局部门决算表."""
UNDATED_TITLE = re.compile(
    rf"^([{CJK}]{{2,30}}?)(?:人民)?(?=政府工作报告|政府信息公开|法治政府|部门决算|部门预算|国民经济和社会发展统计公报)"
    rf".{{0,30}}{TITLE_END}$"
)
"""<unit><kind> without a year: 平湖市政府工作报告 (the year then comes from the delivery line or the body)."""
ABOUT_TITLE = re.compile(rf"^(.{{0,30}}?)关于(.{{0,60}}){TITLE_END}$")


SITE_SEPARATOR = re.compile(r"_|\||｜|—+|\s-+\s|(?<=[\u3400-\u9fff])-{1,2}(?=[\u3400-\u9fff])")
"""Between a page title and its site name: 埔前镇2024年…报告_河源市源城区人民政府."""
TRAILING_NOTE = re.compile(r"[（(【\[]([^）)】\]]{1,12})[）)】\]]$")
"""A note after the title: （全文）, (2024年), 【图文】."""


def issuer(part: str) -> str:
    """The unit in a title's head: 关于某县 -> 某县; 中共某县委某县人民政府 (joint issuers) -> the
    government."""
    part = re.sub(r"^关于", "", part.strip())
    if unit := clean_unit(part):
        return unit
    # joint issuers: 中共X县委 + X县人民政府 -> the last name that is a unit
    pieces = [p for p in re.split(r"[\s、]+|(?<=委)(?=[\u3400-\u9fff])", part) if p]
    for piece in reversed(pieces):
        if unit := clean_unit(piece):
            return unit
    return ""


def undecorated(title: str) -> str:
    """A title without what people add around it: 附件1：…, 1.…, …(1), …副本, …修改版, …20250120;
    2024某县 -> 2024年某县."""
    title = re.sub(r"^(?:附件\s*\d*\s*[：:\-、.．]?|\d{1,2}\s*[.、．\-](?!\d)|【[^】]{1,8}】)\s*", "", title)
    title = re.sub(r"(?:\s*[-_ ]\s*副本|\s*(?:修改|定|终|最终)(?:版|稿)|\s*[(（]\d+[)）]|[-_ ]?\d{8})+$", "", title)
    return re.sub(r"^((?:19|20)\d\d)(?![\d年])", r"\1年", title)


def parse_title(line: str) -> Title | None:
    """A title line or None; the unit part must be a unit name, the year a plausible report year."""
    text = re.sub(r"\s+", " ", arabic_years(line)).strip()
    parts = [p for p in SITE_SEPARATOR.split(text) if p.strip()]
    if len(parts) > 1:
        return next((t for p in parts[:2] if (t := _parse_title(p)) is not None and (t.unit or t.year)), None)
    return _parse_title(text)


def _parse_title(line: str) -> Title | None:
    text = undecorated(re.sub(r"\s+", "", line).strip('《》“”"'))
    text = re.sub(rf"^(?:{LABELS})(?=.)", "", text)
    if note := TRAILING_NOTE.search(text):
        year = re.search(r"(?:19|20)\d\d", note.group(1))
        text = text[: note.start()]
        if (owner := clean_unit(note.group(1))) and (inner := _parse_title(text)) is not None and not inner.unit:
            return Title(inner.text, owner, inner.year, inner.kind)  # 2024年度…年度报告（某县）
        if year and not re.search(r"(?:19|20)\d\d", text):
            text = f"{year.group(0)}年{text}"  # XX县政府工作报告（2024年） -> 2024年XX县政府工作报告
    if not 6 <= len(text) <= 80 or re.search(r"[。；!！?？]", text):
        return None
    kind = kind_of_title(text)
    if (m := YEAR_UNIT_TITLE.match(text)) is not None:
        unit = m.group(2) + ("政府" if m.group(2).endswith("人民") else "")
        return Title(text, issuer(unit), int(m.group(1)), kind)
    if (m := UNIT_YEAR_TITLE.match(text)) is not None:
        return Title(text, issuer(m.group(1)), int(m.group(2)), kind)
    if (m := UNDATED_TITLE.match(text)) is not None and kind and (unit := clean_unit(m.group(1))):
        return Title(text, unit + ("政府" if unit.endswith("人民") else ""), None, kind)
    if (m := ABOUT_TITLE.match(text)) is not None:
        year = re.search(r"(?:19|20)\d\d", m.group(2))
        return Title(text, issuer(m.group(1)), int(year.group(0)) if year else None, kind)
    return None


def title_lines(lines: list[str], *, limit: int = 15) -> list[Title]:
    """Titles among the first lines, including one split over two (某镇人民政府 / 关于2024年度…的报告)."""
    head = [line.strip() for line in lines if line.strip()][:limit]
    found: list[Title] = []
    parsed = [parse_title(line) for line in head]
    for i, line in enumerate(head):
        t = parsed[i]
        after = parsed[i + 1] if i + 1 < len(head) else None
        complete = t is not None and t.unit and t.year is not None
        if (
            not complete
            and i + 1 < len(head)
            and len(line) <= 40
            and len(head[i + 1]) <= 50
            and not (after and after.unit)
        ):
            joined = parse_title(line + head[i + 1])
            if joined is not None and joined.unit:
                t = joined
        below = clean_unit(head[i + 1]) if i + 1 < len(head) and len(head[i + 1]) <= 30 else ""
        if t is not None and not t.unit and below:
            # 2024年法治政府建设年度报告 / XX镇人民政府: the unit on the line below a title without one
            t = Title(t.text, below, t.year, t.kind)
        if t is not None and (t.unit or t.kind):
            found.append(t)
    return found


NEUTRAL_NAME = re.compile(r"^(下载|新建文本文档|未命名|page|index|content|article|doc|file|untitled|副本|copy)", re.I)


def filename_title(stem: str) -> Title | None:
    """A file saved under its title (某街道2022年度法治政府建设工作报告).

    Neutral names (下载 (3), page-07, t20250225_86947312) say nothing and give None.
    """
    name = undecorated(arabic_years(stem.strip()))
    name = re.sub(r"\.(html?|jhtml|shtml|aspx?|php)$", "", name, flags=re.I)
    if NEUTRAL_NAME.match(name) or not re.search(rf"[{CJK}]{{3}}", name):
        return None
    t = parse_title(name)
    if t is not None and (t.unit or t.kind):
        return t
    unit = clean_unit(name)
    return Title(name, unit, None, None) if unit else None
