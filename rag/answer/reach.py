"""How far a question reaches, read against the index: the places it names and the years it means.

Reviewers scope a question the way they speak: `广州哪些区…`, `广东各市`, `北京、上海等八省市`, `在8个
省市的2026年政府工作报告中`, `2020年及以后`, `近三年`, `2022—2024年`. A place is a *division* only when the
divisions table knows it (a full name anywhere, a short name such as 广州 only where a scope follows it:
哪/各/的/、/等…); any other span that merely ends in 市 or 区 (`个省市`, `哪几个区`, a fragment of the
question's predicate) is a term or nothing, never a unit the index lacks. A division that covers
indexed reports restricts the question to them (a region); only a division, or a year, that is named
and truly has no indexed report gives the near-miss refusal, naming the closest that are indexed.
Imports rag.question/ingest/units and the index's entries; used by rag.answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.ingest.places import gazetteer
from rag.question.scope import QuestionScope
from rag.question.words import GENERIC_PLACE_WORDS, NOT_A_PLACE
from rag.store import DocEntry
from rag.text import normalize
from rag.units import in_region

SHORT_CUE = re.compile(
    r"^(?:哪|各|的|、|，|,|等|和|与|及|地区|全省|全市|所有|下辖|这|有哪些|境内|省内|市内|内|[一二两三四五六七八九十\d]+个)"
)
"""What follows a short division name (广州, 广东) when it scopes a question: 广州哪些区, 广东各市,
北京、上海等. A short name followed by anything else (长安汽车, 和平发展) is an ordinary word."""
OFFICE = re.compile(r"(?:(?![哪各的和与及])[\u4e00-\u9fff]){0,8}?(?:人民政府|政府|党委|党工委|办事处|局|委员会|办公室)")
"""What makes a division's name part of an office's (某市某区人民政府, 某区自然资源分局): a unit,
never a region."""
FULL_MIN = 3
"""Full names shorter than this (城区, 郊区, 矿区) are ordinary words as often as divisions."""


@dataclass(frozen=True, slots=True)
class Reach:
    """What the question's own words keep of the index, beyond the caller's filters."""

    regions: tuple[str, ...] = ()
    """Divisions named that cover indexed reports: a report is kept when it lies in any of them."""
    years: frozenset[int] | None = None
    """Years reported on that the question means (a title year, a span, the newest N); None: any."""
    notices: tuple[str, ...] = ()
    """What the reader should know: a named place without reports, a year read as a title's."""
    refusal: tuple[str, str] | None = None
    """(zh, en) near miss: a division or year named that no indexed report has."""
    only: frozenset[str] = frozenset()
    """A place named that no report is known to be from: only the reports whose unit could not be
    read and whose text speaks of itself at that place's level (doc ids) may be its."""

    def admits(self, d: DocEntry) -> bool:
        """Read for the question: it lies in scope, or may (its place or year could not be settled)."""
        if self.only and d.doc_id not in self.only:
            return False
        if self.regions and not any(in_region(r, d.unit, d.place) or maybe_in(r, d) for r in self.regions):
            return False
        return self.years is None or d.year in self.years or d.year is None

    def sure(self, d: DocEntry) -> bool:
        """Known to lie in scope: only such a report is claimed to qualify; one that may is shown to check."""
        if self.regions and not any(in_region(r, d.unit, d.place) for r in self.regions):
            return False
        return self.years is None or d.year in self.years


def maybe_in(region: str, d: DocEntry) -> bool:
    """A report whose place could not be settled (鼓楼区: one of several cities') may lie in a
    region one of its name's divisions lies in; one whose name names no division is not read as in."""
    table = gazetteer()
    if d.place or table is None:
        return False
    return any(in_region(region, d.unit, chain) for chain in table.chains_of(d.unit))


