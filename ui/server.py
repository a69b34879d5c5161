"""One server for the chat UI (Gradio, at /) and the JSON API (/api/*), started by `rag serve`.

Imports ui.app and rag.api and composes them; nothing imports this but the CLI.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from rag.api import create_api
from rag.generate import settings_from_env
from rag.service import MAX_UPLOAD_BYTES, Service
from ui.app import CSS, build_app


def login_from_env() -> tuple[str, str] | None:
    """RAG_UI_USER and RAG_UI_PASSWORD turn on a login for the UI and the API (for exposed servers)."""
    user, password = os.environ.get("RAG_UI_USER", ""), os.environ.get("RAG_UI_PASSWORD", "")
    return (user, password) if user and password else None


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
    return mounted


def serve(index_dir: Path, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    import uvicorn

    service = Service(index_dir, generator=settings_from_env())
    app = create_app(service, auth=login_from_env())
    print(f"rag: serving {len(service.retriever.documents)} reports at http://{host}:{port}/ (API: /api/docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
