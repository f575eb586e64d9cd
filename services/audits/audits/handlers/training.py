"""Training impact: completions imported, surveys issued when they fall due, answers captured, impact reported."""
from __future__ import annotations

import os
import uuid
from datetime import date

from sqlalchemy import bindparam, func, insert, select, update

from safeguard_shared.auth import Principal
from safeguard_shared.contracts.audits import TrainingCompleted, TrainingSurveyAnswered, TrainingSurveySent
from safeguard_shared.service import ServiceRuntime

from ..adapters.orm import training_completions, training_surveys
from ..adapters.repository import lock
from ..config import AuditsSettings
from ..domain.csvfiles import Completion
from ..domain.errors import NotFound, OutOfOrder
from ..domain.training import SURVEY_FACT, summarise, survey_due
from .common import is_qa, owe, require_agency_or_qa

_KEY_CHUNK = 2000


def _new_ids(n: int) -> list[str]:
    """n random (version 4) UUIDs from one read of the system's randomness: an import makes 3 per line."""
    raw = os.urandom(16 * n)
    return [str(uuid.UUID(bytes=raw[i:i + 16], version=4)) for i in range(0, 16 * n, 16)]


async def _already_imported(session, batch: list[Completion]) -> set[tuple]:
    known: set[tuple] = set()
    keys = sorted({c.key for c in batch})
    t = training_completions
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start:start + _KEY_CHUNK]
        rows = await session.execute(select(t.c.trainee, t.c.course, t.c.completed_on).where(
            t.c.trainee.in_({k[0] for k in chunk})))
        wanted = set(chunk)
        known.update(k for k in map(tuple, rows.all()) if k in wanted)
    return known


async def import_completions(runtime: ServiceRuntime, settings: AuditsSettings, batch: list[Completion]) -> dict:
    """Record each completion once (a file imported twice adds nothing), with its two surveys, and owe
    ``audits.training.completed`` for each new one — all in one transaction."""
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        skip = await _already_imported(session, batch)
        fresh: dict[tuple, Completion] = {}
        for c in batch:
            if c.key not in skip:
                fresh.setdefault(c.key, c)
        completions, surveys, events = [], [], []
        ids = iter(_new_ids(3 * len(fresh)))
        for c in fresh.values():
            completion_id = next(ids)
            completions.append(dict(completion_id=completion_id, trainee=c.trainee, agency=c.agency, course=c.course,
                                    completed_on=c.completed_on, manager=c.manager, imported_at=now))
            for kind, months in (("follow_up", settings.follow_up_survey_months),
                                 ("manager", settings.manager_survey_months)):
                surveys.append(dict(survey_id=next(ids), completion_id=completion_id, kind=kind,
                                    agency=c.agency, course=c.course, due_on=survey_due(c.completed_on, months),
                                    status="pending"))
            events.append((TrainingCompleted(completion_id=completion_id, agency=c.agency, course=c.course,
                                             training_completed_on=c.completed_on), now))
        if completions:
            await session.execute(insert(training_completions), completions)
            await session.execute(insert(training_surveys), surveys)
            await runtime.outbox.add_many(session, events)
    if completions:
        runtime.relay.wake()
    return {"received": len(batch), "imported": len(completions), "already_imported": len(batch) - len(completions)}


async def issue_due_surveys(runtime: ServiceRuntime, batch: int = 1000) -> int:
    """Send every survey whose day has come (the ticker does this each round; the business unit may too)."""
    today, now = runtime.clock.today(), runtime.clock.now()
    s = training_surveys
    async with runtime.sessions() as session, session.begin():
        query = select(s).where(s.c.status == "pending", s.c.due_on <= today).order_by(s.c.due_on).limit(batch)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await session.execute(query)).mappings().all()
        if not rows:
            return 0
        await session.execute(update(s).where(s.c.survey_id == bindparam("b_id")).values(
            status="sent", sent_on=today).execution_options(synchronize_session=False),
            [{"b_id": r["survey_id"]} for r in rows])
        await runtime.outbox.add_many(session, [(TrainingSurveySent(
            survey_id=r["survey_id"], completion_id=r["completion_id"], survey=r["kind"], fact=SURVEY_FACT[r["kind"]],
            agency=r["agency"], course=r["course"], sent_on=today), now) for r in rows])
    runtime.relay.wake()
    return len(rows)


