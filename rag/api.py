"""HTTP JSON API on the same server as the UI: the CLI's verbs with the CLI's JSON (records.to_dict),
and the plain-ASGI guards ui.server also puts in front of the UI (body size, methods).

Imports rag.service and below; mounted by ui.server. Malformed requests get a 4xx JSON error that
names the field and never echoes the raw input; a RagError is a 400, never a 500; no response names
an absolute server path.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import asdict, replace
from pathlib import Path, PurePath
from typing import Annotated, Any, BinaryIO

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, StringConstraints
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag import export
from rag.errors import RagError
from rag.service import MAX_UPLOAD_BYTES, Service

MAX_UPLOAD_FILES = 20
"""Files in one upload request; with MAX_UPLOAD_BYTES each, the largest upload body there can be."""
JSON_BODY_LIMIT = 1024 * 1024
"""Every other request body (a question, a correction, a Gradio event): 1 MB is a thousand times a question."""
UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES * MAX_UPLOAD_FILES + JSON_BODY_LIMIT
UPLOAD_PATHS = frozenset({"/api/reports/upload", "/gradio_api/upload"})
ABSOLUTE = re.compile(r"(?:^|(?<=[\s'\"(\[=（：]))(?:/[^\s'\"/;,，；：)\]）]+)+/?")


def _sheet(table: export.Table, fmt: str) -> Response:
    """A table as a file to download (xlsx or csv), named after its sheet."""
    from urllib.parse import quote

    name = quote(f"{table.title}.{fmt}")
    headers = {"Content-Disposition": f"attachment; filename=\"export.{fmt}\"; filename*=UTF-8''{name}"}
    return Response(export.encode(table, fmt), media_type=export.MEDIA[fmt], headers=headers)


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    unit: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=1900, le=2100)
    kind: str | None = Field(default=None, max_length=40)
    region: str | None = Field(default=None, max_length=60)
    section: str | None = Field(default=None, max_length=20)


class RemoveRequest(BaseModel):
    reports: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] = Field(
        min_length=1, max_length=200, description="doc_id or source of each report, as /api/reports lists them"
    )


class CorrectRequest(BaseModel):
    report: str = Field(min_length=1, max_length=300, description="the report's source or doc_id")
    unit: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=1949, le=2100)
    kind: str | None = Field(default=None, max_length=40)


def scrub(message: str) -> str:
    """A message with every absolute server path cut to its last name (`--index: /srv/x/index is
    being built` → `--index: index is being built`): errors reach clients, server layouts must not."""
    return ABSOLUTE.sub(lambda m: PurePath(m.group(0)).name or "/", message)


def public(data: Any, key: str = "") -> Any:
    """The response with every `source` that is an absolute server path cut to its file name, and the
    paths scrubbed out of reasons and warnings: a client learns which report a passage is from, never
    where the server keeps it. Report text itself is never touched (quotes stay verbatim)."""
    if isinstance(data, dict):
        return {k: public(v, k) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [public(v, key) for v in data]
    if isinstance(data, str) and key == "source" and PurePath(data).is_absolute():
        return PurePath(data).name
    if isinstance(data, str) and key in ("skipped", "warnings", "reused", "error"):
        return scrub(data)
    return data


async def refuse(scope: Scope, send: Send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    """Answer a request from an ASGI guard with {"error": message} (its body is never read)."""

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await JSONResponse(status_code=status, content={"error": message}, headers=headers)(scope, nothing, send)


def header(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name]


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


class BodyLimit:
    """Request bodies over their limit are refused before they are read (413 by Content-Length) or, sent
    in chunks, cut off at the limit: uploads MAX_UPLOAD_FILES × MAX_UPLOAD_BYTES, anything else 1 MB.
    So neither the disk nor the log ever holds more than that of one request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = UPLOAD_BODY_LIMIT if scope["path"].rstrip("/") in UPLOAD_PATHS else JSON_BODY_LIMIT
        mb = limit // (1024 * 1024)
        said = f"body: larger than {mb} MB, the limit for {scope['path'][:60]}（请求内容超过 {mb} MB 的上限）"
        lengths = header(scope, b"content-length")
        if lengths and (not lengths[0].strip().isdigit() or int(lengths[0]) > limit):
            await refuse(scope, send, 413, said)
            return
        received, cut, started = 0, False, False

        async def counted() -> Message:
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                cut = True
                if not started:
                    await refuse(scope, send, 413, said)
                return {"type": "http.disconnect"}
            return message

        async def unless_cut(message: Message) -> None:
            nonlocal started
            if not cut:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, counted, unless_cut)
        except Exception:
            if not cut:  # the app's own failure, not the disconnect it was handed
                raise


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    methods = {m for r in app.routes if isinstance(r, APIRoute) and r.path == path for m in r.methods or ()}
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


