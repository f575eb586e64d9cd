"""Runs one step of a case's pathway in a unit of work: load the case (locked on PostgreSQL), check that
the person may take this step on this case (``domain/access.py``), let the domain check and change it,
then save the state, the history line and the events it owes — one transaction."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from safeguard_shared.contracts import Event
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import repository
from ..domain.access import STEP_ACTIONS, authorise
from ..domain.child_case import ChildCase
from ..domain.sar_case import SarCase
from .errors import CaseNotFound

Case = TypeVar("Case", ChildCase, SarCase)
PATHWAY: dict[type[ChildCase] | type[SarCase], tuple[str, str]] = {ChildCase: ("child", "children"),
                                                              SarCase: ("adult", "SAR")}


async def run_step(uow: UnitOfWork, actor: Principal, case_id: str, aggregate: type[Case], action: str,
                   step: Callable[[Case, date], list[Event]],
                   detail: Mapping[str, Any] | Callable[[Case], Mapping[str, Any]] | None = None) -> Case:
    """Runs ``step`` on the case's aggregate and records it as ``action`` in the case history; refused
    (``NotAllowed``) unless the access table lets ``actor`` take ``action`` on this case. ``detail``
    may be read from the case as the step left it (a warning the step gave)."""
    pathway, name = PATHWAY[aggregate]
    async with uow:
        row = await repository.case_row(uow.session, case_id, for_update=True)
        if row is None:
            raise CaseNotFound("no case with that case_id")
        if row["pathway"] != pathway:
            raise CaseNotFound(f"no {name} case with that case_id")
        case = aggregate.from_state(row["state"])
        authorise(actor, case, STEP_ACTIONS[action])
        now = uow.now()
        owed = step(case, uow.clock.today())
        await repository.update_case(uow.session, case_id, state=case.to_state(), status=case.stage)
        await repository.add_history(uow.session, case_id=case_id, at=now, actor=actor.subject,
                                     agency=actor.agency, action=action,
                                     detail=(detail(case) if callable(detail) else detail) or {})
        for event in owed:
            await uow.publish(event, correlation_id=case_id, occurred_at=now)
    return case
