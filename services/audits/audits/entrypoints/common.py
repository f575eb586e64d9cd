"""What the HTTP routes share: strict bodies, the runtime, and refusals as HTTP answers."""
from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from safeguard_shared.partnership import NotYourAgency
from safeguard_shared.service import ServiceRuntime

from ..application.errors import Forbidden, NotFound
from ..config import AuditsSettings
from ..domain.errors import OutOfOrder, RuleBroken


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def validation_detail(exc: ValidationError, prefix: tuple[str, ...] = ("body",)) -> list[dict[str, Any]]:
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

    @app.exception_handler(NotYourAgency)
    async def not_your_agency(_request: Request, exc: NotYourAgency) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)


def runtime_of(request: Request) -> ServiceRuntime:
    return cast(ServiceRuntime, request.app.state.runtime)


def settings_of(request: Request) -> AuditsSettings:
    return cast(AuditsSettings, runtime_of(request).settings)
