"""One server for the chat UI (Gradio, at /) and the JSON API (/api/*), started by `rag serve`.

Imports ui.app and rag.api and composes them; nothing imports this but the CLI. The guards in front
of both, outermost first: SameOrigin (Host and Origin), BodyLimit, the login throttle (/login and
HTTP Basic for /api/*), GradioGuard (no client-named server file, uploads of report types only),
ApiMethods (HEAD, TRACE).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.api import MAX_UPLOAD_FILES, BodyLimit, client_of, create_api, header, refuse
from rag.generate import settings_from_env
from rag.ingest import SUPPORTED
from rag.service import MAX_UPLOAD_BYTES, Service
from ui.accounts import Accounts
from ui.accounts import from_env as accounts_from_env
from ui.app import build_app, discard_uploads, inside_uploads
from ui.render import CSS

CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
UPLOAD_AGE = 3600
"""Seconds an uploaded file may wait for "加入索引" before it is deleted (while running, and on start)."""


def login_from_env() -> Accounts | None:
    """RAG_UI_USERS (a users file, ui.accounts) and/or RAG_UI_USER + RAG_UI_PASSWORD turn on a login
    for the UI and the API (for exposed servers)."""
    return accounts_from_env()


def hosts_from_env() -> list[str]:
    """RAG_ALLOWED_HOSTS: more names the server may be reached by (comma-separated), e.g. behind a proxy."""
    return [h.strip() for h in os.environ.get("RAG_ALLOWED_HOSTS", "").split(",") if h.strip()]


def _hostname(netloc: str) -> str:
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def _origin(url: str) -> str:
    """scheme://host[:port] of an Origin or Referer, its default port dropped ("null" and others: "")."""
    parts = urlsplit(url.strip().lower())
    return _site(parts.scheme, parts.netloc) if parts.scheme in ("http", "https") else ""


def _site(scheme: str, host: str) -> str:
    """The origin a page of this server has when reached as `host` over `scheme` (ws counts as http;
    behind a proxy on 127.0.0.1, uvicorn takes the scheme from X-Forwarded-Proto)."""
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return f"{scheme}://" + host.strip().lower().removesuffix({"http": ":80", "https": ":443"}.get(scheme, "\0"))


