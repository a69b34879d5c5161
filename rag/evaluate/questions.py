"""The question file (questions.jsonl): what a question, its kind and its gold evidence are, and the
one-line errors that name the file, line and field of a bad one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.records import Chunk

QUESTION_KINDS = ("lookup", "paraphrase", "aggregation", "comparison", "english", "unanswerable")
"""Kinds a question may have in questions.jsonl; metrics are reported per kind and overall."""


@dataclass(frozen=True, slots=True)
class Evidence:
    doc_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    question: str
    answer: str
    evidence: tuple[Evidence, ...] = ()
    units: tuple[str, ...] | None = None
    top_unit: str | None = None


def load_questions(path: Path) -> list[Question]:
    """Parse and validate questions.jsonl; an error names the file, line and field."""
    if not path.exists():
        raise InputError(f"{path}: no such questions file")
    out: list[Question] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            raw: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise InputError(f"{where}: each line must be a JSON object")
        # a list question no unit meets ("units": []) has no answer to give and no evidence to cite
        none_qualify = raw.get("kind") == "aggregation" and raw.get("units") == []
        for key in ("id", "kind", "question", "answer"):
            if key == "answer" and none_qualify and raw.get(key) == "":
                continue
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise InputError(f"{where}: field '{key}' must be a non-empty string")
        if raw["kind"] not in QUESTION_KINDS:
            raise InputError(f"{where}: field 'kind' must be one of {', '.join(QUESTION_KINDS)}")
        if raw["id"] in seen:
            raise InputError(f"{where}: duplicate id '{raw['id']}'")
        seen.add(raw["id"])
        evidence = raw.get("evidence", [])
        if not isinstance(evidence, list) or not all(
            isinstance(e, dict) and isinstance(e.get("doc_id"), str) and isinstance(e.get("text"), str)
            for e in evidence
        ):
            raise InputError(f"{where}: field 'evidence' must be a list of {{doc_id, text}} objects")
        if raw["kind"] != "unanswerable" and not evidence and not none_qualify:
            raise InputError(f"{where}: field 'evidence' is required for kind '{raw['kind']}'")
        units = raw.get("units")
        if units is not None and not (isinstance(units, list) and all(isinstance(u, str) for u in units)):
            raise InputError(f"{where}: field 'units' must be a list of unit names")
        if raw["kind"] in ("aggregation", "comparison") and units is None:
            raise InputError(f"{where}: field 'units' is required for kind '{raw['kind']}'")
        top = raw.get("top_unit")
        if top is not None and not isinstance(top, str):
            raise InputError(f"{where}: field 'top_unit' must be a unit name")
        out.append(
            Question(
                id=raw["id"],
                kind=raw["kind"],
                question=raw["question"],
                answer=raw["answer"],
                evidence=tuple(Evidence(e["doc_id"], e["text"]) for e in evidence),
                units=tuple(units) if units is not None else None,
                top_unit=top,
            )
        )
    if not out:
        raise InputError(f"{path}: no questions")
    return out


def holds_evidence(chunk: Chunk, question: Question) -> bool:
    return any(e.doc_id == chunk.doc_id and e.text in chunk.text for e in question.evidence)
