"""The use cases' errors as HTTP answers: 404 no such case, 403 not allowed, 409 out of order, 422
a rule broken (naming the field, in FastAPI's own shape so clients read one kind of 422)."""
from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TypeVar

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse

from safeguard_shared.partnership import Principal, require_own_agency
from safeguard_shared.service import ServiceRuntime

from ..application.errors import (
    CaseNotFound,
    NotAllowed,
    NotTheChair,
    NotYourAgency,
    OutOfOrder,
    RuleBroken,
    UnsupportedFile,
)

T = TypeVar("T")


def runtime(request: Request) -> ServiceRuntime:
    service: ServiceRuntime = request.app.state.runtime
    return service


def rules_broken(problems: Sequence[RuleBroken], status_code: int = 422) -> JSONResponse:
    return JSONResponse({"detail": [{"loc": p.loc, "msg": p.msg, "type": "value_error"} for p in problems]},
                        status_code=status_code)


async def answer(call: Awaitable[T]) -> T | JSONResponse:
    """Await a use case or a query; its refusals become the status codes above."""
    try:
        return await call
    except ExceptionGroup as group:
        broken = [e for e in group.exceptions if isinstance(e, RuleBroken)]
        if len(broken) != len(group.exceptions):
            raise
        return rules_broken(broken)
    except UnsupportedFile as exc:
        return rules_broken([exc], status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    except RuleBroken as exc:
        return rules_broken([exc])
    except CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except (NotAllowed, NotTheChair, NotYourAgency) as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except OutOfOrder as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


def own_agency(principal: Principal, agency: str, refusal: str) -> None:
    """An agency acts only for itself (the business unit for any): otherwise 403 with ``refusal``."""
    try:
        require_own_agency(principal, agency)
    except NotYourAgency:
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal) from None
