"""What the HTTP routes share: strict bodies, the runtime, and refusals as HTTP answers."""
from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safeguard_shared import partnership
from safeguard_shared.partnership import NotYourAgency
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.settings import MAX_UPLOAD_BYTES

from ..application.errors import Forbidden, NotFound
from ..config import AuditsSettings
from ..domain.errors import OutOfOrder, RuleBroken

# The bounds of what a request carries (issue 12): no request can make an event too large for the
# broker. Names 200 characters, free text 20,000, a list of agencies 20, a list of findings,
# recommendations or learning points 200, references 100 (a sample population: 1,000,000 of them).
NAME = 200
TEXT = 20_000
MAX_AGENCIES = 20
ITEMS = 200
REFERENCE = 100
Agency = Annotated[partnership.Agency, Field(max_length=60)]
Text = Annotated[str, Field(min_length=1, max_length=TEXT)]
Reference = Annotated[str, Field(max_length=REFERENCE)]
__all__ = ["MAX_UPLOAD_BYTES"]  # a CSV file's bound, documented on the routes that take one


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
