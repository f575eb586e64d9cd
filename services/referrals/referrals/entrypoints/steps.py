"""One way to declare a pathway step's route: the command it reads, who may take it, the use case
that takes it, and where the case stands afterwards."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from safeguard_shared.auth import CurrentPrincipal, Principal, require_roles
from safeguard_shared.unit_of_work import UnitOfWork

from ..application.commands import Command
from .errors import answer, runtime

Case = TypeVar("Case")
Progress = TypeVar("Progress", bound=BaseModel)


async def progress(step: Awaitable[Case], of: Callable[[Case], Progress]) -> Progress | JSONResponse:
    case = await answer(step)
    return case if isinstance(case, JSONResponse) else of(case)


def declare_step(router: APIRouter, path: str, command: type[Command], roles: tuple[str, ...],
                 use_case: Callable[[str, Any, Principal, UnitOfWork], Awaitable[Case]],
                 of: Callable[[Case], Progress], response_model: type[Progress], doc: str, name: str) -> None:
    async def handler(case_id: str, body: Command, request: Request,
                      principal: CurrentPrincipal) -> Progress | JSONResponse:
        require_roles(principal, *roles)
        return await progress(use_case(case_id, body, principal, runtime(request).unit_of_work()), of)

    handler.__doc__ = doc
    handler.__name__ = name
    # Annotations are strings under `from __future__ import annotations`; FastAPI needs the model itself.
    handler.__annotations__.update(body=command, request=Request, principal=CurrentPrincipal, case_id=str)
    router.post(path, response_model=response_model)(handler)
