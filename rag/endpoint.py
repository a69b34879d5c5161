"""An OpenAI-compatible chat endpoint: where it is (settings) and one call to it.

Imports rag.errors only. Two optional features use it: the generator (rag.generate) that rewrites a
cited answer, and the judge's LLM backend (rag.judge.llm) that confirms "which units" lists. Neither
is on by default; nothing here runs unless a base URL and a model are configured.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import InputError

CONFIG_NAMES = ("rag.toml",)
"""Config file looked up in the working directory; environment variables win over it."""


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 20.0


def settings_from_env(environ: dict[str, str] | None = None, config: Path | None = None) -> EndpointSettings | None:
    """RAG_LLM_BASE_URL / RAG_LLM_MODEL / RAG_LLM_API_KEY, else [generator] in rag.toml; None if unset."""
    env = dict(os.environ if environ is None else environ)
    table = config_table("generator", config)
    base = env.get("RAG_LLM_BASE_URL") or str(table.get("base_url", "") or "")
    model = env.get("RAG_LLM_MODEL") or str(table.get("model", "") or "")
    if not base or not model:
        return None
    key = env.get("RAG_LLM_API_KEY") or str(table.get("api_key", "") or "")
    timeout = float(env.get("RAG_LLM_TIMEOUT") or str(table.get("timeout", 20.0)))
    return EndpointSettings(base_url=base.rstrip("/"), model=model, api_key=key, timeout=timeout)


def config_table(name: str, config: Path | None = None) -> dict[str, object]:
    """A table of ./rag.toml ([judge], [generator]); empty when there is no file or no such table."""
    path = config or next((Path(n) for n in CONFIG_NAMES if Path(n).is_file()), None)
    if path is None:
        return {}
    try:
        loaded = tomllib.loads(path.read_text(encoding="utf-8")).get(name, {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML config ({type(exc).__name__})") from exc
    return loaded if isinstance(loaded, dict) else {}


def chat(settings: EndpointSettings, messages: list[dict[str, str]], *, stream: bool = False) -> Iterator[str]:
    """The reply, whole or as streamed pieces; raises httpx errors, KeyError or ValueError on a bad reply."""
    import httpx

    headers = {"Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    body = {"model": settings.model, "messages": messages, "temperature": 0, "stream": stream}
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
