"""HTTP JSON API on the same server as the UI: the CLI's verbs with the CLI's JSON (records.to_dict).

Imports rag.service and below; mounted by ui.server. Malformed requests get a 4xx JSON error that
names the field and never echoes the raw input; a RagError is a 400, never a 500.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.errors import RagError
from rag.service import Service


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    unit: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=1900, le=2100)
    kind: str | None = Field(default=None, max_length=40)
    region: str | None = Field(default=None, max_length=60)
    section: str | None = Field(default=None, max_length=20)


class CorrectRequest(BaseModel):
    report: str = Field(min_length=1, max_length=300, description="the report's source or doc_id")
    unit: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=1949, le=2100)
    kind: str | None = Field(default=None, max_length=40)


def public(data: Any) -> Any:
    """The response with every `source` that is an absolute server path cut to its file name: a
    client learns which report a passage is from, never where the server keeps it."""
    if isinstance(data, dict):
        return {
            k: (PurePath(v).name if k == "source" and isinstance(v, str) and PurePath(v).is_absolute() else public(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [public(v) for v in data]
    return data


def create_api(service: Service) -> FastAPI:
    app = FastAPI(
        title="rag: cited answers over government annual reports",
        version="0.1.0",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body" for e in exc.errors()]
        messages = [str(e.get("msg", "invalid")) for e in exc.errors()]
        detail = "; ".join(f"{f}: {m}" for f, m in zip(fields, messages, strict=True))
        return JSONResponse(status_code=422, content={"error": detail or "invalid request"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"error": str(exc.detail)}, headers=exc.headers)

    @app.exception_handler(RagError)
    async def user_error(_: Request, exc: RagError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"error": str(exc)})

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

    @app.post("/api/ask")
    def ask(body: AskRequest) -> dict[str, Any]:
        answer = service.ask(
            body.question, unit=body.unit, year=body.year, kind=body.kind, region=body.region, section=body.section
        )
        return public(answer.to_dict())  # type: ignore[no-any-return]

    @app.get("/api/ledger")
    def ledger(
        indicator: str | None = Query(None, max_length=60, description="indicator or a part of it, e.g. 调解成功率"),
        unit: str | None = Query(None, max_length=100),
        year: int | None = Query(None, ge=1900, le=2100),
        kind: str | None = Query(None, max_length=40),
    ) -> list[dict[str, Any]]:
        return public(service.ledger(indicator=indicator, unit=unit, year=year, kind=kind))  # type: ignore[no-any-return]

    @app.get("/api/outline")
    def outline() -> list[dict[str, Any]]:
        """The completeness matrix: each report's required parts (present / mentioned / missing)."""
        return public(service.outline())  # type: ignore[no-any-return]

    @app.get("/api/reports")
    def reports() -> list[dict[str, Any]]:
        return public(service.reports())  # type: ignore[no-any-return]

    @app.post("/api/reports/correct")
    def correct(body: CorrectRequest) -> dict[str, Any]:
        return public(service.correct(body.report, unit=body.unit, year=body.year, kind=body.kind))  # type: ignore[no-any-return]

    @app.post("/api/reports/upload")
    def upload(files: Annotated[list[UploadFile], File(description="report files")]) -> dict[str, Any]:
        """Index uploaded reports into the open index, as the UI's upload does (only they are embedded);
        with a shared engine they are searchable through every app server at once."""
        staging = Path(tempfile.mkdtemp(prefix="rag-api-"))
        try:
            staged = []
            for n, f in enumerate(files):
                dest = staging / str(n)
                dest.mkdir()
                path = dest / "upload"
                with path.open("wb") as out:
                    shutil.copyfileobj(f.file, out)
                staged.append((f.filename or "upload", path))
            outcome = service.add_uploads(staged)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return public(asdict(outcome))  # type: ignore[no-any-return]

    @app.api_route(
        "/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False
    )
    def no_such_route(rest: str, request: Request) -> JSONResponse:
        """Registered last: a wrong method on an API route is 405 and an unknown one 404, both {"error"},
        never the UI's own 404 page behind /."""
        path = "/api/" + rest
        allowed = sorted({m for r in app.routes if isinstance(r, APIRoute) and r.path == path for m in r.methods or ()})
        if allowed:
            return JSONResponse(
                status_code=405,
                content={"error": f"{request.method} {path}: method not allowed; use {', '.join(allowed)}"},
                headers={"Allow": ", ".join(allowed)},
            )
        return JSONResponse(status_code=404, content={"error": f"{path}: no such API route"})

    return app
