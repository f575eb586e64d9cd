"""One way to declare a pathway step's route: the command it reads, the step (by the name its history
line carries, which is also its action in the access table), the use case that takes it, and where
the case stands afterwards."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from safeguard_shared.auth import CurrentPrincipal, Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..application.commands import Command
from ..domain.access import STEP_ACTIONS, Action
from .errors import answer, runtime

Case = TypeVar("Case")
Progress = TypeVar("Progress", bound=BaseModel)

# Each case-level operation names its action of the access table (domain/access.py) in the OpenAPI
# document, so that the access-matrix test is generated from the committed document.
CASE_ACTION = "x-case-action"


def case_action(action: Action) -> dict[str, Any]:
    return {CASE_ACTION: action}


async def progress(step: Awaitable[Case], of: Callable[[Case], Progress]) -> Progress | JSONResponse:
    case = await answer(step)
    return case if isinstance(case, JSONResponse) else of(case)


def declare_step(router: APIRouter, path: str, command: type[Command], step: str,
                 use_case: Callable[[str, Any, Principal, UnitOfWork], Awaitable[Case]],
                 of: Callable[[Case], Progress], response_model: type[Progress], doc: str, name: str) -> None:
    """Who may take the step is the access table's answer for ``STEP_ACTIONS[step]``, asked by the use
    case with the case in hand (``application/pathway.py``)."""
    async def handler(case_id: str, body: Command, request: Request,
                      principal: CurrentPrincipal) -> Progress | JSONResponse:
        return await progress(use_case(case_id, body, principal, runtime(request).unit_of_work()), of)

    handler.__doc__ = doc
    handler.__name__ = name
    # Annotations are strings under `from __future__ import annotations`; FastAPI needs the model itself.
    handler.__annotations__.update(body=command, request=Request, principal=CurrentPrincipal, case_id=str)
    router.post(path, response_model=response_model, openapi_extra=case_action(STEP_ACTIONS[step]))(handler)