class ApiMethods:
    """Under /api/: HEAD on a GET route answers as GET without the body; a method no route takes (TRACE,
    CONNECT, invented ones) is 405 {"error"} with Allow, never Gradio's 404 behind /."""

    ROUTED = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":

            async def bodiless(message: Message) -> None:
                await send({**message, "body": b"", "more_body": False} if "body" in message else message)

            await self.app({**scope, "method": "GET"}, receive, bodiless)
        elif method not in self.ROUTED:
            allow = ", ".join(allowed_methods(self.api, scope["path"])) or "GET, HEAD, POST"
            message = f"{method[:20]} {scope['path'][:80]}: method not allowed; use {allow}"
            await refuse(scope, send, 405, message, {"Allow": allow})
        else:
            await self.app(scope, receive, send)


class _Files:
    """The `files` parts of a multipart body, streamed: each written to its own staging file until
    it passes `limit` bytes, when it is deleted and listed as too large (the rest is not written)."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.staged: list[tuple[str, Path]] = []
        self.too_large: list[tuple[str, str]] = []
        self.field, self.value, self.disposition = b"", b"", b""
        self.out: BinaryIO | None = None
        self.size = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        if self.field.lower() == b"content-disposition":
            self.disposition = self.value
        self.field = self.value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.disposition = b""
        if options.get(b"name") != b"files" or b"filename" not in options:
            return  # another field: its data is dropped
        if len(self.staged) + len(self.too_large) >= MAX_UPLOAD_FILES:
            raise _TooMany
        name = options[b"filename"].decode("utf-8", "replace") or "upload"
        dest = self.folder / str(len(self.staged) + len(self.too_large))
        dest.mkdir()
        self.staged.append((name, dest / "upload"))
        self.out, self.size = (dest / "upload").open("wb"), 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.out is None:
            return
        self.size += end - start
        if self.size <= self.limit:
            self.out.write(data[start:end])
            return
        self.out.close()
        self.out = None
        name, path = self.staged.pop()
        path.unlink()
        self.too_large.append((name, f"larger than {self.limit // (1024 * 1024)} MB"))

    def on_part_end(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None


class _TooMany(Exception):
    pass


def _offline_docs(app: FastAPI) -> None:
    """/api/docs from Swagger UI's files as the `fastapi-offline` package ships them, served here:
    nothing is fetched from outside. Without the package, /api/docs says where the schema is."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    try:
        import fastapi_offline

        assets = Path(fastapi_offline.__file__).parent / "static"
    except ImportError:
        assets = None
    if assets is not None and (assets / "swagger-ui-bundle.js").exists():
        app.mount("/api/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if assets is None:
            return HTMLResponse("<p>接口说明（OpenAPI）：<a href='/api/openapi.json'>/api/openapi.json</a></p>")
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="年度报告问答 · 接口文档",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon.png",
        )


