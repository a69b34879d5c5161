"""Metadata cues: every place a real report names its unit and year, each turned into ranked candidates.

Imports rag.ingest.chrome/kinds and rag.units. Each cue is a small function with a real example in its
docstring and a test in tests/test_ingest_cues.py; `rank_unit`/`rank_year` in rag.ingest.reading combine them.
"""

from __future__ import annotations

import re
import unicodedata

from rag.ingest.chrome import LABELS
from rag.ingest.places import gazetteer

CJK = r"\u3400-\u9fff"
UNIT_END = (
    r"(?:人民政府办公室|政府办公室|人民政府|街道办事处|办事处|管理委员会|管委会|委员会|办公室|政府|"
    r"[分总]?局|街道|自治州|自治县|自治区|自治旗|镇|乡|区|县|市|省|州|旗|盟|中心|厅|委|办|所|院|站|队)"
)
"""How a unit's name ends (湛江市霞山区人民政府办公室, 紫金县司法局, 某瑶族乡, 某镇)."""
UNIT_NAME = re.compile(rf"[{CJK}]{{1,30}}?{UNIT_END}")
NOT_UNIT = re.compile(
    r"^(我|本|全|该|各|市县|省市|上级|区委|县委|市委|镇党委|乡党委|党委|党工委|中共|国务院|中央|省委|县政府|区政府|市政府|"
    r"乡政府|镇政府|政府|人民政府|街道|社区|村|关于|根据|按照|现将|年度|全年|一年|今年|去年|截至|"
    r"在|经|由|对|向|从|为|与|和|受|将|把|以|及|通过|围绕|坚持|推动|加强)|"
    r"(日报|晚报|报社|新闻网|新闻|网站|本网|本站|电视台|客户端|融媒体中心|官网|门户网站)$|[\d:：/（）()\[\]<>《》“”\"]"
)
"""Strings shaped like a unit that are not the reporting unit: self-references, superiors, newspapers, labels."""
YEAR = r"((?:19|20)\d\d)\s*年\s*(?:度)?"
"""A year in a title or an opening: 2024年, 2024 年度."""
SELF_REF = re.compile(r"(?:我|本)(省|市|县|区|镇|乡|街道|局|办|委|中心|单位)")
"""How a report names itself when it gives no name (我县, 本镇, 我局)."""


def clean_unit(value: str) -> str:
    """A candidate unit as a unit name, or "" when it is not one (来源：解放日报, 时间:2024年01月25日)."""
    value = re.sub(r"\s+", "", value).strip("-—·•:：,，。")
    value = re.sub(rf"^(?:{LABELS})", "", value)
    value = re.sub(r"(局|县|区|镇|乡)\1$", r"\1", value)  # 区自然资源局局: a doubled last character is a typo
    if not 2 <= len(value) <= 30 or NOT_UNIT.search(value):
        return ""
    if m := re.fullmatch(rf"([{CJK}]{{2,4}}?)(人民政府|政府)", value):
        # 鲁山人民政府: a county written without 县 is its short name
        full = _full_of_short(m.group(1))
        if full:
            return full + m.group(2)
    if re.fullmatch(rf"[{CJK}]+{UNIT_END}", value):
        return value
    return expand_short(value) or ""


def _full_of_short(short: str) -> str | None:
    table = gazetteer()
    if table is None or short in {n.name for i in table.by_name.get(short, []) for n in [table.nodes[i]]}:
        return None
    full = {table.nodes[i].name for i in table.by_name.get(short, []) if table.nodes[i].depth <= 2}
    return next(iter(full)) if len(full) == 1 else None


def expand_short(name: str) -> str | None:
    """A province or city by its short name (新疆, 宁夏, 河源) as its full name; None when unknown."""
    table = gazetteer()
    if table is None:
        return None
    ids = [i for i in table.by_name.get(name, []) if table.nodes[i].depth <= 1]
    full = {table.nodes[i].name for i in ids}
    return next(iter(full)) if len(full) == 1 else None


def is_known_place(name: str) -> bool:
    """True when the divisions table knows the name, or when there is no table to ask."""
    table = gazetteer()
    return table is None or name in table.by_name


CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")