class SameOrigin:
    """DNS rebinding and cross-site requests: the Host must name this server (the address the client
    reached, a name it was started on, localhost, or RAG_ALLOWED_HOSTS), else 400; a POST/PUT/PATCH/
    DELETE from a browser must come from a page of that same host (Origin, else Referer), else 403. A
    request with neither header is a non-browser client, which no other site can drive."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.hosts = LOCAL_HOSTS | {_hostname(h) for h in hosts if h.strip()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        hosts = header(scope, b"host")
        server = scope.get("server") or ("",)
        came = (header(scope, b"origin") or header(scope, b"referer") or [""])[0]
        changes = scope["type"] == "websocket" or scope["method"] in CHANGES
        if len(hosts) != 1 or _hostname(hosts[0]) not in self.hosts | {str(server[0]).lower()}:
            shown = hosts[0][:80] if hosts else ""
            status, message = 400, f"Host: '{shown}' 不是本服务器的地址；如需使用，请加入 RAG_ALLOWED_HOSTS"
        elif changes and came and _origin(came) != _site(scope.get("scheme", "http"), hosts[0]):
            status, message = 403, f"Origin: 拒绝来自其他网站的请求（{came[:80]}）"
        else:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await refuse(scope, send, status, message)


class Throttle:
    """Failed logins per client address, in memory: FREE failures, then the client is refused (429)
    for LOCK seconds, doubled by every further failure up to an hour; a success forgets it. At most
    KEEP clients are remembered (the oldest forgotten first), so a flood of addresses cannot fill memory."""

    FREE, LOCK, MOST, KEEP = 5, 60.0, 3600.0, 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client -> (failures, locked until)
        self.lock = threading.Lock()

    def wait(self, client: str) -> int:
        """Seconds the client must still wait before its next try (0: it may try now)."""
        with self.lock:
            _, until = self.failures.get(client, (0, 0.0))
            return max(int(until - self.clock() + 0.999), 0)

    def failed(self, client: str) -> None:
        with self.lock:
            count = self.failures.pop(client, (0, 0.0))[0] + 1
            lock = min(self.LOCK * 2 ** (count - self.FREE), self.MOST) if count >= self.FREE else 0.0
            self.failures[client] = (count, self.clock() + lock)
            while len(self.failures) > self.KEEP:
                self.failures.popitem(last=False)

    def passed(self, client: str) -> None:
        with self.lock:
            self.failures.pop(client, None)


def too_many(wait: int) -> tuple[int, str, dict[str, str]]:
    return 429, f"login: 登录失败次数过多，请 {wait} 秒后再试", {"Retry-After": str(wait)}


class BasicLogin:
    """HTTP Basic login for /api/* when RAG_UI_USER/RAG_UI_PASSWORD are set; failures count in the
    shared Throttle, so guessing costs a minute (and more) after five tries."""

    def __init__(self, app: ASGIApp, auth: Accounts, throttle: Throttle) -> None:
        self.app, self.throttle, self.accounts = app, throttle, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        client = client_of(scope)
        wait = self.throttle.wait(client)
        if wait:
            await refuse(scope, send, *too_many(wait))
            return
        given = (header(scope, b"authorization") or [""])[0]
        if self._valid(given):
            self.throttle.passed(client)
            await self.app(scope, receive, send)
            return
        if given:
            self.throttle.failed(client)
        await refuse(scope, send, 401, "login required", {"WWW-Authenticate": "Basic"})

    def _valid(self, given: str) -> bool:
        """An HTTP Basic header naming an account and its password."""
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "basic" or not token:
            return False
        try:
            name, _, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return self.accounts.check(name, password)


class LoginThrottle:
    """Gradio's POST /login, throttled like HTTP Basic (the same Throttle). A try counts as failed
    before Gradio checks it and is forgiven if it logs in, so a thousand tries sent at once are not
    all checked before the first failure is counted; while a client waits, every try is 429."""

    def __init__(self, app: ASGIApp, throttle: Throttle) -> None:
        self.app, self.throttle = app, throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != "/login":
            await self.app(scope, receive, send)
            return
        client = client_of(scope)
        wait = self.throttle.wait(client)
        if wait:
            await refuse(scope, send, *too_many(wait))
            return
        self.throttle.failed(client)
        logged_in = False

        async def watched(message: Message) -> None:
            nonlocal logged_in
            logged_in = logged_in or (message["type"] == "http.response.start" and message["status"] == 200)
            await send(message)

        await self.app(scope, receive, watched)
        if logged_in:
            self.throttle.passed(client)


def _pairs(pairs: list[tuple[str, Any]]) -> Any:
    """Every key/value of a JSON object, duplicates included (a parser may keep either one)."""
    return _Pairs(pairs)


class _Pairs(list):  # type: ignore[type-arg]
    pass


def _named_file(data: Any) -> str | None:
    """The first reference in a Gradio request body to a file the server did not receive as an upload:
    a `path` that is not a regular file inside the upload folder (symlinks and `..` resolved; a URL
    would be fetched), a `url` other than Gradio's own /file= link to one, or any `file:` string."""
    if isinstance(data, _Pairs):
        for key, value in data:
            if isinstance(value, str):
                if value[:5].lower() == "file:":
                    return value
                if key == "path" and inside_uploads(value) is None:
                    return value
                link = value.partition("/gradio_api/file=")[2]
                if key == "url" and inside_uploads(unquote(link) if link else "\0") is None:
                    return value
            elif key in ("path", "url") and value is not None and not isinstance(value, _Pairs | list):
                return str(value)
            found = _named_file(value)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = _named_file(value)
            if found is not None:
                return found
    return None


class GradioGuard:
    """In front of Gradio's routes (mounted in FastAPI, Gradio reads any server file a request names).

    Every request body under /gradio_api/ but an upload is read, whatever its Content-Type says, and
    parsed as JSON if it is JSON: one naming a file that was not uploaded is 400. Multipart is only for
    /gradio_api/upload, whose answer is checked: a file of a type reports never have is deleted at once
    and the request refused. A request with two Content-Type headers (read one way here, another way
    by the framework) is refused everywhere."""

    def __init__(self, app: ASGIApp, received: set[str]) -> None:
        self.app, self.received = app, received

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        types = header(scope, b"content-type")
        if len(types) > 1:
            await refuse(scope, send, 400, "Content-Type: 一个请求只能有一个 Content-Type")
            return
        if not scope["path"].startswith("/gradio_api/") or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if any(e.strip().lower() not in ("", "identity") for e in header(scope, b"content-encoding")):
            await refuse(scope, send, 415, "Content-Encoding: 请求内容不能压缩")
            return
        if scope["path"].rstrip("/") == "/gradio_api/upload":
            await self.upload(scope, receive, send)
            return
        if types and types[0].strip().lower().startswith("multipart/"):
            await refuse(scope, send, 415, "Content-Type: multipart 只用于上传文件（/gradio_api/upload）")
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            data = json.loads(body, object_pairs_hook=_pairs) if body else None
        except (ValueError, RecursionError):
            data = None  # not JSON: Gradio refuses it as such
        try:
            named = _named_file(data)
        except RecursionError:  # nested deeper than any Gradio event
            named = "?"
        if named is not None:
            await refuse(scope, send, 400, "files: only uploaded files are accepted（只接受通过本页上传的文件）")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let Gradio store the files (each ≤ MAX_UPLOAD_BYTES), then refuse the lot if one is not a
        report type or there are too many, deleting them at once. Uncompressed, so the answer is JSON."""
        plain = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        messages: list[Message] = []

        async def kept(message: Message) -> None:
            messages.append(message)

        await self.app(plain, receive, kept)
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        if start is not None and start["status"] == 200:
            try:
                paths = [str(p) for p in json.loads(b"".join(m.get("body", b"") for m in messages))]
            except (ValueError, TypeError):
                paths = []
            odd = [Path(p).name for p in paths if Path(p).suffix.lower() not in (*SUPPORTED, ".zip")]
            if odd or len(paths) > MAX_UPLOAD_FILES:
                discard_uploads(paths, self.received)
                why = f"不支持的文件类型 {odd[0]}（可上传 {' '.join(SUPPORTED)} .zip）" if odd else "文件过多"
                await refuse(scope, send, 415 if odd else 413, f"files: {why}")
                return
        for message in messages:
            await send(message)


def sweep_uploads(folder: Path, age: float = UPLOAD_AGE) -> int:
    """Delete files (and emptied folders) older than `age` seconds in the upload folder: uploads a
    stopped server never got to index. Links are removed, never followed. Returns the files deleted."""
    cutoff, deleted, emptied = time.time() - age, 0, set()
    for root, dirs, names in os.walk(folder, topdown=False):
        here = Path(root)
        for name in names:
            with contextlib.suppress(OSError):
                if (here / name).lstat().st_mtime < cutoff:
                    (here / name).unlink()
                    deleted += 1
                    emptied.add(here)
        for name in dirs:
            path = here / name
            with contextlib.suppress(OSError):
                if path.is_symlink():
                    if path.lstat().st_mtime < cutoff:
                        path.unlink()
                elif path in emptied or path.lstat().st_mtime < cutoff:
                    path.rmdir()  # only if empty
                    emptied.add(here)
    return deleted


def create_app(service: Service, *, auth: Accounts | tuple[str, str] | None = None, host: str = "127.0.0.1") -> FastAPI:
    import gradio as gr
    from gradio.utils import get_upload_folder

    sweep_uploads(Path(get_upload_folder()))
    app = create_api(service)  # /api/* first: routes added after mounting "/" would be shadowed
    blocks = build_app(service)
    accounts = Accounts(plain=auth) if isinstance(auth, tuple) else auth
    blocks.queue(default_concurrency_limit=8)  # plain-def handlers run in a thread pool, eight at a time
    mounted: FastAPI = gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=accounts.check if accounts is not None else None,
        css=CSS,
        theme=gr.themes.Default(),
        max_file_size=MAX_UPLOAD_BYTES,
        ssr_mode=False,
        run_history=False,
        footer_links=[],  # Gradio's "Use via API" opens its own English panel; the page links /api/docs
    )
    # Gradio checks the files a request names against its upload folder only once it has "launched",
    # which a mounted app never does: say it has, so its own check stands behind GradioGuard's
    blocks.has_launched = True
    mounted.add_middleware(GradioGuard, received=blocks.upload_file_set)
    if accounts is not None:
        throttle = Throttle()
        mounted.add_middleware(BasicLogin, auth=accounts, throttle=throttle)
        mounted.add_middleware(LoginThrottle, throttle=throttle)
    mounted.add_middleware(BodyLimit)
    mounted.add_middleware(SameOrigin, hosts=[host, *hosts_from_env()])
    return mounted


def serve(index_dir: Path | str, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    import uvicorn

    # uploads wait in a folder of this server's own (Gradio's default /tmp/gradio is shared), swept on start
    folder = Path(tempfile.gettempdir()) / f"rag-uploads-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("GRADIO_TEMP_DIR", str(folder))
    service = Service(index_dir, generator=settings_from_env())
    app = create_app(service, auth=login_from_env(), host=host)
    print(f"rag: serving {len(service.retriever.documents)} reports at http://{host}:{port}/ (API: /api/docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
