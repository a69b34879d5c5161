"""One file -> one Report: read the format, drop page furniture, rank the metadata cues, note what is unsure.

Imports the rest of rag.ingest and rag.records/errors/units. A readable report is never refused for its
metadata: with no unit found anywhere it is indexed under its file name, with a warning saying how to fix it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.ingest import cues, naming, titles
from rag.ingest.chrome import BULLET, LABEL_ONLY, is_chrome
from rag.ingest.corrections import METADATA_FILE
from rag.ingest.formats import MAX_REPORT_CHARS, Extracted, read_file
from rag.ingest.kinds import kind_of_body, kind_of_title
from rag.ingest.places import gazetteer, level_of
from rag.records import Report
from rag.text import heading_level
from rag.units import UNIT_SUFFIXES

PROPS_ORDER = ("meta:ArticleTitle", "html_title", "og:title", "pdf_title", "docx_title", "ofd_title", "docx_subject")
"""Format metadata that may hold the title, most trustworthy first."""
TRADITIONAL_SHARE = 0.02
"""Share of characters OpenCC t2s changes above which a text is Traditional (東城區 page: 0.11; simplified: < 0.002)."""
DATE = r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
PUBLISHED = re.compile(
    rf"(?:发布时间|发布日期|发表日期|撰写时间|(?<![成发]文)日期|(?<!生成)时间)\s*[\]】]?\s*[:：|]?\s*\|?\s*{DATE}"
)
WRITTEN = re.compile(rf"(?:成文日期|发文日期|公文生成日期)\s*[\]】]?\s*[:：|]?\s*\|?\s*{DATE}")
BARE_DATE = re.compile(rf"^{DATE}(\s+\d{{1,2}}:\d{{2}}(:\d{{2}})?)?$")


def iter_report_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths in a stable order, reports.csv left out. A hidden file or folder, a
    broken link and anything that is not a regular file are yielded too (a hidden folder once, not
    its contents): load_report then names each with why it is not read, instead of a silent skip."""
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(folder: Path) -> Iterator[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        yield folder
        return
    for p in entries:
        if p.name == METADATA_FILE:
            continue
        if p.is_dir() and not p.is_symlink() and not p.name.startswith("."):
            yield from _walk(p)
        else:
            yield p


def load_report(path: Path, *, doc_id: str | None = None, source: str | None = None) -> Report:
    """Read one report file; raises InputError naming the file (or `source`, its display name)."""
    name = source or str(path)
    if path.name.startswith("."):
        what = "hidden folder" if path.is_dir() else "hidden file"
        raise InputError(f"{name}: {what}, not read as a report (rename it without the leading dot to index it)")
    if not path.exists():
        raise InputError(
            f"{name}: {'broken link (its target does not exist)' if path.is_symlink() else 'no such file'}"
        )
    try:
        extracted = read_file(path, name)
    except InputError:
        raise
    except Exception as exc:  # a reader's library on a crafted file raises anything: one file, one line
        raise InputError(f"{name}: could not be read ({_reason(exc, path, name)})") from exc
    chars = sum(len(line) for line in extracted.lines)
    if chars > MAX_REPORT_CHARS:
        raise InputError(f"{name}: {chars} characters of text; limit {MAX_REPORT_CHARS} (RAG_MAX_REPORT_CHARS)")
    return build_report(extracted, source=name, doc_id=doc_id or doc_id_for(path))


def _reason(exc: BaseException, path: Path, name: str) -> str:
    """An exception as one short line, with the file's display name for its path (an upload's staging
    path is never shown): "RecursionError: maximum recursion depth exceeded", "MemoryError"."""
    said = " ".join(str(exc).split()).replace(str(path), name)[:120]
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__


def doc_id_for(path: Path) -> str:
    """The file stem when it is a safe id, else a readable prefix plus a hash of the name."""
    stem = path.stem
    if re.fullmatch(r"[\w.\-]{1,80}", stem):
        return stem
    digest = hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]
    safe = re.sub(r"[^\w\-]+", "_", stem)[:40].strip("_")
    return f"{safe}_{digest}" if safe else digest


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def simplified(lines: list[str]) -> tuple[list[str], bool]:
    """Traditional-Chinese pages (東城區, big5 gateways) converted with OpenCC so simplified queries find them."""
    text = "\n".join(lines)
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    if cjk == 0:
        return lines, False
    converted = _t2s().convert(text)
    changed = sum(1 for a, b in zip(text, converted, strict=False) if a != b)
    if changed / cjk < TRADITIONAL_SHARE or len(converted) != len(text):
        return lines, False
    return converted.split("\n"), True


