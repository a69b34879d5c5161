"""What the browser UI and the HTTP API share: one index folder, its Retriever, uploads, follow-ups.

Imports the library below it; imported only by rag.api and ui. Searches run concurrently; an upload
builds under a lock and swaps in a new Retriever, so a reader never sees a half-built index.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer import ask
from rag.backends import Location, build, corrections, corrections_table, is_engine
from rag.embedding import Encoder
from rag.errors import InputError, RagError
from rag.generate import GeneratorSettings, rewrite
from rag.ingest import (
    METADATA_FILE,
    SUPPORTED,
    Correction,
    check_kind,
    check_unit,
    check_year,
    doc_id_for,
    lookup,
    read_corrections,
    write_corrections,
)
from rag.ingest.bundles import unpack
from rag.records import Answer, Chunk
from rag.retrieve import Retriever
from rag.store import DocEntry, report_rows
from rag.store.guard import make_sibling, writer
from rag.store.segment import Progress
from rag.text import has_chinese
from rag.units import aliases

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Per-file upload limit (20 MB): a scanned 200-page PDF is rarely larger, a mistaken upload often is."""
FOLLOW_UP = re.compile(
    r"^\s*(?:那么?|那个|还有|再看看?|换成|what about|how about|and)?\s*(?P<target>.{2,24}?)\s*"
    r"(?:呢|的呢|怎么样|如何|情况呢)?\s*[?？。.!！]?\s*$",
    re.I,
)
YEAR = re.compile(r"((?:19|20)\d\d)\s*年?")


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    indexed: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    warnings: tuple[tuple[str, str], ...] = ()
    """(file name, what is uncertain) for indexed uploads, e.g. no unit found in the text."""
    reused: tuple[tuple[str, str], ...] = ()
    """(file name, the indexed report it repeats): the same content is indexed once."""


def safe_name(name: str) -> str:
    """The file's base name with anything unsafe replaced; never a path, never hidden. Single spaces
    stay (下载 (3).txt is what the user saved and sees, and what every API then accepts)."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\-\u3400-\u9fff（）() ]+", "_", base)
    base = re.sub(r" {2,}", " ", base).strip(" ").lstrip(".")
    return base[-120:].strip(" ") or "upload"


def _free_name(name: str, taken: set[str], ids: set[str]) -> str:
    """name, or "stem (2).ext", "stem (3).ext" … : the first whose uploads/ source and report id are
    not indexed yet (a report whose id is taken would replace the indexed one)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 1
    while f"uploads/{candidate}" in taken or doc_id_for(Path(candidate)) in ids:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    return candidate


