"""What the HTTP routes share: strict bodies, known agencies, and domain refusals as HTTP answers."""
from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from safeguard_shared.auth import AGENCIES

from ..domain.errors import Forbidden, NotFound, OutOfOrder, RuleBroken


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _known_agency(value: str) -> str:
    if value not in AGENCIES:
        raise ValueError(f"unknown agency '{value}'")
    return value


Agency = Annotated[str, AfterValidator(_known_agency)]


def validation_detail(exc: ValidationError, prefix: tuple[str, ...] = ("body",)) -> list[dict]:
    """Name the field and the problem, never echo the submitted value (it may identify a child)."""
    return [{"loc": list(prefix) + [str(p) for p in e.get("loc", ())], "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RuleBroken)
    async def rule_broken(_request: Request, exc: RuleBroken) -> JSONResponse:
        return JSONResponse({"detail": [p.as_detail() for p in exc.problems]}, status_code=422)

    @app.exception_handler(OutOfOrder)
    async def out_of_order(_request: Request, exc: OutOfOrder) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)


def runtime_of(request: Request):
    return request.app.state.runtime


def settings_of(request: Request):
    return request.app.state.runtime.settings