def body_lines(lines: list[str]) -> list[str]:
    """The report without furniture: chrome lines, label/value pairs, bullet metadata lists, repeated blocks."""
    stripped = [line.strip() for line in lines]
    drop: set[int] = set()
    for i, line in enumerate(stripped):
        if not line or is_chrome(line):
            drop.add(i)
        if LABEL_ONLY.match(BULLET.sub("", line)) and i + 1 < len(stripped):
            value = stripped[i + 1]
            if len(value) <= 40 and not value.endswith("。") and heading_level(value) is None:
                drop.add(i + 1)  # 来源 / 某镇, 编辑 / 闻佳慧
    i = 0
    while i < len(stripped):  # a run of bulleted short lines that is mostly metadata: all of it
        j = i
        while j < len(stripped) and BULLET.match(stripped[j]) and len(stripped[j]) <= 40:
            j += 1
        if j - i >= 3 and sum(k in drop for k in range(i, j)) * 2 >= j - i:
            drop.update(range(i, j))
        i = max(j, i + 1)
    body: list[str] = []
    seen_short: set[str] = set()
    for i, line in enumerate(stripped):
        if i in drop:
            continue
        if len(line) <= 60 and len(body) < 30:
            if line in seen_short:
                continue  # titles and metadata blocks printed twice
            seen_short.add(line)
        body.append(line)
    return body


def build_report(extracted: Extracted, *, source: str, doc_id: str) -> Report:
    """Metadata from the whole page and the format, body from the content lines without furniture."""
    lines, converted = simplified(extracted.lines)
    page_lines = simplified(extracted.page_lines)[0] if converted else extracted.page_lines
    body = body_lines(lines)
    text = "\n".join(body)
    if not text.strip():
        raise InputError(f"{source}: no report text left after removing page furniture")
    found = _Cues(extracted, page_lines, body, Path(source).stem)
    unit, unit_cue, warnings = found.unit()
    kind, kind_cue = found.kind()
    year, title_year, year_cue, year_warnings = found.year(kind)
    warnings += year_warnings
    if kind == "政府工作报告" and re.search(r"(省|市|自治区|县|区)$", unit):
        unit += "人民政府"  # the report is delivered by the people's government of that place
    level = level_of(unit)
    place, place_cue = found.place(unit) if "fallback" not in unit_cue else ((), "")
    notes = list(extracted.notes)
    if converted:
        notes.append("Traditional Chinese converted to Simplified (OpenCC t2s); quotes are in Simplified")
    title = found.title_text() or Path(source).stem
    cue_list = [("unit", unit_cue), ("year", year_cue), ("kind", kind_cue), ("place", place_cue)]
    return Report(
        doc_id=doc_id,
        unit=unit,
        year=year,
        title=title,
        published=published(page_lines),
        source=source,
        text=text,
        kind=kind,
        title_year=title_year,
        level=level,
        place=place,
        cues=tuple(cue_list),
        warnings=tuple(warnings + [f"text: {n}" for n in notes]),
    )