def divisions_named(question: str, unit_aliases: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(full name, its chain) of each division the question names; indexed units' own names are
    theirs, not regions (霞山区 asked about is the unit)."""
    return [(full, chain) for full, chain, _ in _divisions(question, unit_aliases)]


def place_words(question: str, unit_aliases: set[str]) -> set[str]:
    """The words by which the question names divisions (广东, 河源市): they scope it, so no evidence
    sentence need repeat them (a report says 全区, not the name of its own province)."""
    return {said.removesuffix("#unit") for _, _, said in _divisions(question, unit_aliases)}


def _divisions(question: str, unit_aliases: set[str]) -> list[tuple[str, tuple[str, ...], str]]:
    table = gazetteer()
    if table is None:
        return []
    q = _masked(normalize(question), unit_aliases, table.names_in)
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    i = 0
    names = table.names_in(q)
    for name in names:
        at = q.find(name, i)
        i = at + len(name) if at >= 0 else i
        ids = table.by_name.get(name, [])
        full_names = {table.nodes[k].name for k in ids}
        # 循化县 for 循化撒拉族自治县 carries its level as a full name does: no scope cue needed
        leveled = any(table.nodes[k].short + name[-1:] == name for k in ids)
        short = name not in full_names and not leveled
        listed = at > 0 and q[at - 1] in "、和与及"  # 江西、陕西、福建: the list says they are places
        if short and not (SHORT_CUE.match(q[i:]) or listed):
            continue
        if not short and len(name) < FULL_MIN:
            continue
        if any(g == name for g in GENERIC_PLACE_WORDS) or NOT_A_PLACE.search(name):
            continue
        if name in unit_aliases and not short:
            continue
        # the highest division of that name (a 北京市 is the province-level one, not its 市辖区)
        best = min(ids, key=lambda k: table.nodes[k].depth)
        chain = table.chain(best)
        # 某区人民政府, 某区司法局: the office itself is asked, not everything that lies in the district
        said = name + "#unit" if OFFICE.match(q[i:]) else name
        out.setdefault(table.nodes[best].name, (chain, said))
    for group, members in REGION_GROUPS.items():  # 四个直辖市, 东北三省: the provinces they name
        if group in q:
            for member in members:
                ids = table.by_name.get(member, [])
                if ids:
                    best = min(ids, key=lambda k: table.nodes[k].depth)
                    out.setdefault(table.nodes[best].name, (table.chain(best), group))
    return [(full, chain, said) for full, (chain, said) in out.items()]


REGION_GROUPS = {
    "直辖市": ("北京市", "天津市", "上海市", "重庆市"),
    "东北三省": ("辽宁省", "吉林省", "黑龙江省"),
    "东三省": ("辽宁省", "吉林省", "黑龙江省"),
    "京津冀": ("北京市", "天津市", "河北省"),
    "长三角": ("上海市", "江苏省", "浙江省", "安徽省"),
    "西北五省": ("陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区"),
    "中部六省": ("山西省", "安徽省", "江西省", "河南省", "湖北省", "湖南省"),
}
"""Fixed groups of provinces reviewers name as a scope (四个直辖市的报告里, 东北三省哪几个…): each
is read as the list of its members, like 北京、天津、上海、重庆."""


def _masked(q: str, unit_aliases: set[str], names_in: Callable[[str], list[str]]) -> str:
    """The question with each indexed unit's name blanked where it holds a division as a part
    (某市某区规划和自然资源局 holds 某市, 某县教育局 holds 某县): that division names the unit,
    not a region. A name that is only the division (北京 for 北京市人民政府) stays: 北京哪些区 is a region."""
    for alias in sorted((a for a in unit_aliases if a in q), key=len, reverse=True):
        if any(len(n) < len(alias) for n in names_in(alias)):
            q = q.replace(alias, " " * len(alias))
    return q


def read_reach(
    question: str,
    qs: QuestionScope,
    documents: Sequence[DocEntry],
    unit_aliases: set[str],
    units_named: bool,
    report_text: Callable[[str], str],
    place_like: Sequence[str] = (),
) -> Reach:
    """The regions and years the question means. `units_named`: the question names an indexed unit
    (then a missing division is said, not refused). `report_text(doc_id)`: a report whose unit
    could not be read may be the named place's when its text speaks of itself at that level (我区,
    全区 for a 区): then the question is answered over everything, with a notice; else it is a near miss.
    `place_like`: names ending in 市/区/县/镇/乡/街道 that no indexed unit has (rag.question): read only
    when the divisions table is not installed (the `places` extra), as the near miss they were before."""
    if gazetteer() is None and place_like and not units_named:
        names = "、".join(place_like)
        return Reach(
            refusal=(f"已索引的报告中没有{names}的报告。", f"No indexed report comes from {', '.join(place_like)}.")
        )
    regions: list[str] = []
    missing: list[tuple[str, tuple[str, ...]]] = []
    for full, chain, said in _divisions(question, unit_aliases):
        short = chain[-1] if chain else full
        # its office is asked (某区人民政府, 某县政府): the division's own government and departments
        # (某县司法局) may answer for it, a town or street inside it (某街道) may not
        office = said.endswith("#unit")
        inside = [d for d in documents if any(in_region(r, d.unit, d.place) or maybe_in(r, d) for r in (full, short))]
        if office:
            inside = [d for d in inside if len(d.place) <= len(chain)]
        if inside:
            regions.append(full)
        elif office and units_named:
            continue
        else:  # (a report that merely mentions it, 深圳 in a province's report, is not from it)
            missing.append((full, chain))
    notices = []
    only: frozenset[str] = frozenset()
    # a report whose unit could not be read (indexed under its file name) may be that place's: the
    # index cannot show the place is missing, so the question is answered over everything, and said
    unknown = [d for d in documents if dict(d.cues).get("unit", "").startswith("file name")]
    names = "、".join(m for m, _ in missing)
    fits = [d for d in unknown if any(_own_level(report_text(d.doc_id)) == _level(m) for m, _ in missing)]
    if missing and (regions or units_named):
        notices.append(f"已索引的报告中没有{names}的报告，只按其余范围回答")
    elif missing and fits:
        shown = "、".join(d.unit for d in fits[:3])
        notices.append(f"已索引的报告中没有注明为{names}的报告；只检索未识别出单位、可能是它的报告（{shown}），请核对")
        only = frozenset(d.doc_id for d in fits)
    elif missing:
        return Reach(refusal=_no_place(missing, documents))
    years, told, refusal = _years(qs, documents)
    if refusal is not None:
        return Reach(refusal=refusal)
    return Reach(tuple(regions), years, tuple(notices + told), only=only)


OWN_LEVEL = (
    ("街道", re.compile(r"我街道?|全街道|本街道|街道党工委|街道办事处")),
    ("镇", re.compile(r"我镇|全镇|本镇|镇党委|镇政府")),
    ("乡", re.compile(r"我乡|全乡|本乡|乡党委|乡政府")),
    ("区", re.compile(r"我区|全区|本区|区委|区政府")),
    ("县", re.compile(r"我县|全县|本县|县委|县政府")),
    ("市", re.compile(r"我市|全市|本市|市委|市政府")),
    ("省", re.compile(r"我省|全省|本省|省委|省政府")),
)
"""How a report speaks of its own place; the level spoken of most is the report's own."""


