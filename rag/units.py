"""Unit names and their short forms: which indexed unit(s) a filter or a question means.

Imports nothing from rag. "霞山区" means 霞山区人民政府办公室; "源城区" means 源城区人民政府办公室 and not
河源市源城区埔前镇人民政府, whose name merely contains it: the longest matching alias wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

CITY_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,4}?市(?=[\u4e00-\u9fff]{2,}(区|县|镇|乡|街道))")
"""A leading city name (湛江市, 河源市) that people drop when they name a district or town."""
UNIT_SUFFIXES = ("人民政府办公室", "政府办公室", "人民政府", "办事处", "办公室", "政府")
"""Endings people drop (longest first, one at a time): 霞山区人民政府办公室 -> 霞山区,
浈江区车站街道办事处 -> 浈江区车站街道 -> 车站街道."""
PLACE = re.compile(r"[\u4e00-\u9fff]{1,6}?(区|县|市)(?=[\u4e00-\u9fff]{1,8}(镇|乡|街道|村|社区)$)")
"""A district before a town or street (源城区埔前镇 -> 埔前镇), split off only in that case."""


DIVISION = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:省|市|区|县|镇|乡|街道)")
"""One division in a place prefix (某市 / 某区)."""
DEPARTMENT_OF = re.compile(r"[\u4e00-\u9fff]{1,12}(局|分局|委员会|委|办公室|中心)")
"""What follows a place's name in the name of one of its departments (乙区 + 司法局)."""


def aliases(unit: str) -> set[str]:
    """Names a user may type for the unit, including the unit itself."""
    names = {unit}
    frontier = [unit]
    while frontier:
        name = frontier.pop()
        variants = [CITY_PREFIX.sub("", name)]
        suffix = next((s for s in UNIT_SUFFIXES if name.endswith(s) and len(name) > len(s) + 1), None)
        if suffix:
            variants.append(name[: -len(suffix)])
            if suffix.endswith("政府办公室"):  # people say 源城区政府办
                variants.append(name[: -len(suffix)] + "政府办")
        m = PLACE.match(name)
        if m:
            variants.append(name[m.end() :])
        short = PROVINCE_SHORT.match(name)
        if short:  # 河南省 -> 河南, 广西壮族自治区 -> 广西, 北京市 -> 北京
            variants.append(short.group(1) or short.group(2))
        for v in variants:
            if len(v) >= 2 and v not in names:
                names.add(v)
                frontier.append(v)
    return names


PROVINCE_SHORT = re.compile(r"^(?:(内蒙古|[\u4e00-\u9fff]{2})[\u4e00-\u9fff]{0,4}自治区|([\u4e00-\u9fff]{2,3})[省市])$")
"""How people name a province or city without its type: 河南, 广西, 新疆, 上海."""
PLACE_TYPE = re.compile(r"(区|县|市|镇|乡|街道)$")
PINYIN_SKIP = {"shi", "qu", "zhen"}
"""Pinyin of bare place-type words; as an alias they would match ordinary English text."""


def pinyin_aliases(unit: str) -> set[str]:
    """Romanised names used in English questions: 埔前镇 -> "puqian", 车站街道 -> "chezhan"."""
    out: set[str] = set()
    cores = [PLACE_TYPE.sub("", alias) for alias in aliases(unit)]
    # a department is named by its places: 某市某区规划和自然资源局 -> the pinyin of 某市 and 某区
    at = 0 if re.search(r"(局|分局|委员会|委|中心)$", unit) else -1
    for m in DIVISION.finditer(unit):
        if m.start() != at:
            break
        cores.append(PLACE_TYPE.sub("", m.group(0)))
        at = m.end()
    for core in cores:
        if 2 <= len(core) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", core):
            out.update(r for r in _readings(core) if r not in PINYIN_SKIP)
    return out


def romanised(word: str) -> set[str]:
    """Every pinyin reading of a short name, for matching English text (长延堡: changyanbao)."""
    return _readings(word)