class _Cues:
    """The cues of one report, computed once and ranked per field."""

    def __init__(self, extracted: Extracted, page_lines: list[str], body: list[str], stem: str) -> None:
        self.stem = stem
        self.page = [line.strip() for line in page_lines if line.strip()]
        self.body = body
        self.text = "\n".join(body)
        self.titles = titles.title_lines(body)
        self.props: list[tuple[str, titles.Title]] = []
        for key in PROPS_ORDER:
            value = extracted.props.get(key, "")
            for part in re.split(r"[_|｜]|\s-\s", value)[:2]:
                if (t := titles.parse_title(part)) is not None:
                    self.props.append((key, t))
                    break
        named = titles.parse_title(cues.name_field("\n".join(self.page)))
        self.named = [named] if named is not None else []
        self.filename = titles.filename_title(stem)
        self.addressees = cues.addressees(body)
        self.delivery = cues.delivered(body)
        """(place, session year) of a 政府工作报告's delivery line, read once for unit, year and kind."""

    def _titled(self) -> list[tuple[str, titles.Title]]:
        out = [("title", t) for t in self.titles]
        out += [("name field", t) for t in self.named]
        out += [(key, t) for key, t in self.props]
        if self.filename is not None:
            out.append(("file name", self.filename))
        return out

    def title_text(self) -> str:
        titled = [t for _, t in self._titled() if t.year is not None or t.kind]
        return titled[0].text if titled else ""

    def unit(self) -> tuple[str, str, list[str]]:
        ranked: list[tuple[str, str]] = []
        titled = self._titled()
        ranked += [(cue, t.unit) for cue, t in titled if t.unit and cue != "file name"]
        publishers = cues.field_units(self.page, cues.PUBLISHER_LABELS)
        ranked += [("发布机构 field", u) for u in publishers]
        ranked += [(cue, t.unit) for cue, t in titled if t.unit and cue == "file name"]
        ranked += [("来源 field", u) for u in cues.field_units(self.page, cues.SOURCE_LABELS)]
        ranked += [("opening sentence", u) for u in cues.opening_units(self.body)]
        ranked += [("signature", u) for u in cues.signature_units(self.body)]
        if place := self.delivery[0]:
            ranked.append(("delivery line", place + "人民政府"))
        bare = ""
        for cue, unit in ranked:
            if (qualified := cues.qualify(unit, self.text)) != unit:
                unit, cue = qualified, cue + " + place mention"
            if not cues.complete_unit(unit):
                # 县人民政府, 区司法局: never a unit alone; the place from another cue, else the next
                done = naming.complete_bare(unit, self.page, self.body) if cues.BARE_UNIT.match(unit) else None
                if done is None:
                    bare = bare or (unit if cues.BARE_UNIT.match(unit) else "")
                    continue
                unit, cue = done[0], f"{cue} + {done[1]}"
            fuller = [u for c, u in ranked if c in ("发布机构 field", "title", "name field") and _is_fuller(u, unit)]
            if fuller:
                unit = max(fuller, key=len)
                cue += " + 发布机构 field"
            if (misread := naming.misread_place(unit, self.text)) is not None:
                return misread[0], cue + " + one character from a known place", [misread[1]]
            return unit, cue, []
        own = cues.self_reference(self.text)
        if own:
            for place, place_type in cues.addressee_places(self.addressees):
                if place_type == own:
                    return place, f"我{own} + addressee", []
            mentions = [n for n in cues.named_of_type(self.text, own) if len(n) >= 3]
            if mentions:
                msg = f'unit: the text says only 我{own}; took "{mentions[0]}" from its mentions'
                msg += " — check it or set it in reports.csv"
                return mentions[0], f"我{own} + mention", [msg]
        stem = self.stem.strip() or "report"
        said = f'the text names only "{bare}", no place' if bare else "no unit in the text"
        return stem, "file name (fallback)", [f'unit: {said}; indexed as "{stem}" — set it in reports.csv']

    def year(self, kind: str) -> tuple[int | None, int | None, str, list[str]]:
        """(year reported, title's year if it differs, cue, warnings)."""
        opening = cues.opening_year(self.body)
        for cue, t in self._titled():
            if t.year is None:
                continue
            if kind == "政府工作报告":  # 2025年政府工作报告 reviews 2024
                return t.year - 1, t.year, f"{cue} (session year - 1)", []
            if cue in PROPS_ORDER and opening is not None and opening[1] == "opening" and opening[0] != t.year:
                # a document property is often last year's, left from a reused file; the text wins
                note = f"year: the file's title property says {t.year}, the text opens with {opening[0]}"
                return opening[0], None, "opening year", [f"{note}; using {opening[0]}"]
            warnings = []
            if opening is not None and opening[0] != t.year and opening[1] == "heading":
                warnings.append(f"year: the title says {t.year}, the first heading {opening[0]}; using {t.year}")
            return t.year, None, cue, warnings
        session = self.delivery[1]
        if kind == "政府工作报告" and session is not None:
            return session - 1, session, "delivery date (session year - 1)", []
        if opening is not None:
            return opening[0], None, f"{opening[1]} year", []
        if (signed := cues.signature_date(self.body)) is not None:
            # signed in the first half of a year: the report is on the year before (2024年1月 -> 2023)
            y = signed[0] - 1 if signed[1] <= 6 else signed[0]
            return y, None, "signature date", []
        head = "\n".join(self.body[:6])[:400]
        if m := cues.BODY_YEAR.search(head):
            return int(m.group(1)), None, "first year in the text", []
        date = published(self.page)
        if date is not None:
            y = int(date[:4]) - (1 if int(date[5:7]) <= 6 else 0)
            return (
                y,
                None,
                "published date",
                [f"year: none in the text; took {y} from the date published {date} — check it"],
            )
        return None, None, "", ["year: none found; set it in reports.csv"]

    def kind(self) -> tuple[str, str]:
        for cue, t in self._titled():
            if t.kind:
                return t.kind, cue
        for line in self.body[:3]:
            if (k := kind_of_title(line)) is not None and len(line) <= 40:
                return k, "title"
        if self.delivery[1] is not None:
            return "政府工作报告", "delivery line"
        if (k := kind_of_body(self.text)) is not None:
            return k, "body"
        return "其他", "none"

    def place(self, unit: str) -> tuple[tuple[str, ...], str]:
        table = gazetteer()
        if table is None:
            return (), ""
        # only where a report names its own place: a whole text mentions many other places
        context = "、".join(self.addressees) + "\n" + " ".join(self.page[:10]) + "\n" + "\n".join(self.body[:3])
        chain = table.locate(unit, context)
        return chain, ("divisions table" if chain else "")


