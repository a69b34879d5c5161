"""China's administrative divisions down to towns and streets, to place each unit (省 > 市 > 县 > 乡).

Data: jionlp's `china_location` table (Apache-2.0, updated 2025; 34 省, 350 市, 3192 县, 43104 乡/镇/街道),
read straight from the installed package's zip without importing jionlp (whose import loads a tokeniser).
cpca and its forks stop at counties; the town level is what tells which county a town lies in. The extra
`rag[places]` installs it; without it reports still index, only with no place.
"""

from __future__ import annotations

import importlib.util
import io
import marshal
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from rag.usercache import cache_path, read_owned, write_private

LEVELS = ("省", "市", "县", "乡")
"""Depth 0..3 of the table: province, prefecture city, county/district, township/town/street."""
STATE_CITIES = ("北京市", "上海市", "天津市", "重庆市")
"""直辖市: province-level, and their districts county-level."""
SHORT_MIN = 2
"""Short names (河源 for 河源市) shorter than this are ignored; one character matches everywhere."""


ORDINARY_WORDS = frozenset(
    {"城区", "新区", "老城区", "新城区", "开发区", "郊区", "矿区", "市区", "高新区", "园区", "林区"}
)
"""Division names that are also ordinary words (老城区改造, 新区建设, 开发区): a text naming one names a
place only with a second cue, one of the divisions above it named too."""


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    short: str
    depth: int
    parent: int