class Service:
    def __init__(
        self,
        index_dir: Location,
        *,
        encoder: Encoder | None = None,
        generator: GeneratorSettings | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.index_dir: Location = index_dir if is_engine(index_dir) else Path(index_dir)
        self._retriever = Retriever.open(self.index_dir, encoder=encoder)
        self._generator = generator
        self.max_upload_bytes = max_upload_bytes
        self._build_lock = threading.Lock()
        self._open_lock = threading.Lock()

    @property
    def retriever(self) -> Retriever:
        """The open index; reopened when it was changed elsewhere (a `rag build` of the same folder,
        another app server on the same engine): the change is searchable here on the next request.
        While a swap is half done the index open now stays in use."""
        current = self._retriever
        if current.stale():
            with self._open_lock:
                if self._retriever is current:
                    with contextlib.suppress(RagError):
                        self._retriever = Retriever.open(self.index_dir, encoder=current.encoder)
        return self._retriever

    def _reopen(self) -> None:
        with self._open_lock:
            self._retriever = Retriever.open(self.index_dir, encoder=self._retriever.encoder)

    def _find(self, report: str) -> DocEntry:
        """The one indexed report a name means (doc_id, source, file name or content id); a name that
        several reports share is refused, naming them, instead of relabelling them all."""
        docs = self.retriever.documents
        exact = [d for d in docs if report in (d.doc_id, d.content) or report == d.source]
        found = exact or [d for d in docs if Path(d.source.replace("\\", "/")).name == report]
        if not found:
            raise InputError(f"report: no indexed report '{report[:200]}'")
        if len(found) > 1:
            names = "、".join(d.doc_id for d in found[:5])
            raise InputError(f"report: '{report[:200]}' names {len(found)} reports ({names}); give the doc_id")
        return found[0]

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        unit: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        region: str | None = None,
        section: str | None = None,
    ) -> dict[str, Any]:
        hits = self.retriever.search(query, k=k, unit=unit, year=year, kind=kind, region=region, section=section)
        return {"query": query, "hits": [h.to_dict() for h in hits]}

    def ask(
        self,
        question: str,
        *,
        unit: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        region: str | None = None,
        section: str | None = None,
    ) -> Answer:
        answer = ask(self.retriever, question, unit=unit, year=year, kind=kind, region=region, section=section)
        return rewrite(answer, self._generator) if self._generator is not None else answer

    def ledger(
        self, *, indicator: str | None = None, unit: str | None = None, year: int | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        rows = self.retriever.ledger_rows(indicator=indicator, unit=unit, year=year, kind=kind)
        return [r.to_dict() for r in rows]

    def outline(self, *, kind: str | None = None) -> list[dict[str, Any]]:
        """The completeness matrix, of one kind of report when asked (信息公开: a part of its name)."""
        rows = self.retriever.outline()
        if kind:
            from rag.ingest import resolve_kind

            kinds = resolve_kind(kind)
            if not kinds:
                raise InputError(f"kind: '{kind[:40]}' is no kind of report")
            rows = [r for r in rows if r.kind in kinds]
        return [r.to_dict() for r in rows]

    def reports(self) -> list[dict[str, Any]]:
        return report_rows(self.retriever.documents)

    def correct(
        self, report: str, *, unit: str | None = None, year: int | None = None, kind: str | None = None
    ) -> dict[str, Any]:
        """Set a report's unit/year/kind by hand; kept in the index's reports.csv, bound to the report's
        content, so every rebuild keeps it and no other file of the same name takes it. Every value is
        checked before anything is stored; the table is read, changed and written under the index's
        write lock, so a build running meanwhile neither loses it nor is lost."""
        doc = self._find(report)
        unit = check_unit(unit) if unit is not None else None
        year = check_year(year) if year is not None else None
        kind = check_kind(kind) if kind else None
        engine = is_engine(self.index_dir)
        key = Correction(doc.source, content=doc.content).key if doc.content else doc.doc_id
        with self._build_lock:
            path = Path(tempfile.mkdtemp(prefix="rag-corrections-")) if engine else Path(self.index_dir)
            try:
                with writer(path) if not engine else contextlib.nullcontext():
                    table = corrections(self.index_dir) if engine else {}
                    if not engine and (path / METADATA_FILE).is_file():
                        table = read_corrections(path / METADATA_FILE, [])
                    before = table.get(key) or lookup(doc, table, doc.content) or Correction(doc.source)
                    table.pop(before.key, None)
                    table[key] = Correction(
                        doc.source if doc.content else doc.doc_id,
                        unit or before.unit,
                        year if year is not None else before.year,
                        kind or before.kind,
                        doc.content,
                    )
                    if engine:  # the engine keeps its table; a build given it as --metadata stores it
                        table_file = corrections_table(table, path)
                        build([], self.index_dir, encoder=self._retriever.encoder, add=True, metadata=table_file)
                    else:
                        write_corrections(path / METADATA_FILE, table)
                        build([], self.index_dir, encoder=self._retriever.encoder, add=True)
            finally:
                if engine:
                    shutil.rmtree(path, ignore_errors=True)
            self._reopen()
        return next(d.to_dict() for d in self._retriever.documents if d.doc_id == doc.doc_id)

    def remove(self, reports: Sequence[str]) -> dict[str, Any]:
        """Take reports out of the index (each named by doc_id or source, as `reports()` lists them);
        what is kept is not embedded again. Under the index's write lock, like every build."""
        docs = list({d.doc_id: d for d in (self._find(r) for r in reports)}.values())
        if not docs:
            raise InputError("reports: name at least one report to remove")
        from rag.backends import open_reader

        params = open_reader(self.index_dir).params
        with self._build_lock if is_engine(self.index_dir) else contextlib.nullcontext():
            build([], self.index_dir, encoder=self._retriever.encoder, params=params, remove=[d.doc_id for d in docs])
            self._reopen()
        return {"removed": [{"doc_id": d.doc_id, "unit": d.unit, "source": d.source} for d in docs]}

    def section_context(self, chunk: Chunk) -> str:
        """The whole section a chunk belongs to, as the report has it."""
        same = [c for c in self._retriever.chunks_of(chunk.doc_id) if c.section == chunk.section]
        text = self._retriever.report(chunk.doc_id).text
        return text[min(c.start for c in same) : max(c.end for c in same)] if same else chunk.text

    def follow_up(self, previous: str, message: str) -> str:
        """ "那河东区呢?" after a question about 霞山区 asks the same about 河东区; otherwise unchanged.

        Only a message that is nothing but a unit or a year (plus 那/呢/what about) is a follow-up.
        """
        m = FOLLOW_UP.match(message)
        if not previous or not m:
            return message
        target = m.group("target").strip()
        rest = target
        for unit in self._retriever.units_in(target):
            for alias in sorted(aliases(unit), key=len, reverse=True):
                rest = rest.replace(alias, "")
        rest = YEAR.sub("", rest)
        if re.sub(r"[\s的呢了吗?？,，。.!！]", "", rest):
            return message
        year = YEAR.fullmatch(target)
        if year:
            old = YEAR.search(previous)
            return YEAR.sub(f"{year.group(1)}年", previous, count=1) if old else f"{year.group(1)}年{previous}"
        old_units = self._retriever.units_in(previous)
        if not old_units:
            asked = f"{target}{previous}" if has_chinese(previous) else f"{previous} ({target})"
        else:
            asked = f"{target}{previous}"
            for alias in sorted(aliases(old_units[0]), key=len, reverse=True):
                if alias in previous:
                    asked = previous.replace(alias, target, 1)
                    break
        return self._year_that_exists(asked, target)

    def _year_that_exists(self, asked: str, target: str) -> str:
        """A year carried over from the previous question yields when the new unit has no report of
        it: "那河东区呢?" after a question on 2025 asks about 河东区's newest report (2024), and the
        question shown says so, instead of a refusal for a year the reviewer never asked about."""
        carried = YEAR.search(asked)
        units = self._retriever.units_in(target)
        if carried is None or not units or YEAR.search(target):
            return asked
        years = sorted({d.year for d in self._retriever.documents if d.unit in units and d.year is not None})
        if not years or int(carried.group(1)) in years:
            return asked
        return YEAR.sub(f"{years[-1]}年", asked, count=1)

    def add_uploads(self, files: Sequence[tuple[str, Path]], progress: Progress | None = None) -> UploadOutcome:
        """Index uploaded files into the existing index (only they are embedded); bad ones are listed.
        `progress(stage, done, total)` hears each file's stages, named "file 2/5 名称: embedding passages"."""
        tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging = (
            Path(tempfile.mkdtemp(prefix="rag-uploads-"))
            if is_engine(self.index_dir)
            else make_sibling(Path(self.index_dir), "uploads", tag)
        )
        skipped: list[tuple[str, str]] = []
        sources: dict[Path, str] = {}
        originals: dict[str, str] = {}  # staged name -> the name the user gave
        try:
            staging.mkdir(parents=True, exist_ok=True)
            taken = {d.source for d in self.retriever.documents}
            reused: list[tuple[str, str]] = []
            for original, path in self._unzipped(files, staging, skipped):
                name = safe_name(original)
                if Path(name).suffix.lower() not in SUPPORTED:
                    skipped.append((original, f"unsupported file type (use {' '.join(SUPPORTED)})"))
                    continue
                size = path.stat().st_size
                if size > self.max_upload_bytes:
                    skipped.append((original, f"larger than {self.max_upload_bytes // (1024 * 1024)} MB"))
                    continue
                dest = (staging / name).resolve()
                if not dest.is_relative_to(staging.resolve()):
                    skipped.append((original, "unsafe file name"))
                    continue
                # 下载.txt again with other content is another report: 下载 (2).txt, never a replacement
                staged = {p.name for p in sources}
                ids = {d.doc_id for d in self._retriever.documents} | {doc_id_for(Path(n)) for n in staged}
                name = _free_name(name, taken | {f"uploads/{n}" for n in staged}, ids)
                dest = staging / name
                shutil.copyfile(path, dest)
                sources[dest] = f"uploads/{name}"
                originals[name] = original
            indexed: list[str] = []
            warnings: list[tuple[str, str]] = []
            # one file at a time, smallest first: each is searchable as soon as it is in, and a large
            # one (bounded by the limits in rag.ingest) holds up neither the small ones nor, between
            # files, another user's upload
            order = sorted(sources, key=lambda p: p.stat().st_size)
            for n, dest in enumerate(order, 1):
                told = _told(progress, f"file {n}/{len(order)} {Path(sources[dest]).name}")
                done, bad, said, same = self._index_upload(dest, sources[dest], told)
                indexed += done
                skipped += bad
                warnings += said
                reused += [(originals.get(n, n), held) for n, held in same]
            return UploadOutcome(tuple(indexed), tuple(skipped), tuple(warnings), tuple(reused))
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _unzipped(
        self, files: Sequence[tuple[str, Path]], staging: Path, skipped: list[tuple[str, str]]
    ) -> list[tuple[str, Path]]:
        """The uploads with each .zip replaced by the reports in it (a reviewer's folder, zipped)."""
        out: list[tuple[str, Path]] = []
        for k, (original, path) in enumerate(files):
            if Path(original).suffix.lower() != ".zip":
                out.append((original, path))
                continue
            inner, bad = unpack(
                path, safe_name(original), staging / f".zip-{k}", max_member_bytes=self.max_upload_bytes
            )
            out += [(shown.split(" › ", 1)[-1], p) for shown, p in inner]
            skipped += bad
        return out

    def _index_upload(
        self, dest: Path, source: str, progress: Progress | None = None
    ) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
        """(indexed names, skipped, warnings, repeats of indexed reports) of one staged upload. The
        build reads the file before it takes the index's write lock and decides, under it, whether
        the same text is indexed already (then nothing is stored twice, whatever the name). A folder
        index serialises writers itself (its flock, taken after the reading), so a slow file holds up
        no other upload here; the engine keeps this server's own lock."""
        with self._build_lock if is_engine(self.index_dir) else contextlib.nullcontext():
            failure = "no usable report text"
            try:
                result = build(
                    [dest],
                    self.index_dir,
                    encoder=self._retriever.encoder,
                    add=True,
                    sources={dest: source},
                    progress=progress,
                )
            except InputError as exc:
                result = None
                message = str(exc)
                if message.startswith("--"):  # the index itself (being built elsewhere, damaged)
                    failure = message.split(": ", 1)[-1]
                elif "skipped: " in message:  # the file's own reason (a limit, an unreadable file)
                    failure = message.split("skipped: ", 1)[1].split(": ", 1)[-1].split("; supported")[0]
            if result is not None:
                self._reopen()
        name = source.removeprefix("uploads/")
        if result is None:
            return [], [(name, failure)], [], []
        names = {d.doc_id: d.source.removeprefix("uploads/") for d in self._retriever.documents}
        skipped = [(s.path.removeprefix("uploads/"), s.reason) for s in result.skipped]
        warnings = [(src.removeprefix("uploads/"), w) for src, w in result.warnings]
        same = [(src.removeprefix("uploads/"), Path(held).name) for src, held in result.duplicates]
        return [names[i] for i in result.indexed], skipped, warnings, same


def _told(progress: Progress | None, prefix: str) -> Progress | None:
    """The build's progress of one upload, its stages named after the file."""
    if progress is None:
        return None
    outer = progress

    def told(stage: str, done: int, total: int) -> None:
        outer(f"{prefix}: {stage}", done, total)

    return told
