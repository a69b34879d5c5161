"""A unit's name made whole: a bare one (县人民政府, 区司法局) completed from the site it came from, and
a scan's misread character in its place corrected to the division one character away (issue 27).

Imports rag.ingest.cues and places; used by rag.ingest.reading after the cues have ranked their names.
"""

from __future__ import annotations

import re

from rag.ingest.cues import CJK, named_of_type
from rag.ingest.places import gazetteer

HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+)gov\.cn", re.I)
HOST_NOISE = {"www", "zwgk", "xxgk", "gk", "zfxxgk", "wap", "m", "www2", "new", "gov", "cn"}
SITE_NAME = re.compile(
    rf"^(?:[{CJK}]{{2,6}}(?:省|市|自治区))?([{CJK}]{{1,10}}?(?:自治县|自治州|自治区|省|市|区|县|旗|镇|乡|街道))"
    rf"(?:人民政府|政府)?(?:门户)?(?:网站|网|官网)$"
)
"""A site's name on its page: 某县人民政府网站, 某区政府网, 某县人民政府门户网站."""


def complete_bare(bare: str, page_lines: list[str], body: list[str]) -> tuple[str, str] | None:
    """县人民政府 / 区司法局 / 本镇 completed from another cue: the site's name, the host of a 来源 URL
    (the site of a county names it: lixin.gov.cn, sqsc.gov.cn), or the one place of that level the
    text names most; (full name, cue) or None when no cue settles it."""
    m = re.match(r"^(?:本|我|该)?(自治区|自治州|自治县|省|市|县|区|镇|乡|街道)", bare)
    table = gazetteer()
    if m is None or table is None:
        return None
    level = m.group(1)
    rest = bare[m.end() :]
    lines = [line.strip() for line in page_lines[:12] + page_lines[-12:] + body[:6] + body[-8:] if line.strip()]

    def fits(name: str) -> bool:
        return name.endswith(level) or (level in "县区" and name.endswith(("自治县", "旗")))

    for line in lines:
        line = re.sub(r"^.{0,6}?(?:来\s*源|发布机构|网站名称)\s*[:：]\s*", "", line)  # 来源：某县人民政府门户网站
        if len(line) <= 24 and (s := SITE_NAME.match(line)) and fits(s.group(1)) and s.group(1) in table.by_name:
            return s.group(1) + rest, "site name"
    for line in lines:
        for h in HOST.finditer(line):
            labels = [x for x in h.group(1).lower().split(".") if x and x not in HOST_NOISE]
            found = [i for x in labels for i in table.by_host(x) if fits(table.nodes[i].name)]
            # one pinyin, two counties (shuangcheng, xinjiang…): the one whose cities or towns the text names
            if found and (best := table.best_supported(found, "\n".join(body))) is not None:
                return table.nodes[best].name + rest, "来源 URL host"
    named = [n for n in named_of_type("\n".join(body), level) if len(n) >= 3]
    if named:
        return named[0] + rest, "place mention"
    return None


DIVISION_SHAPED = re.compile(rf"[{CJK}]{{1,8}}?(?:自治区|自治州|自治县|省|市|县|区|旗|镇|乡|街道)")


def misread_place(unit: str, text: str) -> tuple[str, str] | None:
    """A scan's misread character in the unit's own place (王海市人民政府; 某县某镇 with one
    character of the town read as another): the division one character away that lies under the
    places the name also holds and that the text's own places point to; (corrected unit, warning)."""
    table = gazetteer()
    if table is None:
        return None
    at = 0
    above: list[str] = []
    while at < len(unit):
        known = next((n for n in table.names_in(unit[at:]) if unit.startswith(n, at)), None)
        if known is not None:
            above.append(known)
            at += len(known)
            office = re.match(r"人民政府|政府", unit[at:])
            at += office.end() if office else 0  # 某区人民政府某街道办事处: the street follows the office
            continue
        m = DIVISION_SHAPED.match(unit, at)
        if m is None:
            return None
        wrong = m.group(0)
        ids = [i for i in table.one_apart(wrong) if all(a in table.chain(i) for a in above if a in table.by_name)]
        best = table.best_supported(ids, text) if ids else None
        if best is None:
            return None
        right = table.nodes[best].name
        return (
            unit[:at] + right + unit[m.end() :],
            f'unit: "{wrong}" is no known place; read as "{right}", one character apart (a misread scan?) — check it',
        )
    return None
