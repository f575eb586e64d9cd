"""Action plans — from audits and from reviews' recommendations — over the audits service's API: the
list (overdue first), one action with its progress, and the owning agency's update of its progress.

The audits service decides who sees which actions (the QA sub-group every one, an agency its own) and
when an action is overdue (its due day has ended); the page only orders and words them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..adapters.audits_api import AuditsApi
from . import cases
from .referral_form import Field, FieldError, FormData, errors_from_api, form_to_referral

ACTION_STATUS = {"proposed": "Proposed: due date to agree", "open": "Open", "completed": "Completed"}
SOURCE_NAMES = {"audit": "Case file audit", "review": "Review's recommendation"}
PROGRESS = (Field("note", "What has been done", "textarea", "Enter what has been done towards the action",
                  hint="Progress since the last update. No names: use references."),)
COMPLETION = (
    Field("evidence", "Evidence that the action is complete", "textarea", "Enter the evidence that it is complete"),
    Field("completed_on", "Date it was completed (optional)", "date", "", hint="Leave it blank for today.",
          required=False),
)


def overdue_first(actions: Sequence[Mapping[str, Any]], today: date) -> list[dict[str, Any]]:
    """Open actions overdue first (the service's flag, or a due day that has ended by today), then by due
    date (none last); completed ones after every open one."""
    def key(a: Mapping[str, Any]) -> tuple[Any, ...]:
        due = date.fromisoformat(str(a["due_on"])) if a.get("due_on") else None
        return (a["status"] == "completed", not is_overdue(a, today), due is None, due or date.max,
                str(a["owning_agency"]))
    return [dict(a) for a in sorted(actions, key=key)]


def is_overdue(action: Mapping[str, Any], today: date) -> bool:
    if action["status"] != "open":
        return False
    return bool(action.get("overdue")) or (bool(action.get("due_on"))
                                           and date.fromisoformat(str(action["due_on"])) < today)


async def action_list(api: AuditsApi, token: str, today: date) -> list[dict[str, Any]]:
    return overdue_first(list(cases.expect(await api.actions(token), 200)), today)


async def open_actions(api: AuditsApi, token: str, today: date) -> list[dict[str, Any]]:
    """The actions still to do (an agency's staff: their own agency's), overdue first."""
    return [a for a in await action_list(api, token, today) if a["status"] != "completed"]


async def one_action(api: AuditsApi, token: str, action_id: str) -> dict[str, Any]:
    return dict(cases.expect(await api.action(token, action_id), 200))


async def update(api: AuditsApi, token: str, action_id: str, form: FormData, *, complete: bool) -> list[FieldError]:
    """Record progress (``note``) or completion (``evidence``, ``completed_on``) from its form."""
    fields = COMPLETION if complete else PROGRESS
    body, problems = form_to_referral(form, fields)
    if problems:
        return errors_from_api([], problems, fields)
    answer = await (api.complete if complete else api.progress)(token, action_id, body)
    if answer.status == 422:
        return errors_from_api(answer.body.get("detail"), problems, fields)
    try:
        cases.expect(answer, 200)
    except cases.OutOfOrder as exc:
        return [FieldError(fields[0].path, str(exc)[:1].upper() + str(exc)[1:])]
    return []
