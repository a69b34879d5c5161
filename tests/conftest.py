"""Shared fixtures: the real bundled encoder and a real index of seeds/, each built once per session."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything can import huggingface_hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "2")

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.embedding import OnnxE5Encoder
from rag.retrieve import Retriever
from rag.store import BuildResult, build_index
from tests.chat_server import ChatServer

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def e5() -> OnnxE5Encoder:
    return OnnxE5Encoder()


@pytest.fixture(scope="session")
def seekdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real seekdb (OceanBase) server for the engine backend's tests, 127.0.0.1 only, stopped at the end."""
    from tests.seekdb.server import SeekdbServer

    running = SeekdbServer(tmp_path_factory.mktemp("seekdb"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory, e5: OnnxE5Encoder) -> tuple[Path, BuildResult]:
    folder = tmp_path_factory.mktemp("seed-index") / "index"
    result = build_index([SEEDS], folder, encoder=e5)
    return folder, result


@pytest.fixture(scope="session")
def seed_index(seed_build: tuple[Path, BuildResult]) -> Path:
    return seed_build[0]


@pytest.fixture(scope="session")
def retriever(seed_index: Path, e5: OnnxE5Encoder) -> Retriever:
    return Retriever.open(seed_index, encoder=e5)


@pytest.fixture
def index_copy(seed_index: Path, tmp_path: Path) -> Path:
    """A private copy of the seed index for tests that change it."""
    dest = tmp_path / "index"
    shutil.copytree(seed_index, dest)
    return dest


def write_report(folder: Path, name: str, body: str, *, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(body.encode(encoding))
    return path


SMALL_REPORT = """测试区人民政府办公室2025年法治政府建设年度报告
来源:测试区人民政府办公室
发布时间:2026-01-05 09:00
分享:
2025年,测试区政府办公室扎实推进法治政府建设。
一、主要做法及成效
(一)推进政务公开。全年主动公开政府信息1234条。组织法治讲座7场。
(二)化解矛盾纠纷。共调处矛盾纠纷40宗,调解成功38宗。
二、存在问题
一是学习不够深入。二是宣传形式单一。
"""


@contextlib.contextmanager
def serving(service: Any) -> Iterator[str]:
    """The real server (API + Gradio UI) for a Service on a free loopback port; its URL."""
    from ui.server import create_app

    with serving_app(create_app(service)) as url:
        yield url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, seed_index: Path, e5: OnnxE5Encoder):  # type: ignore[no-untyped-def]
    """The real server (API + Gradio UI) on a free loopback port, over a private copy of the seed index."""
    from rag.service import Service

    folder = tmp_path_factory.mktemp("live") / "index"
    shutil.copytree(seed_index, folder)
    service = Service(folder, encoder=e5)
    with serving(service) as url:
        yield url, service


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    """A chat-completions server on 127.0.0.1 for the optional LLM features, stopped after the module."""
    server = ChatServer()
    yield server
    server.httpd.shutdown()


# --- added for tests/ui/test_security.py: serve any ASGI app (create_app with a login, another host) ---


@contextlib.contextmanager
def serving_app(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """A real uvicorn server for `app` on a free port of `host`, in a thread; its URL. Ready once it
    answers anything (a login-protected /api/health answers 401)."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    with socket.socket() as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://{host}:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{url}/api/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def gradio_result(client: Any, api: str, data: list[Any]) -> str:
    """The streamed outcome of a Gradio event (the text of its events)."""
    import json

    r = client.post(f"/gradio_api/call/{api}", json={"data": data})
    assert r.status_code == 200, r.text
    with client.stream("GET", f"/gradio_api/call/{api}/{r.json()['event_id']}") as events:
        lines = "".join(events.iter_text()).splitlines()
    return json.dumps([json.loads(x[6:]) for x in lines if x.startswith("data: ")], ensure_ascii=False)


def raw_request(url: str, head: str, chunks: tuple[bytes, ...] = ()) -> str:
    """Send a request's head (and maybe body chunks) on a socket; the answer, up to its JSON's end."""
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(head.encode())
        try:
            for chunk in chunks:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass  # the server stopped reading: its answer is waiting
        answer = b""
        while not answer.endswith(b"}") and (more := s.recv(65536)):
            answer += more
        return answer.decode("utf-8", "replace")


def shows(page: Any, selector: str, text: str) -> None:
    """Wait until the element's text holds `text` (tables render their rows a moment after the tab)."""
    import time

    for _ in range(300):
        if text in page.locator(selector).inner_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"{selector} never showed {text!r}")


@pytest.fixture(scope="module")
def pixel() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records the path of every request it gets: (its URL, the paths)."""
    import http.server
    import threading

    hits: list[str] = []

    class Pixel(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser), closed after the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        yield browser
        browser.close()