def arabic_years(text: str) -> str:
    """二〇二四年 -> 2024年 and full-width digits to ASCII, so year rules see one form."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[〇○零一二三四五六七八九]{4}(?=年)", lambda m: m.group(0).translate(CN_DIGITS), text)


FIELD_SEP = r"\s*[\]】]?\s*[:：|]?\s*\|?\s*"
PUBLISHER_LABELS = ("发布机构", "发文机关", "发布单位")
SOURCE_LABELS = ("信息来源", "文章来源", r"来\s*源")
"""来源 often names a newspaper (解放日报) or the site (本网); clean_unit refuses those."""
NAME = re.compile(rf"(?:名\s*称|标\s*题){FIELD_SEP}(\S{{4,80}})")


def field_units(page_lines: list[str], labels: tuple[str, ...]) -> list[str]:
    """Units in fields ([ 发布机构 ] 某县某乡人民政府; 来源 / 某镇 with the value on the next line)."""
    alternatives = "|".join(labels)
    inline = re.compile(rf"(?:{alternatives}){FIELD_SEP}([{CJK}]{{2,30}})")
    alone = re.compile(rf"^[-•·*]?\s*[\[【]?\s*(?:{alternatives})\s*[\]】]?\s*[:：]?$")
    lines = [line.strip() for line in page_lines if line.strip()]
    out: list[str] = []
    for i, line in enumerate(lines):
        if alone.match(line):
            if i + 1 < len(lines) and (unit := clean_unit(lines[i + 1])):
                out.append(unit)
            continue
        for m in inline.finditer(line):
            if unit := clean_unit(m.group(1)):
                out.append(unit)
    return out


def name_field(page_text: str) -> str:
    m = NAME.search(page_text)
    return m.group(1) if m else ""


OPENING = re.compile(
    rf"^(?:{YEAR}(?:以来)?|一年来|本年度|今年以来|过去一年)?\s*[,，]?\s*"
    rf"([{CJK}]{{2,30}}?{UNIT_END})(?=在|坚持|深入|全面|认真|紧紧|围绕|按照|以|始终|持续|法治|政府信息|政务|扎实|不断|"
    r"立足|积极|聚焦|高度|严格|着力|切实|牢固|紧扣|锚定|统筹|进一步|深化|强化|加强|大力|主动|依法|贯彻|全力|把|将|对|的|"
    r"党工委|党委|政府|办事处|，|,)"
)
"""The opening sentence names the unit: 2024年以来,某县坚持…; 2025年,平田乡坚持…; 一年来,某乡在县委…"""
OPENING_PREFIX = re.compile(r"^(?:(?:19|20)\d\d\s*年(?:度|以来)?|一年来|本年度|今年以来|过去一年)")
"""How an opening sentence starts before it names its unit (2024年以来, 一年来)."""
REPORT_INTRO = re.compile(
    rf"现将([{CJK}]{{2,30}}?{UNIT_END})(?:{YEAR}|本年度|年度|法治|政府信息|工作)|由([{CJK}]{{2,30}}?{UNIT_END})(?:编制|负责编制)"
)
"""现将某乡2024年法治政府建设工作报告如下; 本年报…由某市某区规划和自然资源局编制."""


def opening_units(body: list[str], *, sentences: int = 4) -> list[str]:
    """Units named at the start of the first body sentences (after the title and addressee)."""
    out: list[str] = []
    text = "\n".join(body[:12])
    for line in body[:8]:
        for sent in re.split(r"(?<=[。；])", line)[:2]:
            # the subject may follow an opening clause: 2025年是…的收官之年,区司法局坚持…
            clauses = re.split(r"(?<=[,，])", sent.strip())
            bare_prefix = bool(re.fullmatch(rf"(?:{OPENING_PREFIX.pattern[1:]})\s*[,，]", clauses[0].strip()))
            for k, clause in enumerate(clauses[:5]):
                m = OPENING.match(clause.strip())
                if m is None or (k > 0 and m.group(1)):
                    continue
                unit = clean_unit(m.group(2))
                prefixed = (k == 0 and OPENING_PREFIX.match(clause.strip())) or (k == 1 and bare_prefix)
                if unit and (prefixed or _is_place_named(unit)):
                    out.append(_extend_department(unit, clause.strip()[m.end(2) :]))
                    break
        if len(out) >= sentences:
            break
    for m in REPORT_INTRO.finditer(text):
        if unit := clean_unit(m.group(1) or m.group(3)):
            out.append(unit)
    return out


def _is_place_named(unit: str) -> bool:
    """Starts with a known division or a bare level (区司法局): a subject, not a phrase (坚持县…, 通过区…)."""
    if re.match(r"^[省市县区镇乡](?=[\u3400-\u9fff]{2,}(局|委员会|办公室|中心)$)", unit):
        return True
    table = gazetteer()
    if table is None:
        return True
    return any(unit[:n] in table.by_name for n in range(2, min(len(unit), 12) + 1))


def qualify(unit: str, text: str) -> str:
    """区司法局 -> 乙区司法局 when the text names exactly one place of that level most often."""
    m = re.match(r"^(省|市|县|区)(?=[\u3400-\u9fff]{2,}(局|委员会|办公室|中心)$)", unit)
    if m is None:
        return unit
    named = [n for n in named_of_type(text, m.group(1)) if len(n) >= 3]
    return named[0] + unit[1:] if named else unit


DEPARTMENT_TAIL = re.compile(
    rf"^([{CJK}]{{1,10}}?(?:局|分局|委员会|办公室|中心|办事处))(?=在|坚持|深入|全面|认真|以|按照|始终|持续|法治|，|,)"
)


def _extend_department(unit: str, rest: str) -> str:
    """紫金县 + 司法局在县委… -> 紫金县司法局: a department follows its county's name."""
    m = DEPARTMENT_TAIL.match(rest)
    if m is None or re.search(r"[在的和与及、]|区委|县委|市委|政府", m.group(1)[:-1]):
        return unit
    return unit + m.group(1)