def _is_fuller(longer: str, unit: str) -> bool:
    """河源市源城区埔前镇人民政府 is a fuller name of 埔前镇: higher places before, 人民政府/办事处 after."""
    if longer == unit or len(longer) <= len(unit):
        return False
    core = unit
    for suffix in UNIT_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core[: -len(suffix)]
            break
    i = longer.find(core)
    if i < 0:
        return False
    head, tail = longer[:i], longer[i + len(core) :]
    own_tail = unit[len(core) :]
    place_head = head == "" or re.fullmatch(r"[\u4e00-\u9fff]{2,12}(省|市|区|县|州|旗|自治区)", head) is not None
    return place_head and tail in ("", "人民政府", "政府", "办事处", "街道办事处") and (own_tail in ("", tail))


def published(page_lines: list[str]) -> str | None:
    """The date published (发布时间/日期 field, a bare date line), else the date written (成文日期)."""
    lines = [line.strip() for line in page_lines if line.strip()]
    text = "\n".join(lines[:60])
    m = PUBLISHED.search(text) or next((BARE_DATE.match(line) for line in lines[:30] if BARE_DATE.match(line)), None)
    if m is None:
        for i, line in enumerate(lines[:40]):
            if LABEL_ONLY.match(line) and "时间" in line and i + 1 < len(lines) and (m := re.match(DATE, lines[i + 1])):
                break
    m = m or WRITTEN.search(text)
    if m is None:
        return None
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