def _own_level(text: str) -> str:
    counts = [(len(p.findall(text)), level) for level, p in OWN_LEVEL]
    best = max(counts)
    return best[1] if best[0] else ""


def _level(division: str) -> str:
    for end in ("街道", "镇", "乡", "区", "县", "市", "省"):
        if division.endswith(end) and not division.endswith("自治区"):
            return end
    return "省" if division.endswith("自治区") else ""


def _no_place(missing: list[tuple[str, tuple[str, ...]]], documents: Sequence[DocEntry]) -> tuple[str, str]:
    """The near-miss refusal for places, with the indexed units closest to them (same city, same
    province), else the provinces the index covers."""
    names = "、".join(m for m, _ in missing)
    best, closest = 0, []
    for d in documents:
        chain = missing[0][1]
        shared = next((k for k, (a, b) in enumerate(zip(chain, d.place, strict=False)) if a != b), None)
        depth = min(len(chain), len(d.place)) if shared is None else shared
        if depth > best:
            best, closest = depth, [d.unit]
        elif depth == best and depth > 0:
            closest.append(d.unit)
    if closest:
        near = "、".join(dict.fromkeys(closest[:6]))
        return (
            f"已索引的报告中没有{names}的报告（最近的已索引单位：{near}）。",
            f"No indexed report comes from {names} (closest indexed: {near}).",
        )
    tops = "、".join(dict.fromkeys(d.place[0] for d in documents if d.place)) or "—"
    return (
        f"已索引的报告中没有{names}的报告（已索引的报告来自：{tops}）。",
        f"No indexed report comes from {names} (indexed: {tops}).",
    )


def _years(
    qs: QuestionScope, documents: Sequence[DocEntry]
) -> tuple[frozenset[int] | None, list[str], tuple[str, str] | None]:
    """(years reported on, notices, refusal) for the year forms only this layer can resolve: a
    title's year, a span, the newest N years. A single year reported on stays with the filters."""
    indexed = sorted({d.year for d in documents if d.year is not None})
    have = "、".join(f"{y}年" for y in indexed)
    if qs.title_year is not None:
        titled = {d.year for d in documents if d.year is not None and (d.title_year or d.year) == qs.title_year}
        if titled:
            return frozenset(titled), [], None
        return (
            None,
            [],
            (
                f"已索引的报告中没有标题为{qs.title_year}年的报告（已索引的报告年份：{have}）。",
                f"No indexed report is titled {qs.title_year} (indexed years: {', '.join(map(str, indexed))}).",
            ),
        )
    if qs.span is not None:
        lo, hi = qs.span
        kept = {y for y in indexed if (lo is None or y >= lo) and (hi is None or y <= hi)}
        if kept:
            return frozenset(kept), [], None
        shown = f"{lo or ''}—{hi or ''}"
        return (
            None,
            [],
            (
                f"已索引的报告中没有{shown}年的报告（已索引：{have}）。",
                f"No indexed report covers {shown} (indexed: {', '.join(map(str, indexed))}).",
            ),
        )
    if qs.recent is not None and indexed:
        kept = set(indexed[-qs.recent :])
        return (
            frozenset(kept),
            [f"“近{qs.recent}年”按已索引报告中最新的{len(kept)}个年份（{'、'.join(map(str, sorted(kept)))}）理解"],
            None,
        )
    return None, [], None
