"""Faults found by a red-team run (issue 12), each kept fixed with real parts: a real server on
127.0.0.1, real crafted files, real builds. docs/reliability.md lists every fault and its test."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from rag.embedding import OnnxE5Encoder
from rag.errors import InputError
from rag.retrieve import Retriever
from rag.service import Service
from tests.conftest import ROOT, SMALL_REPORT, serving, write_report

SECRET = "机密令牌ZX9"


def _call_upload(url: str, files: list[dict[str, object]]) -> httpx.Response:
    return httpx.post(f"{url}/gradio_api/call/upload", json={"data": [files]}, timeout=30)


def _result(url: str, event_id: str) -> str:
    """The streamed result of a Gradio call: the text of its last event."""
    with httpx.stream("GET", f"{url}/gradio_api/call/upload/{event_id}", timeout=120) as r:
        return "".join(r.iter_text())


def test_an_upload_call_cannot_name_a_file_on_the_server(index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder) -> None:
    secret = write_report(tmp_path, "secret.txt", SMALL_REPORT.replace("1234条", f"{SECRET}1234条"))
    service = Service(index_copy, encoder=e5)
    with serving(service) as url:
        r = _call_upload(url, [{"path": str(secret), "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}}])
        assert r.status_code == 400 and "uploaded files" in r.json()["error"]
        # a path that only looks like the upload folder does not get through either
        sneaky = f"/tmp/gradio/../../{secret}"
        assert _call_upload(url, [{"path": sneaky, "meta": {"_type": "gradio.FileData"}}]).status_code == 400
        assert len(httpx.get(f"{url}/api/reports").json()) == 5
        hits = httpx.get(f"{url}/api/search", params={"q": SECRET, "k": 5}).json()["hits"]
        assert not any(SECRET in h["text"] for h in hits)
        # the same file sent as bytes by the client is an upload like any other
        with secret.open("rb") as fh:
            sent = httpx.post(f"{url}/gradio_api/upload", files={"files": ("secret.txt", fh)}, timeout=30).json()
        r = _call_upload(url, [{"path": sent[0], "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}}])
        assert r.status_code == 200
        # the upload streams each file's state first (issue 28): the last event holds the outcome
        events = [line for line in _result(url, r.json()["event_id"]).splitlines() if line.startswith("data: ")]
        assert "secret.txt" in json.loads(events[-1].removeprefix("data: "))[0]
        assert len(httpx.get(f"{url}/api/reports").json()) == 6


def test_no_response_shows_an_absolute_server_path(tmp_path: Path, e5: OnnxE5Encoder) -> None:
    from rag.store import build_index

    (tmp_path / "reports").mkdir()
    report = write_report(tmp_path / "reports", "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    index = tmp_path / "index"
    build_index([report.resolve()], index, encoder=e5)  # built from an absolute path, as a script would
    service = Service(index, encoder=e5)
    assert Path(service.reports()[0]["source"]).is_absolute()
    with serving(service) as url:
        bodies = [
            httpx.get(f"{url}/api/reports").text,
            httpx.get(f"{url}/api/search", params={"q": "主动公开政府信息", "k": 3}).text,
            httpx.post(f"{url}/api/ask", json={"question": "测试区主动公开了多少条政府信息?"}, timeout=60).text,
        ]
    for body in bodies:
        assert str(tmp_path) not in body and '"source"' in body
    assert "测试区2025年法治政府建设年度报告.txt" in bodies[0]


def test_an_upload_with_a_taken_name_is_another_report_and_the_same_content_is_reused(
    index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder
) -> None:
    service = Service(index_copy, encoder=e5)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    one = write_report(first, "下载.txt", SMALL_REPORT)
    other = write_report(second, "下载.txt", SMALL_REPORT.replace("测试区", "样例县").replace("1234条", "5678条"))
    assert service.add_uploads([("下载.txt", one)]).indexed == ("下载.txt",)
    outcome = service.add_uploads([("下载.txt", other)])
    assert outcome.indexed == ("下载 (2).txt",)  # named so in the Reports view
    sources = [r["source"] for r in service.reports()]
    assert "uploads/下载.txt" in sources and "uploads/下载 (2).txt" in sources
    assert "1234条" in service.ask("测试区主动公开了多少条政府信息?").text  # the first is still there
    again = service.add_uploads([("下载.txt", one)])
    assert again.indexed == () and again.reused == (("下载.txt", "下载.txt"),)
    assert len(service.reports()) == 7
    # a name whose id is a seed report's id does not replace that report either
    seed = service.reports()[0]
    clash = write_report(tmp_path, Path(seed["source"]).name, SMALL_REPORT.replace("测试区", "重名镇"))
    assert service.add_uploads([(clash.name, clash)]).indexed
    assert seed["doc_id"] in {r["doc_id"] for r in service.reports()} and len(service.reports()) == 8


def _rag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


@pytest.mark.parametrize("damage", ["vectors.npy", "sentences.npy", "reports.jsonl"])
def test_add_onto_a_damaged_index_stops_and_changes_nothing(index_copy: Path, tmp_path: Path, damage: str) -> None:
    (index_copy / damage).write_bytes(b"")  # a zero-byte file, as a full disk or a killed copy leaves
    before = {p.name: p.read_bytes() for p in index_copy.iterdir() if p.is_file()}
    report = write_report(tmp_path, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    out = _rag("build", str(report), "--index", str(index_copy), "--add")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert "--add" in line and "damaged" in line and damage in line
    assert {p.name: p.read_bytes() for p in index_copy.iterdir() if p.is_file()} == before


def test_a_zero_byte_array_is_a_one_line_error_not_a_traceback(index_copy: Path) -> None:
    (index_copy / "chunks.offsets.npy").write_bytes(b"")
    out = _rag("search", "法律明白人", "--index", str(index_copy))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "chunks" in out.stderr


def test_an_index_path_that_cannot_hold_an_index_fails_before_any_embedding(tmp_path: Path) -> None:
    a_file = tmp_path / "index.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    report = write_report(tmp_path, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    out = _rag("build", str(report), "--index", str(a_file))
    assert out.returncode == 1 and "Traceback" not in out.stderr and "is a file" in out.stderr
    assert a_file.read_text(encoding="utf-8") == "not a folder"


def _long_report(folder: Path, name: str) -> Path:
    """A report with enough distinct text that embedding it takes several seconds."""
    lines = [
        f"{i}. 第{i}项工作:组织专题培训{i}场,化解矛盾纠纷{i * 3}宗,主动公开政府信息{i * 7}条。" for i in range(300)
    ]
    return write_report(folder, name, SMALL_REPORT + "\n".join(lines))


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def _locked(lock: Path) -> bool:
    """Another process holds the index's flock (what a second writer would wait for)."""
    import fcntl

    if not lock.exists():
        return False
    with lock.open("rb") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def test_one_writer_at_a_time_and_a_killed_build_leaves_the_index(index_copy: Path, tmp_path: Path) -> None:
    lock = index_copy.parent / f".{index_copy.name}.lock"
    first = _long_report(tmp_path, "长报告区2025年法治政府建设年度报告.txt")
    second = write_report(tmp_path, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    builder = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "build", str(first), "--index", str(index_copy), "--add"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            if _locked(lock) or builder.poll() is not None:
                break
            time.sleep(0.05)
        assert _locked(lock) and builder.poll() is None, "the build should hold the lock while it embeds"
        out = subprocess.run(
            [sys.executable, "-m", "rag.cli", "build", str(second), "--index", str(index_copy), "--add"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
            env={**os.environ, "RAG_LOCK_WAIT": "0"},  # a writer that will not wait says who builds
        )
        assert out.returncode == 1 and f"being built by pid {builder.pid}" in out.stderr
        assert str(index_copy.parent) not in out.stderr  # the index's name, never its absolute path
        assert builder.poll() is None
    finally:
        builder.send_signal(signal.SIGKILL)  # a real kill, mid-embedding
        builder.wait()
    assert not _locked(lock)  # the kernel released it with the process: nothing stale to judge
    assert len(Retriever.open(index_copy).documents) == 5  # the index is as it was
    out = _rag("build", str(second), "--index", str(index_copy), "--add")
    assert out.returncode == 0, out.stderr
    assert len(Retriever.open(index_copy).documents) == 6
    leftovers = [p for p in index_copy.parent.iterdir() if p.name.startswith(f".{index_copy.name}.")]
    assert leftovers == [lock]  # the lock file stays (unlinking it would let two writers in); nothing else


def test_a_kill_between_the_two_renames_of_a_swap_is_recovered(index_copy: Path, tmp_path: Path) -> None:
    dead = _dead_pid()
    parent, name = index_copy.parent, index_copy.name
    new = parent / f".{name}.tmp-{dead}-0a1b"
    shutil.copytree(index_copy, new)  # a complete new index (its manifest is written last)
    index_copy.rename(parent / f".{name}.old-{dead}-0a1b")  # the first rename happened, the second did not
    assert not index_copy.exists()
    assert len(Retriever.open(index_copy).documents) == 5  # recovered on open
    assert not new.exists()
    report = write_report(tmp_path, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    assert _rag("build", str(report), "--index", str(index_copy), "--add").returncode == 0
    assert not (parent / f".{name}.old-{dead}-0a1b").exists()  # the next build cleans leftovers


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_crafted_docx_files_are_skipped_with_one_line_and_the_rest_is_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_report(folder, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    # a zip that is no Word package: python-docx used to crash the whole build with a traceback
    _zip(folder / "hollow.docx", {"[Content_Types].xml": b"<Types/>", "docProps/core.xml": b"<x/>"})
    # a zip bomb: 0.2 MB that expands to 128 MB of XML
    bomb = b"<w:document>" + b"<w:p>" * (128 * 1024 * 1024 // 5) + b"</w:document>"
    _zip(folder / "bomb.docx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": bomb})
    assert (folder / "bomb.docx").stat().st_size < 1024 * 1024
    out = _rag("build", str(folder), "--index", str(tmp_path / "index"))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert any("hollow.docx" in line and "no word/document.xml" in line for line in lines)
    # stopped while inflating
    assert any("bomb.docx" in line and "expands to" in line and "limit 64 MB" in line for line in lines)
    assert "indexed 1, skipped 2" in out.stdout + out.stderr


def test_an_overlong_report_is_refused_with_its_limit(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_report(folder, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    (folder / "dump.txt").write_text("测试区数据" * 300_000, encoding="utf-8")  # 1.5 M characters on one line
    out = _rag("build", str(folder), "--index", str(tmp_path / "index"))
    assert out.returncode == 0, out.stderr
    assert any("dump.txt" in line and "limit 1000000" in line for line in out.stderr.splitlines())
    # the limits are settings: a lower one refuses the small report too, and the reasons are not lost
    small = subprocess.run(
        [sys.executable, "-m", "rag.cli", "build", str(folder), "--index", str(tmp_path / "i2")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "RAG_MAX_REPORT_CHARS": "100"},
    )
    assert small.returncode == 1
    (line,) = small.stderr.strip().splitlines()
    assert "nothing to index" in line and "dump.txt" in line and "RAG_MAX_REPORT_CHARS" in line


def test_a_wrong_method_or_route_under_api_is_a_json_error(live_server: tuple) -> None:
    url = live_server[0]
    r = httpx.delete(f"{url}/api/ask")
    assert r.status_code == 405 and "POST" in r.json()["error"] and r.headers["allow"] == "POST"
    r = httpx.post(f"{url}/api/search", json={"q": "x"})
    assert r.status_code == 405 and "GET" in r.json()["error"]
    r = httpx.get(f"{url}/api/nothing-here")
    assert r.status_code == 404 and "no such API route" in r.json()["error"]


def test_a_stray_byte_does_not_cost_the_report(tmp_path: Path) -> None:
    from rag.ingest import load_report

    body = SMALL_REPORT.encode("gb18030")
    cut = body.index("主动公开".encode("gb18030"))
    damaged = tmp_path / "测试区2025年法治政府建设年度报告.txt"
    damaged.write_bytes(body[:cut] + b"\xff" + body[cut:])  # one invalid byte in a GB18030 file
    report = load_report(damaged)
    assert "1234条" in report.text and report.unit.startswith("测试区")
    assert any("undecodable" in w for w in report.warnings)
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(range(128, 256)) * 40)  # not text at all: still refused
    with pytest.raises(InputError, match=r"noise\.txt"):
        load_report(noise)


def test_pdf_library_warnings_are_reported_with_the_file_name(tmp_path: Path) -> None:
    (scan,) = (ROOT / "tests" / "data" / "real" / "pdf").glob("*.pdf")
    data = scan.read_bytes()
    at = list(re.finditer(rb"startxref\s+(\d+)", data))[-1]
    broken = tmp_path / "xref.pdf"  # a wrong startxref pointer: pypdf warns, repairs it and reads on
    broken.write_bytes(data[: at.start(1)] + str(int(at.group(1)) + 7).encode() + data[at.end(1) :])
    out = _rag("build", str(broken), "--index", str(tmp_path / "index"))
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("rag: ") for line in lines), out.stderr  # nothing of pypdf's own
    assert any("xref.pdf" in line and "pypdf: incorrect startxref" in line for line in lines), out.stderr


def test_uploads_are_indexed_one_at_a_time_smallest_first(index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder) -> None:
    service = Service(index_copy, encoder=e5)
    big = _long_report(tmp_path, "长报告区2025年法治政府建设年度报告.txt")
    small = write_report(tmp_path, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    outcome = service.add_uploads([(big.name, big), (empty.name, empty), (small.name, small)])
    assert outcome.indexed == (small.name, big.name)  # the small one did not wait for the big one
    assert dict(outcome.skipped) == {"empty.txt": "empty file"}
    assert len(service.reports()) == 7
