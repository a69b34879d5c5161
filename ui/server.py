"""One server for the chat UI (Gradio, at /) and the JSON API (/api/*), started by `rag serve`.

Imports ui.app and rag.api and composes them; nothing imports this but the CLI.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.api import create_api
from rag.generate import settings_from_env
from rag.service import MAX_UPLOAD_BYTES, Service
from ui.app import CSS, build_app


def login_from_env() -> tuple[str, str] | None:
    """RAG_UI_USER and RAG_UI_PASSWORD turn on a login for the UI and the API (for exposed servers)."""
    user, password = os.environ.get("RAG_UI_USER", ""), os.environ.get("RAG_UI_PASSWORD", "")
    return (user, password) if user and password else None


def _outside_uploads(data: Any, folder: Path) -> str | None:
    """The first file path in a Gradio request body that is not a file the server received as an
    upload: a client may name any server path in a FileData, and Gradio mounted in FastAPI copies it
    (its own check runs only under launch())."""
    if isinstance(data, dict):
        path = data.get("path")
        if isinstance(path, str) and path and not re.match(r"^https?://", path):
            resolved = Path(path).resolve()
            if not resolved.is_relative_to(folder):
                return path
        for value in data.values():
            found = _outside_uploads(value, folder)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = _outside_uploads(value, folder)
            if found is not None:
                return found
    return None


class UploadsOnly:
    """ASGI guard in front of Gradio's routes: a JSON request naming a file outside the upload folder
    gets 400 {"error"} before Gradio reads it, so no server file can be indexed or echoed back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        json_post = (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith("/gradio_api/")
            and b"json" in dict(scope.get("headers", [])).get(b"content-type", b"")
        )
        if not json_post:  # uploads themselves (multipart) stream through untouched
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        from gradio.utils import get_upload_folder

        if _outside_uploads(data, Path(get_upload_folder()).resolve()) is not None:
            response = JSONResponse(status_code=400, content={"error": "files: only uploaded files are accepted"})
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(service: Service, *, auth: tuple[str, str] | None = None) -> FastAPI:
    import gradio as gr

    app = create_api(service)  # /api/* first: routes added after mounting "/" would be shadowed
    if auth is not None:
        expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()

        @app.middleware("http")
        async def api_login(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            if request.url.path.startswith("/api/") and not secrets.compare_digest(
                request.headers.get("authorization", ""), expected
            ):
                return JSONResponse(
                    status_code=401, content={"error": "login required"}, headers={"WWW-Authenticate": "Basic"}
                )
            return await call_next(request)

    blocks = build_app(service)
    blocks.queue(default_concurrency_limit=8)  # plain-def handlers run in a thread pool, eight at a time
    mounted: FastAPI = gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=auth,
        css=CSS,
        theme=gr.themes.Default(),
        max_file_size=MAX_UPLOAD_BYTES,
        ssr_mode=False,
        run_history=False,
        footer_links=["api"],
    )
    mounted.add_middleware(UploadsOnly)
    return mounted


def serve(index_dir: Path | str, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    import uvicorn

    service = Service(index_dir, generator=settings_from_env())
    app = create_app(service, auth=login_from_env())
    print(f"rag: serving {len(service.retriever.documents)} reports at http://{host}:{port}/ (API: /api/docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
