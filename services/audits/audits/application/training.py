"""Training impact: completions imported, each survey's day learnt from the scheduling service's
clock, surveys sent when their day comes, answers captured.

The audits service computes no date here: the scheduling service starts the clocks
``training.follow_up`` and ``training.manager_survey`` from ``audits.training.completed`` and says
when each falls due (``scheduling.deadline.scheduled``, with the completion's id). When the day comes
the message is asked of the notifications service (``audits.training.survey_due``, no address: it
asks this service for the address and the link when it sends), and the survey counts as sent — and
its clock met — only once ``notifications.notification.sent`` says the message left. A survey whose
day had already passed when its completion was recorded (the clock says so: it starts ``closed``)
is listed as late, never sent (README, "Training surveys")."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.bus.dispatch import acts_only_on
from safeguard_shared.contracts.audits import (
    TrainingCompleted,
    TrainingSurveyAnswered,
    TrainingSurveyDue,
    TrainingSurveySent,
)
from safeguard_shared.contracts.notifications import NotificationFailed, NotificationSent
from safeguard_shared.contracts.scheduling import DeadlineScheduled
from safeguard_shared.db import select_for_update
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import training_completions, training_surveys
from ..adapters.repository import is_postgres
from ..domain.csvfiles import Completion
from ..domain.errors import OutOfOrder
from ..domain.survey_links import sign
from ..domain.training import RECIPIENT_OF_SURVEY, SURVEY_FACT, SURVEY_OF_RULE, SURVEYS
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
    link_days: int = 60  # how long the survey's link lives (AUDITS_SURVEY_LINK_DAYS)


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
                                    completed_on=c.completed_on, manager=c.manager, imported_at=now,
                                    trainee_email=c.trainee_email, manager_email=c.manager_email))
            surveys.extend(dict(survey_id=next(ids), completion_id=completion_id, kind=kind, agency=c.agency,
                                course=c.course, due_on=None, status="pending") for kind in SURVEYS)
            events.append(TrainingCompleted(completion_id=completion_id, agency=c.agency, course=c.course,
                                            training_completed_on=c.completed_on))
        if completions:
            await uow.session.execute(insert(training_completions), completions)
            await uow.session.execute(insert(training_surveys), surveys)
            await uow.publish_many([(event, uow.now()) for event in events])
    return {"received": len(batch), "imported": len(completions), "already_imported": len(batch) - len(completions)}


def _a_survey_clock(event: DeadlineScheduled) -> bool:
    return event.key in SURVEY_OF_RULE and event.completion_id is not None


@acts_only_on(_a_survey_clock)
async def when_a_survey_clock_starts_note_its_day(event: DeadlineScheduled, uow: UnitOfWork) -> None:
    """The scheduling service says when a completion's survey falls due: the survey waits for that day.
    A clock that starts closed is one whose day had already passed when the completion was recorded
    (an import of old completions): the survey is listed as late, not sent — no flood of messages
    months after the training. Other deadlines are not the surveys' business; a survey already on
    its way keeps the day it went."""
    if not _a_survey_clock(event):
        return
    kind = SURVEY_OF_RULE[event.key]
    s = training_surveys
    await uow.session.execute(update(s).where(s.c.completion_id == event.completion_id, s.c.kind == kind,
                                              s.c.status == "pending").values(
        due_on=event.due, status="late" if event.status == "closed" else "pending"))


async def send_due_surveys(cmd: SendDueSurveys, uow: UnitOfWork) -> int:
    """Ask for the message of every survey whose day has come (the ticker does this each round; the
    business unit may too): ``audits.training.survey_due``, without the address. A survey with no
    address for its recipient is listed (``no_address``) instead. Returns how many were asked for."""
    s, c = training_surveys, training_completions
    async with uow:
        today = uow.clock.today()
        query = (select(s, c.c.completed_on, c.c.trainee_email, c.c.manager_email)
                 .join(c, c.c.completion_id == s.c.completion_id)
                 .where(s.c.status == "pending", s.c.due_on <= today).order_by(s.c.due_on).limit(cmd.batch))
        if is_postgres(uow.session):
            query = query.with_for_update(of=s, skip_locked=True)
        rows = (await uow.session.execute(query)).mappings().all()
        if not rows:
            return 0
        expires_on = today + timedelta(days=cmd.link_days)
        owed = [r for r in rows if _address_of(r)]
        unaddressed = [r for r in rows if not _address_of(r)]
        for status, group, values in (("requested", owed, dict(requested_on=today, link_expires_on=expires_on)),
                                      ("no_address", unaddressed, {})):
            if group:
                await uow.session.execute(update(s).where(s.c.survey_id == bindparam("b_id")).values(
                    status=status, **values).execution_options(synchronize_session=False),
                    [{"b_id": r["survey_id"]} for r in group])
        now = uow.now()
        await uow.publish_many([(TrainingSurveyDue(
            survey_id=r["survey_id"], completion_id=r["completion_id"], survey=r["kind"],
            recipient=RECIPIENT_OF_SURVEY[r["kind"]], agency=r["agency"], course=r["course"],
            training_completed_on=r["completed_on"], due_on=r["due_on"]), now) for r in owed])
    return len(owed)


def _address_of(row: Any) -> str | None:
    address: str | None = row["trainee_email"] if row["kind"] == "follow_up" else row["manager_email"]
    return address


def _a_survey_emailed(event: NotificationSent) -> bool:
    return event.survey_id is not None and event.route == "email"


@acts_only_on(_a_survey_emailed)
async def when_a_survey_message_leaves_the_survey_is_sent(event: NotificationSent, uow: UnitOfWork) -> None:
    """The notifications service handed the survey's message over: now the survey is sent, and its
    clock is met on that day (``audits.training.survey_sent``). Said once, however often it is told."""
    if not _a_survey_emailed(event):
        return
    s = training_surveys
    row = (await select_for_update(uow.session, select(s).where(s.c.survey_id == event.survey_id))).mappings().first()
    # Answered already is possible: the link works from the moment the message goes, and the word
    # that it went may come after the answer. It still went, and its clock is met, once.
    if row is None or row["sent_on"] is not None or row["status"] not in ("requested", "answered"):
        return
    sent_on = event.sent_on or uow.clock.today()
    await uow.session.execute(update(s).where(s.c.survey_id == event.survey_id).values(
        status="sent" if row["status"] == "requested" else row["status"], sent_on=sent_on))
    await uow.publish(TrainingSurveySent(
        survey_id=row["survey_id"], completion_id=row["completion_id"], survey=row["kind"],
        fact=SURVEY_FACT[row["kind"]], agency=row["agency"], course=row["course"], sent_on=sent_on))


@acts_only_on(lambda event: event.survey_id is not None)
async def when_a_survey_message_fails_list_it(event: NotificationFailed, uow: UnitOfWork) -> None:
    """A survey's message given up (the address refused, say): the survey is listed as undeliverable
    for the business unit, who was alerted by the notifications service too."""
    if event.survey_id is None:
        return
    s = training_surveys
    await uow.session.execute(update(s).where(s.c.survey_id == event.survey_id, s.c.status == "requested")
                              .values(status="undeliverable"))


@dataclass(frozen=True)
class SurveyRecipient:
    survey_id: str
    public_base_url: str
    key: bytes


async def survey_recipient(query: SurveyRecipient, uow: UnitOfWork) -> dict[str, Any]:
    """What the notifications service needs, at the moment it sends, to address a survey's message: the
    recipient's address, the survey's signed link and, for a manager, the trainee's staff identifier.
    Only for a survey whose message is owed or has gone (a resend with the same Message-ID)."""
    s, c = training_surveys, training_completions
    async with uow:
        row = (await uow.session.execute(select(s, c.c.trainee, c.c.trainee_email, c.c.manager_email).join(
            c, c.c.completion_id == s.c.completion_id).where(s.c.survey_id == query.survey_id))).mappings().first()
    if row is None or row["status"] not in ("requested", "sent", "answered") or not row["link_expires_on"]:
        raise NotFound("no survey message is owed with that survey_id")
    token = sign(query.key, row["survey_id"], row["link_expires_on"])
    return {"survey_id": row["survey_id"], "address": _address_of(row),
            "survey_url": f"{query.public_base_url.rstrip('/')}/surveys/{token}",
            "link_expires_on": row["link_expires_on"],
            "trainee": row["trainee"] if row["kind"] == "manager" else None}


async def kind_of_sent_survey(survey_id: str, uow: UnitOfWork) -> str | None:
    """The kind of a survey whose message is owed or went (answerable through its link), else None."""
    async with uow:
        row = (await uow.session.execute(select(training_surveys.c.kind, training_surveys.c.status).where(
            training_surveys.c.survey_id == survey_id))).first()
    return row.kind if row is not None and row.status in ("requested", "sent", "answered") else None


async def answer_survey(cmd: AnswerSurvey, principal: Principal | None, uow: UnitOfWork) -> dict[str, Any]:
    """An answer from the agency or the QA sub-group (``principal``), or from the trainee or manager
    through the survey's signed link (``principal`` None: the link, already verified, is the proof)."""
    async with uow:
        today = uow.clock.today()
        row = (await select_for_update(uow.session, select(training_surveys).where(
            training_surveys.c.survey_id == cmd.survey_id))).mappings().first()
        if principal is not None:
            if row is None or not (is_qa(principal) or row["agency"] == principal.agency):
                raise NotFound("no survey with that survey_id")
            require_agency_or_qa(principal, row["agency"])
        elif row is None or row["status"] not in ("requested", "sent", "answered"):
            raise NotFound("no survey with that survey_id")
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
