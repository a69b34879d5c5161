"""Where an index lives: a folder (rag.store, the default) or a shared engine (rag.backends.oceanbase).
The Retriever and the builders go through here, so the rest of the product never asks which.

A location is a folder path or an `oceanbase://user@host:port/db` URL (`--backend`, or `[backend]
url` in rag.toml).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

from rag.backends.oceanbase import (
    OceanBaseIndex,
    build_engine,
    corrections_file,
    is_engine,
    parse,
    stored_corrections,
)
from rag.chunking import TokenCounter
from rag.embedding import Encoder
from rag.errors import IndexStateError, InputError
from rag.ingest import Correction
from rag.store import BuildParams, BuildResult, build_index, open_index
from rag.store.protocol import IndexReader
from rag.store.segment import Progress

Location = Path | str
CONFIG = "rag.toml"

__all__ = [
    "CONFIG",
    "Location",
    "build",
    "configured",
    "corrections",
    "has_index",
    "is_engine",
    "open_reader",
    "shown",
]


def open_reader(location: Location) -> IndexReader:
    """The opened index; IndexStateError when there is none or it is damaged."""
    if is_engine(location):
        return OceanBaseIndex(parse(str(location)))
    return open_index(Path(location))


def has_index(location: Location) -> bool:
    """Whether there is an index to open (a damaged one counts: opening it then says what is wrong)."""
    if is_engine(location):
        try:
            OceanBaseIndex(parse(str(location))).close()
        except IndexStateError:
            return False
        return True
    return (Path(location) / "manifest.json").exists()


def shown(location: Location) -> str:
    """The location for messages (an engine URL without its password)."""
    return parse(str(location)).shown if is_engine(location) else str(location)


def build(
    paths: Sequence[Path],
    location: Location,
    *,
    encoder: Encoder,
    params: BuildParams | None = None,
    add: bool = False,
    count_tokens: TokenCounter | None = None,
    progress: Progress | None = None,
    sources: dict[Path, str] | None = None,
    metadata: Path | None = None,
    remove: Sequence[str] = (),
    from_index: Path | None = None,
    replace: bool = False,
) -> BuildResult:
    """rag.store.build_index for either backend; `from_index` copies a folder index into an engine."""
    if from_index is not None and not is_engine(location):
        raise InputError("--from-index: copies a folder index into an engine; give --backend oceanbase://...")
    if is_engine(location):
        return build_engine(
            paths,
            parse(str(location)),
            encoder=encoder,
            params=params,
            add=add,
            count_tokens=count_tokens,
            progress=progress,
            sources=sources,
            metadata=metadata,
            remove=remove,
            origin=open_index(from_index) if from_index is not None else None,
        )
    return build_index(
        paths,
        Path(location),
        encoder=encoder,
        params=params,
        add=add,
        count_tokens=count_tokens,
        progress=progress,
        sources=sources,
        metadata=metadata,
        remove=remove,
        replace=replace,
    )


def corrections(location: Location) -> dict[str, Correction]:
    """The corrections an engine's index keeps (a folder keeps them in its reports.csv)."""
    return stored_corrections(parse(str(location))) if is_engine(location) else {}


def corrections_table(table: dict[str, Correction], folder: Path) -> Path:
    return corrections_file(table, folder)


def configured(folder: Path | None = None) -> str | None:
    """`[backend] url` of rag.toml in the working folder, if any: one line naming the file when it is
    not TOML or names no engine."""
    path = (folder or Path.cwd()) / CONFIG
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not readable TOML ({exc})") from exc
    url = data.get("backend", {}).get("url")
    if url is None:
        return None
    if not isinstance(url, str) or not is_engine(url):
        raise InputError(f"{path}: [backend] url must be an oceanbase:// URL")
    return url
