"""Building an index folder: documents -> chunks -> vectors -> FAISS + BM25, corrections applied, written atomically.

Imports the L2 stages and wires them; never imports retrieve/answer. No pickle anywhere: JSON, JSONL with
byte offsets, .npy and FAISS's own format. Nothing is written into the index until everything succeeded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.chunking import TokenCounter, default_token_counter
from rag.embedding import Encoder
from rag.errors import IndexStateError, InputError
from rag.ingest import (
    METADATA_FILE,
    SUPPORTED,
    Correction,
    apply,
    iter_report_files,
    load_report,
    write_corrections,
)
from rag.ingest.corrections import Named
from rag.records import Report
from rag.store.delta import add_as_delta
from rag.store.entries import FORMAT_VERSION, BuildParams
from rag.store.files import open_index, open_quietly
from rag.store.guard import make_sibling, replaceable, writer
from rag.store.identity import (
    Draft,
    bind,
    check_nothing_dropped,
    check_unambiguous,
    gather_corrections,
    settle_identities,
)
from rag.store.segment import Progress, Segment, Skip, make_segment, swap_in, write_segment


@dataclass(frozen=True, slots=True)
class BuildResult:
    documents: int
    chunks: int
    embedded: int
    reused: int
    skipped: tuple[Skip, ...]
    sentences_embedded: int = 0
    indexed: tuple[str, ...] = ()
    seconds_embedding: float = 0.0
    seconds_total: float = 0.0
    warnings: tuple[tuple[str, str], ...] = ()
    """(source, what is uncertain) for each report indexed by this build, after corrections."""
    duplicates: tuple[tuple[str, str], ...] = ()
    """(source, the indexed report whose text it repeats): the same content is stored once."""
    notices: tuple[str, ...] = ()
    """One line each about the index itself: a stored correction left out for a bad row, …"""


def collect_reports(
    paths: Iterable[Path], sources: dict[Path, str] | None = None, progress: Progress | None = None
) -> Draft:
    """Load every file, turning each bad one into a Skip that names it; ids made unique.

    `sources` gives display names (an upload's own file name instead of its staging path).
    """
    draft = Draft()
    seen: set[str] = set()
    texts: dict[str, str] = {}
    files = list(iter_report_files(paths))
    for n, path in enumerate(files, 1):
        if progress:
            progress("reading reports", n, len(files))
        shown = (sources or {}).get(path, str(path))
        try:
            report = load_report(path, source=shown)
        except InputError as exc:
            draft.skipped.append(Skip(shown, str(exc).split(": ", 1)[-1]))
            continue
        if report.content_id in texts:  # a copy under another name: one report
            draft.duplicates.append((shown, texts[report.content_id]))
            continue
        if report.doc_id in seen:
            digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
            report = dataclasses.replace(report, doc_id=f"{report.doc_id}-{digest}")
        seen.add(report.doc_id)
        texts[report.content_id] = shown
        draft.reports.append(report)
    return draft


def nothing_to_index(paths: Sequence[Path], draft: Draft) -> str:
    """Nothing indexable, in one line that still says why each file was skipped."""
    why = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in draft.skipped[:5])
    more = f"; and {len(draft.skipped) - 5} more" if len(draft.skipped) > 5 else ""
    return (
        f"{', '.join(map(str, paths)) or 'paths'}: nothing to index "
        f"({len(draft.skipped)} file(s) skipped{': ' + why + more if why else ''}; supported: {' '.join(SUPPORTED)})"
    )


def _damage(exc: IndexStateError, index_dir: Path) -> str:
    """ "vectors.npy: missing or corrupt" from the error, without the folder it is in."""
    what = str(exc).split(";")[0]
    for folder in (str(index_dir.resolve()), str(index_dir)):
        what = what.replace(folder + "/", "")
    return what


def check_removable(remove: Sequence[str], indexed: Sequence[str]) -> None:
    """Every report to remove is indexed: a mistyped id must not pass for a removal."""
    known = set(indexed)
    for doc_id in remove:
        if doc_id not in known:
            raise InputError(f"remove: no indexed report '{doc_id}' (see `rag reports`)")


def check_writable(index_dir: Path) -> None:
    """The index path can take an index: not a file, and its nearest existing folder is writable."""
    if index_dir.exists() and not index_dir.is_dir():
        raise InputError(f"--index: {index_dir} is a file, not a folder")
    if not replaceable(index_dir):
        raise InputError(
            f"--index: {index_dir} holds files that are not an index of rag (no index marker); "
            "nothing in it was touched: give a new or empty folder"
        )
    parent = index_dir.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK) or (index_dir.is_dir() and not os.access(index_dir, os.W_OK)):
        raise InputError(f"--index: {index_dir}: no permission to write there")


def build_index(
    paths: Sequence[Path],
    index_dir: Path,
    *,
    encoder: Encoder,
    params: BuildParams | None = None,
    add: bool = False,
    count_tokens: TokenCounter | None = None,
    progress: Progress | None = None,
    sources: dict[Path, str] | None = None,
    metadata: Path | None = None,
    remove: Sequence[str] = (),
    replace: bool = False,
) -> BuildResult:
    """(Re)build index_dir from paths; with add=True the existing documents are kept too; the reports
    `remove` names (doc ids) are left out of what is kept. Without add, an index holding reports the
    paths do not give is refused unless `replace` says to drop them.

    Corrections (file, unit, year, kind) come from the index's own reports.csv (earlier corrections,
    UI edits), then a reports.csv beside the reports, then `metadata`; all are kept in the new index,
    bound to the content of the report they named, so a correction survives every later rebuild and
    relabels no other file of the same name. The files are read before the write lock is taken (a
    slow one holds up no other writer); everything from reading the index to swapping the new one in
    happens under it. Nothing is written into index_dir until everything succeeded, so a failure at
    any point leaves the previous index as it was.
    """
    check_writable(index_dir)  # before any reading or embedding: a wrong --index fails at once
    draft = collect_reports(paths, sources, progress)
    waiting = None
    if progress is not None:
        told = progress

        def waiting() -> None:
            told("waiting for another build of this index", 0, 1)

    with writer(index_dir, waiting=waiting):  # one writer at a time; a killed earlier swap is recovered first
        check_writable(index_dir)  # it may have changed while we waited
        return _build(draft, paths, index_dir, encoder, params, add, count_tokens, progress, metadata, remove, replace)


def _build(
    draft: Draft,
    paths: Sequence[Path],
    index_dir: Path,
    encoder: Encoder,
    params: BuildParams | None,
    add: bool,
    count_tokens: TokenCounter | None,
    progress: Progress | None,
    metadata: Path | None,
    remove: Sequence[str],
    replace: bool,
) -> BuildResult:
    started = time.perf_counter()
    params = params or BuildParams()
    previous = open_quietly(index_dir)
    if remove:
        add = True
        check_removable(remove, [d.doc_id for d in previous.documents] if previous is not None else [])
    stored, given = gather_corrections(index_dir, paths, metadata, draft.notices)
    if previous is not None and add:
        settle_identities(draft, previous.documents)
    elif previous is not None and not replace and draft.reports:
        check_nothing_dropped(draft, previous.documents, index_dir, len(draft.skipped))
    held = [d for d in previous.documents if d.doc_id not in set(remove)] if previous is not None and add else []
    replaced = {r.doc_id for r in draft.reports}
    named: list[Named] = [*draft.reports, *(d for d in held if d.doc_id not in replaced)]
    draft.notices.extend(check_unambiguous(named, given, stored))
    contents = [r.content_id for r in draft.reports] + [d.content for d in held if d.doc_id not in replaced]
    corrections = bind(stored | given, named, contents)
    draft.reports[:] = [apply(r, corrections) for r in draft.reports]
    counter = count_tokens or default_token_counter()
    if add and previous is not None and draft.reports and not remove:
        # a large index takes the added reports as a delta segment, its own files linked, not rewritten
        quick = add_as_delta(previous, draft.reports, corrections, encoder, params, counter, progress)
        if quick is not None:
            return build_result(quick.segment, draft, quick.documents, quick.chunks, started)
    kept: list[Report] = []
    if add and (index_dir / "manifest.json").exists():
        # --add keeps what is indexed: a damaged index would silently lose it, so stop instead
        try:
            kept = (previous or open_index(index_dir)).verify()
        except IndexStateError as exc:
            raise InputError(
                f"--add: {index_dir.name} is damaged ({_damage(exc, index_dir)}); nothing was changed. "
                "Rebuild it from all the reports with `rag build` (without --add)"
            ) from exc
    old = previous if previous is not None and previous.encoder_id == encoder.id else None
    new_ids = {r.doc_id for r in draft.reports}
    reports = list(draft.reports)
    if add:
        gone = new_ids | set(remove)
        reports = [apply(r, corrections) for r in kept if r.doc_id not in gone] + reports
    if not reports and remove:
        raise InputError("remove: that would leave the index empty; delete the index instead")
    if not reports and draft.duplicates and not draft.skipped:
        return build_result(
            None, draft, len(previous.documents) if previous else 0, previous.size if previous else 0, started
        )
    if not reports:  # (checked again below, once over-long reports are left out)
        raise InputError(nothing_to_index(paths, draft))
    seg = make_segment(
        reports,
        first_row=0,
        encoder=encoder,
        params=params,
        counter=counter,
        reuse=old.vectors_by_key() if old is not None else {},
        progress=progress,
        new_ids=new_ids,
        skipped=draft.skipped,
    )
    indexed = {e.doc_id for e in seg.entries}
    draft.reports[:] = [r for r in draft.reports if r.doc_id in indexed]
    if not seg.entries:
        raise InputError(nothing_to_index(paths, draft))
    manifest = manifest_of(seg, encoder, params)
    try:
        _write_atomically(index_dir, manifest, seg, corrections)
    except OSError as exc:  # a read-only disk, a full one: the previous index stays as it was
        raise InputError(f"--index: {index_dir.name}: cannot write the index ({exc.strerror or exc})") from exc
    return build_result(seg, draft, len(seg.entries), len(seg.chunks), started)


def manifest_of(seg: Segment, encoder: Encoder, params: BuildParams) -> dict[str, Any]:
    """What an index records of how it was built (the documents are added where they are kept)."""
    return {
        "format": FORMAT_VERSION,
        "encoder": {"id": encoder.id, "dim": encoder.dim},
        "params": asdict(params),
        "dense": seg.dense.kind,
        "dense_settings": seg.dense.settings,
        "counts": {"documents": len(seg.entries), "chunks": len(seg.chunks)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def build_result(seg: Segment | None, draft: Draft, documents: int, chunks: int, started: float) -> BuildResult:
    """What a build did; `seg` None: nothing was written (every report given was indexed already)."""
    return BuildResult(
        warnings=tuple((r.source, w) for r in draft.reports for w in r.warnings),
        sentences_embedded=seg.sentences_embedded if seg else 0,
        documents=documents,
        chunks=chunks,
        embedded=seg.embedded if seg else 0,
        reused=len(seg.chunks) - seg.embedded if seg else 0,
        skipped=tuple(draft.skipped),
        indexed=tuple(r.doc_id for r in draft.reports),
        seconds_embedding=seg.seconds_embedding if seg else 0.0,
        seconds_total=time.perf_counter() - started,
        duplicates=tuple(draft.duplicates),
        notices=tuple(draft.notices),
    )


def _write_atomically(
    index_dir: Path, manifest: dict[str, Any], seg: Segment, corrections: dict[str, Correction]
) -> None:
    """Write into a temporary sibling, then swap it in with renames."""
    index_dir = index_dir.resolve()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = make_sibling(index_dir, "tmp", tag)
    try:
        manifest["documents"] = write_segment(tmp, seg)
        if corrections:
            write_corrections(tmp / METADATA_FILE, corrections)
        # the manifest goes last: a folder without one is never taken for an index
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        swap_in(tmp, index_dir, tag)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