ADDRESSEE = re.compile(rf"^([{CJK}、,，()（）]{{3,80}})[:：]$")
"""中共某县委员会,某县人民政府: — a report opens by naming whom it reports to."""


def addressees(body: list[str]) -> list[str]:
    for line in body[:6]:
        m = ADDRESSEE.match(line.strip())
        if m:
            return [p for p in re.split(r"[、,，]", m.group(1)) if p]
    return []


PLACE_OF = re.compile(
    rf"(?:中共)?([{CJK}]{{2,12}}?(?:自治县|自治州|县|区|市|镇|乡|旗|街道))(?:委员会|委|人民政府|政府|人民代表大会|人大)"
)


def addressee_places(items: list[str]) -> list[tuple[str, str]]:
    """(place, its type) of each addressee: 中共某县委 -> (某县, 县); 县委、县政府 give nothing."""
    out: list[tuple[str, str]] = []
    for item in items:
        m = PLACE_OF.match(item)
        if m and clean_unit(m.group(1)):
            name = m.group(1)
            out.append((name, "街道" if name.endswith("街道") else name[-1]))
    return out


SIGNATURE_DATE = re.compile(r"^(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
SIGNED_LINE = re.compile(rf"^([{CJK}]{{2,30}})\s+(?:19|20)\d\d\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日$")


def signature_date(body: list[str]) -> tuple[int, int] | None:
    """(year, month) of the date under the signature (2024年1月20日, 二〇二四年一月十五日)."""
    for i in range(len(body) - 1, max(len(body) - 8, 0), -1):
        line = _arabic_date(body[i].strip())
        m = re.search(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*\d{1,2}\s*日$", line)
        if m and len(line) <= 40:
            return int(m.group(1)), int(m.group(2))
    return None


def _arabic_date(line: str) -> str:
    """二〇二四年一月十五日 -> 2024年1月15日 (signatures are often written in Chinese numerals)."""
    line = arabic_years(line)

    def small(m: re.Match[str]) -> str:
        t = m.group(1)
        if t == "十":
            return "10"
        if t.startswith("十"):
            return "1" + t[1:].translate(CN_DIGITS)
        if t.endswith("十"):
            return t[:-1].translate(CN_DIGITS) + "0"
        return t.replace("十", "").translate(CN_DIGITS)

    return re.sub(r"([一二三四五六七八九十]{1,3})(?=[月日])", small, line)


def signature_units(body: list[str]) -> list[str]:
    """A signature block: 湛江市霞山区人民政府办公室 / 2025年11月17日 at the end."""
    out: list[str] = []
    for i in range(len(body) - 1, max(len(body) - 8, 0), -1):
        line = _arabic_date(body[i].strip())
        m = SIGNED_LINE.match(line)
        signer = body[i - 1] if SIGNATURE_DATE.match(line) else (m.group(1) if m else "")
        if unit := clean_unit(signer):
            out.append(unit)
    return out


def self_reference(text: str) -> str | None:
    """The type a report calls itself by (我县 -> 县), the most frequent one in its opening."""
    counts: dict[str, int] = {}
    for m in SELF_REF.finditer(text[:5000]):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def named_of_type(text: str, kind: str) -> list[str]:
    """Names of the given type the text mentions, most frequent first: 我县 + 《施秉县2024年…》 -> 施秉县."""
    pattern = re.compile(
        rf"(?:^|(?<=[《“\"（(、，,。；：:\s年在是对和与及向从为把将全的]))([{CJK}]{{2,8}}?{re.escape(kind)})(?![{CJK}]{{0,1}}委)"
    )
    counts: dict[str, int] = {}
    for m in pattern.finditer(text[:20000]):
        name = clean_unit(m.group(1))
        if not name or name.startswith(("全", "各", "本", "我", "该", "市县", "省市", "县乡", "乡镇")):
            continue
        table = gazetteer()
        if kind in "省市县区镇乡街道" and not is_known_place(name):
            continue  # 为全县, 对以县: a character run, not a place
        if table is not None and table.ordinary_word(name, text):
            continue  # 老城区改造: a word, unless the text names the city it is a district of
        if kind not in "省市县区镇乡街道" and (table is None or not table.names_in(name[:4])):
            continue  # a department must be named with its place (某区自然资源分局), not 参与分局
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])