def _survey_out(row) -> dict:
    return {k: row[k] for k in ("survey_id", "completion_id", "kind", "agency", "course", "due_on", "status",
                                "sent_on", "answers", "answered_on")}


async def list_surveys(runtime: ServiceRuntime, principal: Principal, *, status: str | None,
                       agency: str | None, limit: int) -> list[dict]:
    if not is_qa(principal):
        require_agency_or_qa(principal)
        agency = principal.agency
    query = select(training_surveys)
    if status:
        query = query.where(training_surveys.c.status == status)
    if agency:
        query = query.where(training_surveys.c.agency == agency)
    async with runtime.sessions() as session:
        rows = (await session.execute(query.order_by(training_surveys.c.due_on, training_surveys.c.survey_id)
                                      .limit(limit))).mappings().all()
    return [_survey_out(r) for r in rows]


async def answer_survey(runtime: ServiceRuntime, principal: Principal, survey_id: str, kind: str,
                        answers: dict) -> dict:
    today = runtime.clock.today()
    async with runtime.sessions() as session, session.begin():
        row = (await session.execute(lock(session, select(training_surveys).where(
            training_surveys.c.survey_id == survey_id)))).mappings().first()
        if row is None or not (is_qa(principal) or row["agency"] == principal.agency):
            raise NotFound("no survey with that survey_id")
        require_agency_or_qa(principal, row["agency"])
        if row["kind"] != kind:
            raise OutOfOrder(f"this is a {row['kind'].replace('_', '-')} survey; answer it with its own questions")
        if row["status"] == "pending":
            raise OutOfOrder(f"the survey has not been sent yet (it is due on {row['due_on']})")
        if row["status"] == "answered":
            raise OutOfOrder(f"the survey was answered on {row['answered_on']}")
        await session.execute(update(training_surveys).where(training_surveys.c.survey_id == survey_id).values(
            status="answered", answers=answers, answered_on=today))
        scores = {k: v for k, v in answers.items() if k not in ("comments", "example")}
        await owe(runtime, session, [TrainingSurveyAnswered(
            survey_id=survey_id, completion_id=row["completion_id"], survey=kind, agency=row["agency"],
            course=row["course"], answered_on=today, **scores)])
        row = {**row, "status": "answered", "answers": answers, "answered_on": today}
    runtime.relay.wake()
    return _survey_out(row)


async def impact(runtime: ServiceRuntime, *, by: str, completed_from: date | None, completed_to: date | None) -> dict:
    """Completions and what their surveys said, overall and by course or agency."""
    c, s = training_completions, training_surveys
    group = c.c.course if by == "course" else c.c.agency
    where = []
    if completed_from:
        where.append(c.c.completed_on >= completed_from)
    if completed_to:
        where.append(c.c.completed_on <= completed_to)
    async with runtime.sessions() as session:
        counts = dict((await session.execute(select(group, func.count()).where(*where).group_by(group))).all())
        rows = (await session.execute(select(group.label("g"), s.c.kind, s.c.status, s.c.answers).join(
            s, s.c.completion_id == c.c.completion_id).where(*where, s.c.status != "pending"))).mappings().all()
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["g"], []).append(dict(r))
    return {"by": by, "completed_from": completed_from, "completed_to": completed_to,
            "overall": summarise(sum(counts.values()), [dict(r) for r in rows]),
            "groups": {g: summarise(n, groups.get(g, [])) for g, n in sorted(counts.items())}}

