"""China's administrative divisions down to towns and streets, to place each unit (省 > 市 > 县 > 乡).

Data: jionlp's `china_location` table (Apache-2.0, updated 2025; 34 省, 350 市, 3192 县, 43104 乡/镇/街道),
read straight from the installed package's zip without importing jionlp (whose import loads a tokeniser).
cpca and its forks stop at counties; the town level is what tells 小陶镇 lies in 永安市. The extra
`rag[places]` installs it; without it reports still index, only with no place.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEVELS = ("省", "市", "县", "乡")
"""Depth 0..3 of the table: province, prefecture city, county/district, township/town/street."""
STATE_CITIES = ("北京市", "上海市", "天津市", "重庆市")
"""直辖市: province-level, and their districts county-level."""
SHORT_MIN = 2
"""Short names (河源 for 河源市) shorter than this are ignored; one character matches everywhere."""


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
        self._lengths = sorted({len(k) for k in self.by_name}, reverse=True)

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
        """The chain of the unit's own division; ambiguous names (仁和镇: 7 of them) keep only what all agree on."""
        own = self.names_in(unit)
        if not own:
            return ()
        mentioned = set(own) | set(self.names_in(context))
        candidates = [i for name in own for i in self.by_name[name]]
        deepest = max(self.nodes[i].depth for i in candidates)
        candidates = [i for i in candidates if self.nodes[i].depth == deepest]

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

    def chains_of(self, unit: str) -> list[tuple[str, ...]]:
        """Every division the unit's own name could be (通州区: 北京市 > 通州区 and 江苏省 > 南通市 >
        通州区), for a report whose place could not be settled: a region may hold it or not."""
        own = self.names_in(unit)
        candidates = [i for name in own for i in self.by_name[name]]
        if not candidates:
            return []
        deepest = max(self.nodes[i].depth for i in candidates)
        return [self.chain(i) for i in candidates if self.nodes[i].depth == deepest]

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
    """The divisions table, parsed once per process (≈ 0.3 s); None when jionlp is not installed."""
    path = _data_file()
    if path is None:
        return None
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
    return Gazetteer(nodes)


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
