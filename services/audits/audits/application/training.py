"""Training impact: completions imported, each survey's day learnt from the scheduling service's
clock, surveys sent when their day comes, answers captured.

The audits service computes no date here: the scheduling service starts the clocks
``training.follow_up`` and ``training.manager_survey`` from ``audits.training.completed`` and says
when each falls due (``scheduling.deadline.scheduled``, with the completion's id); a survey is sent
once that day has come."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.contracts.audits import TrainingCompleted, TrainingSurveyAnswered, TrainingSurveySent
from safeguard_shared.contracts.scheduling import DeadlineScheduled
from safeguard_shared.db import select_for_update
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import training_completions, training_surveys
from ..adapters.repository import is_postgres
from ..domain.csvfiles import Completion
from ..domain.errors import OutOfOrder
from ..domain.training import SURVEY_FACT, SURVEY_OF_RULE, SURVEYS
from .access import is_qa, require_agency_or_qa
from .errors import NotFound
from .queries import survey_view

_KEY_CHUNK = 2000


@dataclass(frozen=True)
class ImportCompletions:
    completions: list[Completion]


@dataclass(frozen=True)
class SendDueSurveys:
    batch: int = 1000


@dataclass(frozen=True)
class AnswerSurvey:
    survey_id: str
    kind: str
    answers: dict[str, Any]


def _new_ids(n: int) -> list[str]:
    """n random (version 4) UUIDs from one read of the system's randomness: an import makes 3 per line."""
    raw = os.urandom(16 * n)
    return [str(uuid.UUID(bytes=raw[i:i + 16], version=4)) for i in range(0, 16 * n, 16)]


async def _already_imported(session: AsyncSession, batch: list[Completion]) -> set[tuple[Any, ...]]:
    known: set[tuple[Any, ...]] = set()
    keys = sorted({c.key for c in batch})
    t = training_completions
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start:start + _KEY_CHUNK]
        rows = await session.execute(select(t.c.trainee, t.c.course, t.c.completed_on).where(
            t.c.trainee.in_({k[0] for k in chunk})))
        wanted = set(chunk)
        known.update(k for k in map(tuple, rows.all()) if k in wanted)
    return known


async def import_completions(cmd: ImportCompletions, uow: UnitOfWork) -> dict[str, int]:
    """Record each completion once (a file imported twice adds nothing), with its two surveys (their
    days to come from the scheduling service), and owe ``audits.training.completed`` for each new one —
    all in one transaction."""
    batch = cmd.completions
    async with uow:
        now = uow.now()
        skip = await _already_imported(uow.session, batch)
        fresh: dict[tuple[Any, ...], Completion] = {}
        for c in batch:
            if c.key not in skip:
                fresh.setdefault(c.key, c)
        completions: list[dict[str, Any]] = []
        surveys: list[dict[str, Any]] = []
        events: list[TrainingCompleted] = []
        ids = iter(_new_ids(3 * len(fresh)))
        for c in fresh.values():
            completion_id = next(ids)
            completions.append(dict(completion_id=completion_id, trainee=c.trainee, agency=c.agency, course=c.course,
                                    completed_on=c.completed_on, manager=c.manager, imported_at=now))
            surveys.extend(dict(survey_id=next(ids), completion_id=completion_id, kind=kind, agency=c.agency,
                                course=c.course, due_on=None, status="pending") for kind in SURVEYS)
            events.append(TrainingCompleted(completion_id=completion_id, agency=c.agency, course=c.course,
                                            training_completed_on=c.completed_on))
        if completions:
            await uow.session.execute(insert(training_completions), completions)
            await uow.session.execute(insert(training_surveys), surveys)
            await uow.publish_many([(event, uow.now()) for event in events])
    return {"received": len(batch), "imported": len(completions), "already_imported": len(batch) - len(completions)}


async def when_a_survey_clock_starts_note_its_day(event: DeadlineScheduled, uow: UnitOfWork) -> None:
    """The scheduling service says when a completion's survey falls due: the survey waits for that day.
    Other deadlines are not the surveys' business; a survey already sent keeps the day it went."""
    kind = SURVEY_OF_RULE.get(event.key)
    if kind is None or event.completion_id is None:
        return
    s = training_surveys
    await uow.session.execute(update(s).where(s.c.completion_id == event.completion_id, s.c.kind == kind,
                                              s.c.status == "pending").values(due_on=event.due))


async def send_due_surveys(cmd: SendDueSurveys, uow: UnitOfWork) -> int:
    """Send every survey whose day has come (the ticker does this each round; the business unit may too).
    Returns how many were sent."""
    s = training_surveys
    async with uow:
        today = uow.clock.today()
        query = select(s).where(s.c.status == "pending", s.c.due_on <= today).order_by(s.c.due_on).limit(cmd.batch)
        if is_postgres(uow.session):
            query = query.with_for_update(skip_locked=True)
        rows = (await uow.session.execute(query)).mappings().all()
        if not rows:
            return 0
        await uow.session.execute(update(s).where(s.c.survey_id == bindparam("b_id")).values(
            status="sent", sent_on=today).execution_options(synchronize_session=False),
            [{"b_id": r["survey_id"]} for r in rows])
        now = uow.now()
        await uow.publish_many([(TrainingSurveySent(
            survey_id=r["survey_id"], completion_id=r["completion_id"], survey=r["kind"], fact=SURVEY_FACT[r["kind"]],
            agency=r["agency"], course=r["course"], sent_on=today), now) for r in rows])
    return len(rows)


async def answer_survey(cmd: AnswerSurvey, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        today = uow.clock.today()
        row = (await select_for_update(uow.session, select(training_surveys).where(
            training_surveys.c.survey_id == cmd.survey_id))).mappings().first()
        if row is None or not (is_qa(principal) or row["agency"] == principal.agency):
            raise NotFound("no survey with that survey_id")
        require_agency_or_qa(principal, row["agency"])
        if row["kind"] != cmd.kind:
            raise OutOfOrder(f"this is a {row['kind'].replace('_', '-')} survey; answer it with its own questions")
        if row["status"] == "pending":
            when = f"it is due on {row['due_on']}" if row["due_on"] else "its day is not scheduled yet"
            raise OutOfOrder(f"the survey has not been sent yet ({when})")
        if row["status"] == "answered":
            raise OutOfOrder(f"the survey was answered on {row['answered_on']}")
        await uow.session.execute(update(training_surveys).where(training_surveys.c.survey_id == cmd.survey_id)
                                  .values(status="answered", answers=cmd.answers, answered_on=today))
        scores = {k: v for k, v in cmd.answers.items() if k not in ("comments", "example")}
        await uow.publish(TrainingSurveyAnswered(
            survey_id=cmd.survey_id, completion_id=row["completion_id"], survey=cmd.kind, agency=row["agency"],
            course=row["course"], answered_on=today, **scores))
    return survey_view({**row, "status": "answered", "answers": cmd.answers, "answered_on": today})