BODY_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
HEADING_YEAR = re.compile(r"^[一二三四五六七八九十]+、\s*((?:19|20)\d\d)\s*年")
OPENING_YEAR = re.compile(r"^((?:19|20)\d\d)\s*年(?:度|以来)?\s*[,，是]")


def opening_year(body: list[str]) -> tuple[int, str] | None:
    """The year the body opens with (2024年,在区委… / 2025年是…), else the first heading's (一、2022年…)."""
    for line in body[:8]:
        if m := OPENING_YEAR.match(line.strip()):
            return int(m.group(1)), "opening"
    for line in body[:30]:
        if m := HEADING_YEAR.match(line.strip()):
            return int(m.group(1)), "heading"
    return None


DELIVERED = re.compile(
    rf"((?:19|20)\d\d)\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日.{{0,24}}?在\s*"
    rf"([{CJK}]{{1,16}}?(?:省|市|自治区|自治州|州|盟|县|区|旗))\s*第[一二三四五六七八九十]+届\s*人民代表大会"
)
"""A 政府工作报告's delivery line: 2025年1月14日在吉林省第十四届人民代表大会第四次会议上."""
ON_BEHALF = re.compile(rf"我代表([{CJK}]{{2,16}}?(?:省|市|自治区|自治州|州|盟|县|区|旗))人民政府")
"""现在，我代表吉林省人民政府，向大会报告工作 (市人民政府 alone names nobody)."""


SESSION = re.compile(
    rf"在\s*([{CJK}]{{1,16}}?(?:省|市|自治区|自治州|州|盟|县|区|旗))\s*第[一二三四五六七八九十]+届\s*人民代表大会"
)
"""A session named without its date, in a title's bracket:
2023年政府工作报告（在XX区第八届人民代表大会第三次会议上）."""
SPEAKER = re.compile(
    rf"^([{CJK}]{{1,16}}?(?:省|市|自治区|自治州|州|盟|县|区|旗))人民政府\s*(?:代)?(?:省长|市长|区长|县长|主席|州长|旗长|盟长)"
)
"""The speaker's line under a 政府工作报告's title: XX区人民政府区长 姓名."""


def delivered(body: list[str]) -> tuple[str, int | None]:
    """(place, session year) from a government work report's delivery, session, speaker and 我代表… lines."""
    head = arabic_years("\n".join(body[:15]))
    m = DELIVERED.search(head)
    found = [ON_BEHALF.search(head), m, SESSION.search(head)]
    found += [SPEAKER.match(line.strip()) for line in body[:15]]
    places = [f.group(2 if f.re is DELIVERED else 1) for f in found if f is not None]
    place = next((p for p in places if clean_unit(p) and complete_unit(p)), "")
    return place, int(m.group(1)) if m else None


BARE_UNIT = re.compile(
    rf"^(?:自治区|自治州|自治县|[省市县区镇乡]|街道|本|我|该|全)(?:[{CJK}]{{0,10}}?)"
    r"(?:人民政府|政府|办事处|街道办事处|局|分局|委员会|委|办公室|中心|所|站|队|院|办)?$"
)
"""A unit without its place: 县人民政府, 区司法局, 镇人民政府, 本镇, 我局 — the place is named elsewhere."""
NOT_A_NAME = re.compile(r"(?:19|20)\d\d|年度|报告|人民代表大会|会议|[:：]|^中共|依法治|[区县市]委(?!员会)|党委|党工委")
"""What a title line, a date, a session or an addressee holds and a unit's name does not."""


def complete_unit(name: str) -> bool:
    """A name that can stand as the unit of a report: its place, no title, date, session or addressee."""
    name = name.strip()
    if not 2 <= len(name) <= 30 or NOT_A_NAME.search(name):
        return False
    if BARE_UNIT.match(name):  # 市中区, 市北区 are places that begin with 市
        table = gazetteer()
        return table is not None and any(name[:n] in table.by_name for n in range(2, min(len(name), 8) + 1))
    return True
