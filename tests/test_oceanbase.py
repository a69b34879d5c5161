"""The OceanBase backend against a real seekdb server (started here, 127.0.0.1 only, stopped at the end):
the same answers as the folder index, reports added and removed in the engine, two app servers on it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from rag import evaluate as ev
from rag.answer import ask
from rag.backends import build, open_reader
from rag.backends.oceanbase import parse
from rag.embedding import OnnxE5Encoder
from rag.errors import IndexStateError, InputError
from rag.retrieve import Retriever
from tests.conftest import ROOT, SEEDS
from tests.seekdb.server import SeekdbServer

RETRIEVAL = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
ANSWERS = ("pass_rate", "unit_f1", "value_correct", "abstention", "citation_precision", "numeric_faithfulness")


@pytest.fixture(scope="module")
def server(seekdb: SeekdbServer) -> SeekdbServer:
    return seekdb


def _db() -> str:
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def seeds_url(server: SeekdbServer, e5: OnnxE5Encoder) -> str:
    url = server.url(_db())
    build([SEEDS], url, encoder=e5)
    return url


@pytest.fixture(scope="module")
def engine(seeds_url: str, e5: OnnxE5Encoder) -> Retriever:
    return Retriever.open(seeds_url, encoder=e5)


def _rag(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, timeout=300, cwd=cwd, check=False
    )


def test_the_server_listens_on_loopback_only(server: SeekdbServer) -> None:
    bound = server.listening_on()
    assert bound and all(a in ("0100007F", "00000000000000000000000001000000") for a in bound), bound


def test_same_metrics_as_the_folder_index(engine: Retriever, retriever: Retriever) -> None:
    questions = ev.load_questions(ROOT / "eval" / "questions.jsonl")
    folder = ev.summarize(ev.evaluate(retriever, questions))
    engine_ = ev.summarize(ev.evaluate(engine, questions))
    for name in RETRIEVAL + ANSWERS:  # the bar: within 0.02 over the question set
        assert abs(engine_["all"][name] - folder["all"][name]) <= 0.02, (
            name,
            engine_["all"][name],
            folder["all"][name],
        )
    for kind, metrics in folder.items():  # every answer kind works: at most one question apart
        assert abs(engine_[kind]["pass_rate"] - metrics["pass_rate"]) * metrics["n"] <= 1.0 + 1e-9, kind


def test_answers_and_citations_have_the_same_form(engine: Retriever, retriever: Retriever) -> None:
    for question in ("霞山区2025年主动公开了多少条政府信息?", "哪些单位矛盾纠纷调解成功率达到100%?"):
        a, b = ask(engine, question).to_dict(), ask(retriever, question).to_dict()
        assert a.keys() == b.keys() and a["kind"] == b["kind"] and a["units"] == b["units"]
        for cite in a["citations"]:
            assert cite.keys() == b["citations"][0].keys()
            assert cite["quote"] in cite["text"]


def test_filters_run_in_the_engine(engine: Retriever) -> None:
    hits = engine.search("矛盾纠纷调解", k=5, unit="埔前镇")
    assert hits and {h.chunk.unit for h in hits} == {"河源市源城区埔前镇人民政府"}
    assert engine.search("法治建设", k=3, year=2025, kind="法治政府建设年度报告")
    shortfalls = engine.search("存在的问题", k=5, section="存在不足")
    assert shortfalls and all(engine.role(h.chunk) == "shortfall" for h in shortfalls)
    with pytest.raises(InputError, match="--unit"):
        engine.search("法治", unit="不存在的单位")


def test_ledger_and_outline_live_in_the_engine(engine: Retriever, retriever: Retriever) -> None:
    assert [r.to_dict() for r in engine.ledger()] == [r.to_dict() for r in retriever.ledger()]
    assert [r.to_dict() for r in engine.outline()] == [r.to_dict() for r in retriever.outline()]
    assert [d.to_dict() for d in engine.documents] == [d.to_dict() for d in retriever.documents]


def test_add_embeds_only_the_new_report_and_remove_drops_it(server: SeekdbServer, e5: OnnxE5Encoder) -> None:
    url = server.url(_db())
    files = sorted(SEEDS.glob("*.txt"))
    first = build(files[:3], url, encoder=e5)
    assert first.documents == 3
    added = build([files[3]], url, encoder=e5, add=True)
    assert added.documents == 4 and added.embedded == added.chunks - first.chunks > 0
    reader = open_reader(url)
    again = build([files[3]], url, encoder=e5, add=True)  # unchanged: nothing written, no reader sees a change
    assert again.embedded == 0 and not reader.stale()
    doc_id = next(d.doc_id for d in reader.documents if d.source == str(files[3]))
    removed = build([], url, encoder=e5, remove=[doc_id])
    assert removed.documents == 3 and reader.stale()
    after = Retriever.open(url, encoder=e5)
    assert doc_id not in {d.doc_id for d in after.documents}
    assert all(h.chunk.doc_id != doc_id for h in after.search("法治建设", k=20))
    assert all(r.doc_id != doc_id for r in after.ledger())
    with pytest.raises(InputError, match="remove: no indexed report 'nope'"):
        build([], url, encoder=e5, remove=["nope"])


def test_cli_with_backend_and_rag_toml(seeds_url: str, seed_index: Path, tmp_path: Path) -> None:
    folder = json.loads(_rag("reports", "--json", "--index", str(seed_index)).stdout)
    done = _rag("reports", "--json", "--backend", seeds_url)
    assert done.returncode == 0 and json.loads(done.stdout) == folder
    (tmp_path / "rag.toml").write_text(f'[backend]\nurl = "{seeds_url}"\n', encoding="utf-8")
    asked = _rag("ask", "埔前镇调处矛盾纠纷多少宗?", "--json", cwd=tmp_path)
    assert asked.returncode == 0 and "埔前镇" in json.loads(asked.stdout)["answer"]
    (tmp_path / "rag.toml").write_text("[backend]\nurl = 5\n", encoding="utf-8")
    bad = _rag("reports", cwd=tmp_path)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "rag.toml" in bad.stderr


def test_an_unreachable_or_empty_engine_is_one_line(server: SeekdbServer) -> None:
    down = _rag("search", "法治", "--backend", "oceanbase://root@127.0.0.1:1/x")
    assert down.returncode == 1 and down.stderr.count("\n") == 1 and "cannot reach" in down.stderr
    empty = _rag("search", "法治", "--backend", server.url(_db()))
    assert empty.returncode == 1 and "no index there" in empty.stderr and "Traceback" not in empty.stderr
    with pytest.raises(InputError, match="names no database"):
        parse("oceanbase://root@127.0.0.1:2881")
    with pytest.raises(IndexStateError):
        open_reader(server.url(_db()))


def _serve(url: str, tmp_path: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--backend", url, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    return proc, f"http://127.0.0.1:{port}"


def _ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "rag serve exited"
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise AssertionError(f"{base} did not start")


def test_two_app_servers_share_one_engine(server: SeekdbServer, e5: OnnxE5Encoder, tmp_path: Path) -> None:
    url = server.url(_db())
    files = sorted(SEEDS.glob("*.txt"))
    build(files[:4], url, encoder=e5)
    servers = [_serve(url, tmp_path, f"app{i}") for i in (1, 2)]
    try:
        for proc, base in servers:
            _ready(base, proc)
        (_, one), (_, two) = servers
        before = {r["doc_id"] for r in httpx.get(f"{two}/api/reports", timeout=30).json()}
        upload = tmp_path / files[4].name
        shutil.copyfile(files[4], upload)
        with upload.open("rb") as fh:
            sent = httpx.post(f"{one}/api/reports/upload", files=[("files", (upload.name, fh))], timeout=300)
        assert sent.status_code == 200 and sent.json()["indexed"] == [upload.name], sent.text
        seen = httpx.get(f"{two}/api/reports", timeout=30).json()  # through the other server, at once
        new = {r["doc_id"] for r in seen} - before
        assert len(new) == 1
        hits = httpx.get(
            f"{two}/api/search", params={"q": "法治政府建设", "k": 5, "unit": seen[-1]["unit"]}, timeout=30
        )
        assert hits.status_code == 200 and {h["doc_id"] for h in hits.json()["hits"]} == new

        local = Retriever.open(url, encoder=e5)
        questions = [
            "霞山区2025年主动公开了多少条政府信息?",
            "哪些单位矛盾纠纷调解成功率达到100%?",
            "埔前镇调处矛盾纠纷多少宗?",
            "which units trained 法律明白人?",
        ]
        expected = {q: ask(local, q).to_dict()["answer"] for q in questions}

        def client(n: int) -> bool:
            base = servers[n % 2][1]
            question = questions[n % len(questions)]
            got = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=300)
            return got.status_code == 200 and got.json()["answer"] == expected[question]

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(client, range(32)))
        assert all(results), results
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=30)


def test_a_correction_is_kept_by_the_engine_across_rebuilds(server: SeekdbServer, e5: OnnxE5Encoder) -> None:
    from rag.service import Service

    url = server.url(_db())
    files = sorted(SEEDS.glob("*.txt"))[:2]
    build(files, url, encoder=e5)
    service = Service(url, encoder=e5)
    doc = service.reports()[0]
    fixed = service.correct(doc["doc_id"], unit="某某县司法局")
    assert fixed["unit"] == "某某县司法局"
    build(files, url, encoder=e5)  # a full rebuild from the files applies the stored correction again
    assert open_reader(url).doc(doc["doc_id"]).unit == "某某县司法局"
    assert service.search("法治", k=3, unit="某某县司法局")["hits"]  # the other server's view, reopened
