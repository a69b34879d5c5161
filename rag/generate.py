"""Optional rewrite of an extractive answer by an OpenAI-compatible chat endpoint.

Imports rag.records/quantities/errors only. The model sees only the cited evidence and must keep
the [n] markers; whatever it writes is checked: a sentence citing a source that does not exist,
citing nothing, or stating a number its cited quotes do not hold is dropped. Any failure falls
back to the extractive answer with a notice. The default path never calls this.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from rag.errors import InputError
from rag.quantities import numbers_in
from rag.records import Answer, Citation

SYSTEM_PROMPT = (
    "You rewrite answers about Chinese government annual reports. Use ONLY the numbered evidence. "
    "Every sentence must end with the [n] marker(s) of the evidence it rests on. Never add facts, units "
    "or numbers that are not in the evidence. Answer in the language of the question, briefly."
)
CITE = re.compile(r"\[(\d+)\]")
SENTENCE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]|\.(?=\s|$))?(?:\s*\[\d+\])*")
CONFIG_NAMES = ("rag.toml",)
"""Config file looked up in the working directory; environment variables win over it."""


@dataclass(frozen=True, slots=True)
class GeneratorSettings:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 20.0


def settings_from_env(environ: dict[str, str] | None = None, config: Path | None = None) -> GeneratorSettings | None:
    """RAG_LLM_BASE_URL / RAG_LLM_MODEL / RAG_LLM_API_KEY, else [generator] in rag.toml; None if unset."""
    env = dict(os.environ if environ is None else environ)
    table: dict[str, object] = {}
    path = config or next((Path(n) for n in CONFIG_NAMES if Path(n).is_file()), None)
    if path is not None:
        try:
            loaded = tomllib.loads(path.read_text(encoding="utf-8")).get("generator", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{path}: not a readable TOML config ({type(exc).__name__})") from exc
        table = loaded if isinstance(loaded, dict) else {}
    base = env.get("RAG_LLM_BASE_URL") or str(table.get("base_url", "") or "")
    model = env.get("RAG_LLM_MODEL") or str(table.get("model", "") or "")
    if not base or not model:
        return None
    key = env.get("RAG_LLM_API_KEY") or str(table.get("api_key", "") or "")
    timeout = float(env.get("RAG_LLM_TIMEOUT") or str(table.get("timeout", 20.0)))
    return GeneratorSettings(base_url=base.rstrip("/"), model=model, api_key=key, timeout=timeout)


def _messages(answer: Answer) -> list[dict[str, str]]:
    evidence = "\n".join(
        f"[{c.n}] {c.chunk.unit} · {c.chunk.year or ''} · {c.chunk.section_path}: {c.quote}" for c in answer.citations
    )
    user = f"Question: {answer.question}\n\nEvidence:\n{evidence}\n\nDraft answer:\n{answer.text}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _stream_lines(settings: GeneratorSettings, answer: Answer, stream: bool) -> Iterator[str]:
    import httpx

    headers = {"Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    body = {"model": settings.model, "messages": _messages(answer), "temperature": 0, "stream": stream}
    url = f"{settings.base_url}/chat/completions"
    if not stream:
        resp = httpx.post(url, json=body, headers=headers, timeout=settings.timeout)
        resp.raise_for_status()
        yield str(resp.json()["choices"][0]["message"]["content"])
        return
    with httpx.stream("POST", url, json=body, headers=headers, timeout=settings.timeout) as resp:
        resp.raise_for_status()
        for line in resp.iter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
            if delta:
                yield str(delta)


def validate(text: str, answer: Answer) -> tuple[str, tuple[Citation, ...], int]:
    """(kept text, citations it uses, sentences dropped): only claims its sources support survive."""
    by_n = {c.n: c for c in answer.citations}
    kept: list[str] = []
    dropped = 0
    for m in SENTENCE.finditer(text):
        sentence = m.group(0).strip()
        if not sentence:
            continue
        ns = [int(n) for n in CITE.findall(sentence)]
        real = [n for n in ns if n in by_n]
        if not real:
            dropped += 1
            continue
        for n in set(ns) - set(real):  # an invented marker is removed, the supported claim stays
            sentence = sentence.replace(f"[{n}]", "")
        quoted = set().union(*(numbers_in(by_n[n].quote) for n in real))
        if not numbers_in(sentence) <= quoted:
            dropped += 1
            continue
        kept.append(sentence)
    used = sorted({int(n) for s in kept for n in CITE.findall(s)})
    return "\n".join(kept), tuple(by_n[n] for n in used), dropped


def rewrite(answer: Answer, settings: GeneratorSettings, *, on_token: Callable[[str], None] | None = None) -> Answer:
    """The generator's version of a cited answer, or the extractive one with a notice on any failure."""
    if answer.kind == "unanswerable" or not answer.citations:
        return answer
    import httpx

    try:
        parts = []
        for piece in _stream_lines(settings, answer, stream=on_token is not None):
            parts.append(piece)
            if on_token is not None:
                on_token(piece)
        raw = "".join(parts)
    except (httpx.HTTPError, KeyError, IndexError, ValueError, TypeError) as exc:
        notice = f"generator unavailable ({type(exc).__name__}); showing the extractive answer"
        return replace(answer, notices=(*answer.notices, notice))
    text, citations, dropped = validate(raw, answer)
    if not text:
        notice = "generator answer had no supported sentence; showing the extractive answer"
        return replace(answer, notices=(*answer.notices, notice))
    notices = answer.notices + ((f"dropped {dropped} unsupported sentence(s) from the generator",) if dropped else ())
    coverage = [line for line in answer.text.splitlines() if line.startswith(("检索范围", "Coverage"))]
    return replace(answer, text="\n".join([text, *coverage]), citations=citations, notices=notices)
