"""The judge's optional LLM backend against a chat server running inside the test (real HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer import ask
from rag.judge import llm
from rag.retrieve import Retriever
from tests.chat_server import ChatServer

QUESTION = "哪些单位提到了法律明白人?"
PUQIAN = "河源市源城区埔前镇人民政府"


@pytest.fixture
def judge_llm(chat: ChatServer, monkeypatch: pytest.MonkeyPatch) -> ChatServer:
    monkeypatch.setenv("RAG_JUDGE_LLM", "1")
    monkeypatch.setenv("RAG_LLM_BASE_URL", chat.url)
    monkeypatch.setenv("RAG_LLM_MODEL", "m")
    monkeypatch.setenv("RAG_LLM_TIMEOUT", "2")
    chat.requests.clear()
    chat.delay = 0.0
    return chat


def test_off_by_default(retriever: Retriever, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RAG_JUDGE_LLM", raising=False)
    monkeypatch.setenv("RAG_LLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("RAG_LLM_MODEL", "m")
    assert llm.settings() is None  # an endpoint for the generator does not switch the judge on
    assert not ask(retriever, QUESTION).notices


def test_a_rejected_unit_moves_to_the_candidates_and_stays_cited(retriever: Retriever, judge_llm: ChatServer) -> None:
    plain = ask(retriever, QUESTION, limits=None)
    assert PUQIAN in plain.units or PUQIAN in plain.candidates
    sent = plain.units + plain.candidates
    keep = [i for i, u in enumerate(sent, 1) if u != PUQIAN]
    judge_llm.reply = str(keep)
    a = ask(retriever, QUESTION)
    assert PUQIAN not in a.units and PUQIAN in a.candidates
    assert any(c.chunk.unit == PUQIAN for c in a.citations)
    assert a.notices and "judge LLM confirmed" in a.notices[0]
    prompt = judge_llm.requests[-1]["messages"][1]["content"]
    assert QUESTION in prompt and PUQIAN in prompt


def test_a_confirmed_candidate_becomes_strict(retriever: Retriever, judge_llm: ChatServer) -> None:
    plain = ask(retriever, QUESTION)
    sent = plain.units + plain.candidates
    judge_llm.reply = "[" + ", ".join(str(i) for i in range(1, len(sent) + 1)) + "]"
    a = ask(retriever, QUESTION)
    assert set(a.units) == set(sent) and not a.candidates


def test_a_failing_or_garbled_endpoint_leaves_the_extractive_tiers(
    retriever: Retriever, judge_llm: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAG_JUDGE_LLM")
    plain = ask(retriever, QUESTION)
    monkeypatch.setenv("RAG_JUDGE_LLM", "1")
    judge_llm.reply = "yes, all of them"
    a = ask(retriever, QUESTION)
    assert (a.units, a.candidates) == (plain.units, plain.candidates)
    assert "judge LLM unavailable (ValueError)" in a.notices[0]
    judge_llm.reply = "[99]"
    assert "unavailable" in ask(retriever, QUESTION).notices[0]


def test_the_config_file_switches_it_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_JUDGE_LLM", raising=False)
    cfg = tmp_path / "rag.toml"
    cfg.write_text('[judge]\nllm = true\n[generator]\nbase_url = "http://h/v1"\nmodel = "m"\n', encoding="utf-8")
    s = llm.settings(environ={}, config=cfg)
    assert s is not None and s.base_url == "http://h/v1"