class Gazetteer:
    """Name -> divisions; `locate` picks the one a unit name and its report's text agree on."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.by_name: dict[str, list[int]] = {}
        for i, n in enumerate(nodes):
            self.by_name.setdefault(n.name, []).append(i)
            if n.depth < 3 and len(n.short) >= SHORT_MIN and n.short != n.name:
                self.by_name.setdefault(n.short, []).append(i)
                # 循化县 for 循化撒拉族自治县, 延边州 for 延边朝鲜族自治州: the short name and the level
                for full, said in (("自治县", "县"), ("自治州", "州"), ("自治旗", "旗")):
                    if n.name.endswith(full) and not n.short.endswith(said):
                        self.by_name.setdefault(n.short + said, []).append(i)
        self._lengths = sorted({len(k) for k in self.by_name}, reverse=True)
        self._host_keys: dict[str, tuple[int, ...]] | None = None
        self._shapes: dict[tuple[int, str], list[int]] | None = None

    def chain(self, i: int) -> tuple[str, ...]:
        out: list[str] = []
        while i >= 0:
            out.append(self.nodes[i].name)
            i = self.nodes[i].parent
        # 直辖市 appear twice (上海市 > 上海市 > 嘉定区): one is enough
        return tuple(n for k, n in enumerate(reversed(out)) if k == 0 or n != out[len(out) - k])

    def names_in(self, text: str) -> list[str]:
        """Division names in text, longest first at each position, no overlaps."""
        found: list[str] = []
        i = 0
        while i < len(text):
            for n in self._lengths:
                if text[i : i + n] in self.by_name:
                    found.append(text[i : i + n])
                    i += n
                    break
            else:
                i += 1
        return found

    def locate(self, unit: str, context: str = "") -> tuple[str, ...]:
        """The chain of the unit's own division; an ambiguous name (one town's name can stand for seven
        towns) keeps only what all its readings agree on."""
        own = self.names_in(unit)
        if not own:
            return ()
        mentioned = set(own) | set(self.names_in(context))
        candidates = [i for name in own for i in self.by_name[name]]
        while candidates:
            deepest = max(self.nodes[i].depth for i in candidates)
            deep = [i for i in candidates if self.nodes[i].depth == deepest]
            # 某区某乡 whose 乡 the table lists only under other counties (renamed, merged): a division the
            # name holds above it wins over one that contradicts it, so the place is the 区's
            higher = {n for n in own if all(self.nodes[k].depth < deepest for k in self.by_name[n])}
            agree = [i for i in deep if all(any(self.is_named(c, h) for c in self.chain(i)) for h in higher)]
            if agree or not higher:
                candidates = agree or deep
                break
            candidates = [i for i in candidates if self.nodes[i].depth < deepest]
        if not candidates:
            return ()

        def support(i: int) -> int:
            score = 0
            while i >= 0:
                n = self.nodes[i]
                if n.name in own or n.short in own:
                    score += 2
                elif n.name in mentioned or n.short in mentioned:
                    score += 1
                i = n.parent
            return score

        scored = sorted(((support(i), i) for i in candidates), reverse=True)
        top = [i for s, i in scored if s == scored[0][0]]
        chains = [self.chain(i) for i in top]
        common: list[str] = []
        for level in zip(*chains, strict=False):
            if len(set(level)) != 1:
                break
            common.append(level[0])
        return tuple(common)

    def is_named(self, name: str, said: str) -> bool:
        """`said` names the division `name`: in full, or by a short name (河源 for 河源市, 循化县 for
        循化撒拉族自治县)."""
        return said == name or any(self.nodes[k].name == name for k in self.by_name.get(said, ()))

    def chains_of(self, unit: str) -> list[tuple[str, ...]]:
        """Every division the unit's own name could be (鼓楼区: in 南京市, 福州市, 徐州市,
        开封市…), for a report whose place could not be settled: a region may hold it or not."""
        own = self.names_in(unit)
        candidates = [i for name in own for i in self.by_name[name]]
        if not candidates:
            return []
        deepest = max(self.nodes[i].depth for i in candidates)
        return [self.chain(i) for i in candidates if self.nodes[i].depth == deepest]

    def by_host(self, label: str) -> list[int]:
        """Provinces, cities and counties a site's host label names (lixin.gov.cn, sqsc.gov.cn: 宿迁 +
        宿城 by initials, cqck: 重庆 + 城口): full pinyin or initials of the name, alone or after its
        parent's."""
        return list(self._hosts().get(label.lower(), ()))

    def _hosts(self) -> dict[str, tuple[int, ...]]:
        if self._host_keys is None:
            from pypinyin import Style, lazy_pinyin

            def core(name: str) -> str:
                return re.sub(r"(?:自治区|自治县|自治州|自治旗|省|市|区|县|旗|盟|州)$", "", name) or name

            def spell(name: str) -> tuple[str, str]:
                c = re.sub(r"(?:维吾尔|壮族|回族|苗族|土家族|彝族|藏族|蒙古族)+$", "", core(name)) or core(name)
                return "".join(lazy_pinyin(c)), "".join(lazy_pinyin(c, style=Style.FIRST_LETTER))

            keys: dict[str, set[int]] = {}
            for i, n in enumerate(self.nodes):
                if n.depth > 2:
                    continue
                full, initials = spell(n.name)
                own = {full, initials} if len(initials) >= 2 else {full}
                if n.parent >= 0:
                    pf, pi = spell(self.nodes[n.parent].name)
                    own |= {pi + initials, pf + full, pi + full}
                for key in own:
                    if len(key) >= 2:
                        keys.setdefault(key, set()).add(i)
            self._host_keys = {k: tuple(sorted(v)) for k, v in keys.items()}
        return self._host_keys

    def one_apart(self, name: str) -> list[int]:
        """Divisions whose name differs from `name` in one character before its type (王海市 -> 上海市,
        珠海市…): what a scan's misread character may stand for."""
        if self._shapes is None:
            shapes: dict[tuple[int, str], list[int]] = {}
            for i, n in enumerate(self.nodes):
                shapes.setdefault((len(n.name), n.name[-1]), []).append(i)
            self._shapes = shapes
        out = []
        for i in self._shapes.get((len(name), name[-1]), []):
            other = self.nodes[i].name
            if sum(a != b for a, b in zip(other, name, strict=True)) == 1 and other[-1] == name[-1]:
                out.append(i)
        return out

    def best_supported(self, ids: list[int], text: str) -> int | None:
        """Of several divisions a cue allows, the one the text's own places point to: itself named, its
        parents named, or places inside it (a county's towns, a province's cities); None when none or a tie."""
        if len(set(ids)) == 1:
            return ids[0]
        mentioned = set(self.names_in(text[:20000]))
        scores = []
        for i in dict.fromkeys(ids):
            above = set(self.chain(i)[:-1])
            score = len(above & mentioned) + 3 * (self.nodes[i].name in mentioned)  # named itself: strongest
            for name in mentioned:
                for k in self.by_name.get(name, ()):
                    j = self.nodes[k].parent
                    while j >= 0 and j != i:
                        j = self.nodes[j].parent
                    if j == i:
                        score += 1
                        break
            scores.append((score, i))
        scores.sort(reverse=True)
        top = [i for score, i in scores if score == scores[0][0]]
        # a tie between places of one name (a town name several counties have) still settles the name
        if scores[0][0] == 0 or len({self.nodes[i].name for i in top}) > 1:
            return None
        return top[0]

    def ordinary_word(self, name: str, text: str) -> bool:
        """`name` is an ordinary word here (老城区 in 老城区改造): one of ORDINARY_WORDS with none of the
        divisions above any place of that name in the text."""
        if name not in ORDINARY_WORDS:
            return False
        above = {n for i in self.by_name.get(name, ()) for n in self.chain(i)[:-1]}
        shorts = {self.nodes[i].short for n in above for i in self.by_name.get(n, ())}
        return not any(n in text for n in above | shorts if len(n) >= 2)

    def full_name(self, name: str) -> str | None:
        """The full name of a division named in full or short (新疆 -> 新疆维吾尔自治区), if unambiguous."""
        ids = self.by_name.get(name, [])
        full = {self.nodes[i].name for i in ids}
        return next(iter(full)) if len(full) == 1 else None