def create_api(service: Service) -> FastAPI:
    app = FastAPI(
        title="rag: cited answers over government annual reports",
        version="0.1.0",
        docs_url=None,  # FastAPI's own page loads Swagger UI from a CDN: blank offline and on an intranet
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.add_middleware(ApiMethods, api=app)
    _offline_docs(app)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body" for e in exc.errors()]
        messages = [str(e.get("msg", "invalid")) for e in exc.errors()]
        detail = "; ".join(f"{f}: {m}" for f, m in zip(fields, messages, strict=True))
        return JSONResponse(status_code=422, content={"error": scrub(detail) or "invalid request"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"error": scrub(str(exc.detail))}, headers=exc.headers)

    @app.exception_handler(RagError)
    async def user_error(_: Request, exc: RagError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"error": scrub(str(exc))})

    @app.exception_handler(Exception)
    async def bug(_: Request, exc: Exception) -> JSONResponse:
        """A bug's message may hold server paths: the client gets one line, the log the traceback."""
        return JSONResponse(status_code=500, content={"error": f"internal error ({type(exc).__name__})"})

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        r = service.retriever
        return {
            "status": "ok",
            "documents": len(r.documents),
            "units": list(r.units),
            "encoder": r.manifest["encoder"]["id"],
        }

    @app.get("/api/search")
    def search(
        q: str = Query(min_length=1, max_length=2000, description="the query"),
        k: int = Query(5, ge=1, le=50),
        unit: str | None = Query(None, max_length=100),
        year: int | None = Query(None, ge=1900, le=2100),
        kind: str | None = Query(
            None, max_length=40, description="kind of report, e.g. 法治政府建设年度报告 or 信息公开"
        ),
        region: str | None = Query(None, max_length=60, description="a division the unit lies in, e.g. 河源市"),
        section: str | None = Query(
            None,
            max_length=20,
            description="part of the report: 举措成效, 第一责任人履职, 存在不足, 下一年度安排, 其他",
        ),
    ) -> dict[str, Any]:
        found = service.search(q, k, unit=unit, year=year, kind=kind, region=region, section=section)
        return public(found)  # type: ignore[no-any-return]

    export_format = Query(
        "json", pattern="^(json|xlsx|csv)$", description="json (default), or a spreadsheet: xlsx or csv"
    )

    @app.post("/api/ask", response_model=None)
    def ask(body: AskRequest, format: str = export_format) -> dict[str, Any] | Response:  # noqa: A002
        answer = service.ask(
            body.question, unit=body.unit, year=body.year, kind=body.kind, region=body.region, section=body.section
        )
        if format != "json":
            return _sheet(export.answer_table(public(answer.to_dict()), service.retriever.documents), format)
        return public(answer.to_dict())  # type: ignore[no-any-return]

    @app.get("/api/ledger", response_model=None)
    def ledger(
        indicator: str | None = Query(None, max_length=60, description="indicator or a part of it, e.g. 调解成功率"),
        unit: str | None = Query(None, max_length=100),
        year: int | None = Query(None, ge=1900, le=2100),
        kind: str | None = Query(None, max_length=40),
        format: str = export_format,  # noqa: A002
    ) -> list[dict[str, Any]] | Response:
        rows = public(service.ledger(indicator=indicator, unit=unit, year=year, kind=kind))
        return _sheet(export.ledger_table(rows), format) if format != "json" else rows

    @app.get("/api/outline", response_model=None)
    def outline(
        kind: str | None = Query(None, max_length=40, description="only this kind of report, or a part (信息公开)"),
        format: str = export_format,  # noqa: A002
    ) -> list[dict[str, Any]] | Response:
        """The completeness matrix: each report's required parts (present / mentioned / missing)."""
        rows = public(service.outline(kind=kind))
        return _sheet(export.outline_table(rows), format) if format != "json" else rows

    @app.get("/api/reports")
    def reports() -> list[dict[str, Any]]:
        return public(service.reports())  # type: ignore[no-any-return]

    @app.post("/api/reports/remove")
    def remove(body: RemoveRequest) -> dict[str, Any]:
        """Take reports out of the index, by the doc_id or source /api/reports lists."""
        return public(service.remove(body.reports))  # type: ignore[no-any-return]

    @app.post("/api/reports/correct")
    def correct(body: CorrectRequest) -> dict[str, Any]:
        return public(service.correct(body.report, unit=body.unit, year=body.year, kind=body.kind))  # type: ignore[no-any-return]

    upload_body = {"multipart/form-data": {"schema": {"type": "object", "required": ["files"], "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "report files"}
    }}}}  # fmt: skip

    @app.post("/api/reports/upload", openapi_extra={"requestBody": {"required": True, "content": upload_body}})
    async def upload(request: Request) -> JSONResponse:
        """Index uploaded reports into the open index, as the UI's uploads are (only they are embedded);
        with a shared engine they are searchable through every app server at once. Each file is
        streamed to disk and stops being written at MAX_UPLOAD_BYTES (it is then listed as too large)."""
        kind, options = parse_options_header(request.headers.get("content-type", ""))
        if kind != b"multipart/form-data" or b"boundary" not in options:
            return JSONResponse(status_code=422, content={"error": "files: field required (multipart/form-data)"})
        staging = Path(tempfile.mkdtemp(prefix="rag-api-"))
        try:
            files = _Files(staging, service.max_upload_bytes)
            callbacks: Any = {n: getattr(files, n) for n in dir(files) if n.startswith("on_")}
            parser = MultipartParser(options[b"boundary"], callbacks)
            try:
                async for chunk in request.stream():
                    await run_in_threadpool(parser.write, chunk)
                parser.finalize()
            except _TooMany:
                return JSONResponse(status_code=413, content={"error": f"files: at most {MAX_UPLOAD_FILES} a request"})
            except ClientDisconnect:  # the client went away mid-upload: nobody to answer
                return JSONResponse(status_code=400, content={"error": "files: the upload was cut off"})
            except ValueError:  # python-multipart's parse errors
                return JSONResponse(status_code=400, content={"error": "files: not a readable multipart body"})
            finally:
                files.on_part_end()
            if not files.staged and not files.too_large:
                return JSONResponse(status_code=422, content={"error": "files: field required"})
            outcome = await run_in_threadpool(service.add_uploads, files.staged)
            outcome = replace(outcome, skipped=(*files.too_large, *outcome.skipped))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return JSONResponse(public(asdict(outcome)))

    @app.api_route(
        "/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False
    )
    def no_such_route(rest: str, request: Request) -> JSONResponse:
        """Registered last: a wrong method on an API route is 405 and an unknown one 404, both {"error"},
        never the UI's own 404 page behind /."""
        path = "/api/" + rest
        allowed = allowed_methods(app, path)
        if allowed:
            return JSONResponse(
                status_code=405,
                content={"error": f"{request.method} {path}: method not allowed; use {', '.join(allowed)}"},
                headers={"Allow": ", ".join(allowed)},
            )
        return JSONResponse(status_code=404, content={"error": f"{path}: no such API route"})

    return app