def _readings(word: str) -> set[str]:
    """Every romanisation of a short name: 长延堡 is "changyanbao" though 长 alone reads zhang."""
    from pypinyin import Style, lazy_pinyin, pinyin

    options = [sorted(set(p))[:2] for p in pinyin(word, style=Style.NORMAL, heteronym=True)]
    out = {"".join(lazy_pinyin(word))}
    combos = [""]
    for opts in options:
        combos = [c + o for c in combos for o in opts]
    return out | set(combos)


def mentioned_romanised(text: str, units: Iterable[str]) -> list[str]:
    """Units named in pinyin in an English question ("Puqian town", "Xia Shan district"); where
    several match, those naming the most places win ("Chongqing's Jiangbei District … Bureau" is
    the district bureau, not 重庆市人民政府)."""
    squeezed = re.sub(r"[^a-z]+", " ", text.lower())
    words = squeezed.split()
    joined = {"".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    scored = [(len(pinyin_aliases(u) & joined), u) for u in units]
    best = max((n for n, _ in scored), default=0)
    return [u for n, u in scored if n and n == best]


def resolve(name: str, units: Iterable[str]) -> list[str]:
    """Units a filter names: an exact alias first, else the ones whose names contain it."""
    name = name.strip()
    if not name:
        return []
    table = {u: aliases(u) for u in units}
    exact = [u for u, names in table.items() if name in names]
    if exact:
        # 乙区 also means the district's own bureaus (乙区司法局), kept as separate units; not its towns
        departments = [
            u
            for u, names in table.items()
            if u not in exact and any(DEPARTMENT_OF.fullmatch(a[len(name) :]) for a in names if a.startswith(name))
        ]
        return exact + departments
    contains = [u for u, names in table.items() if any(name in a for a in names)]
    if contains:
        return contains
    return mentioned(name, table)


def mentioned(text: str, units: Iterable[str] | dict[str, set[str]]) -> list[str]:
    """Units named in free text, in order of appearance; overlapping mentions go to the longest alias."""
    table = units if isinstance(units, dict) else {u: aliases(u) for u in units}
    found: list[tuple[int, int, str]] = []  # (start, -length, unit)
    for unit, names in table.items():
        best: tuple[int, int] | None = None
        for alias in names:
            i = text.find(alias)
            if i >= 0 and (best is None or len(alias) > best[1]):
                best = (i, len(alias))
        if best:
            found.append((best[0], -best[1], unit))
    found.sort()
    taken: list[tuple[int, int]] = []
    out: list[str] = []
    for start, neg_len, unit in sorted(found, key=lambda f: f[1]):  # longest first claims its span
        end = start - neg_len
        if any(start < b and a < end and (a, b) != (start, end) for a, b in taken):
            continue  # an overlapping longer name claimed it; the same name (乙区 in two reports) does not
        taken.append((start, end))
        out.append(unit)
    order = {u: s for s, _, u in found}
    return sorted(out, key=lambda u: order[u])


PLACE_ENDS = ("省", "市", "区", "县", "自治区", "自治州", "自治县", "州", "盟", "旗", "镇", "乡", "街道")
"""What a region may drop when typed short: 河源 for 河源市, 广东 for 广东省."""


def in_region(region: str, unit: str, place: Sequence[str]) -> bool:
    """Whether a unit lies in a region: its division chain holds it (河源市 > 源城区 > 埔前镇), or its name does."""
    region = region.strip()
    if len(region) < 2:
        return False
    for name in place:
        if name == region or (name.startswith(region) and name[len(region) :] in PLACE_ENDS):
            return True
    return region in unit


def same_unit(a: str, b: str) -> bool:
    """Whether two names denote one unit: one is a short form of the other (某县 / 某县人民政府).

    乙区 and 乙区司法局 are different units; 甲区 and 某市甲区人民政府 are the same.
    """
    if a == b:
        return True
    return a in aliases(b) or b in aliases(a)