def _data_file() -> Path | None:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer | None:
    """The divisions table, parsed once per process; None when jionlp is not installed. Parsing the
    704,000 lines takes ≈ 0.25 s, so the 46,680 kept are cached for the next process (0.02 s)."""
    path = _data_file()
    if path is None:
        return None
    cache = cache_path("places", path, ".marshal")
    rows = read_owned(cache, _rows)
    if rows is None:
        rows = [(n.name, n.short, n.depth, n.parent) for n in _parse(path)]
        write_private(cache, lambda fh: marshal.dump(rows, fh))
    return Gazetteer([Node(*row) for row in rows])


def _rows(fh: BinaryIO) -> list[tuple[str, str, int, int]] | None:
    rows = marshal.load(fh)  # marshal runs no code; the file is this user's own (rag.usercache)
    return rows if isinstance(rows, list) and rows and len(rows[0]) == 4 else None


def _parse(path: Path) -> list[Node]:
    nodes: list[Node] = []
    stack: list[int] = []
    with zipfile.ZipFile(path) as zf:
        member = next(n for n in zf.namelist() if n.endswith(".txt"))
        with zf.open(member) as fh:
            for raw in io.TextIOWrapper(fh, encoding="utf-8"):
                depth = len(raw) - len(raw.lstrip("\t"))
                if depth > 3:
                    continue  # villages and 社区: below what a report's unit is
                parts = raw.strip().split("\t")
                if not parts or not parts[0]:
                    continue
                name = parts[0]
                short = parts[2] if len(parts) > 2 else name
                del stack[depth:]
                parent = stack[-1] if stack else -1
                nodes.append(Node(name, short, depth, parent))
                stack.append(len(nodes) - 1)
    return nodes


DEPARTMENT = re.compile(r"(局|分局|委员会|管委会|中心|办公室|所|院|站|队|厅|委|办)$")


def level_of(unit: str) -> str:
    """省/市/县/区/街道/镇/乡 from how the name ends; a bureau is <level of its place>级部门."""
    name = re.sub(r"(人民政府|政府)$", "", unit)
    if DEPARTMENT.search(name) and not name.endswith(("街道办事处", "办事处")):
        head = DEPARTMENT.sub("", name)
        m = re.search(r"(省|自治区|市|州|县|区|旗)", head[::-1])
        if m is None:
            return "部门"
        found = m.group(1)[::-1]
        if found == "市" and head.startswith(STATE_CITIES) and re.search(r"[区县]", head[3:]):
            found = "县"
        return {"区": "县", "旗": "县", "州": "市", "自治区": "省"}.get(found, found) + "级部门"
    for end, level in (("街道办事处", "街道"), ("办事处", "街道"), ("街道", "街道"), ("镇", "镇"), ("乡", "乡")):
        if name.endswith(end):
            return level
    if name.endswith(("县", "旗")):
        return "县"
    if name.endswith("区") and not name.endswith("自治区"):
        return "区"
    if name.endswith(("省", "自治区")) or name in STATE_CITIES:
        return "省"
    if name.endswith(("市", "州", "盟")):
        return "市"
    return ""
