"""The draw of four cases, with the partnership's exclusions, and the table of audited cases."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.contracts.audits import CasesSampled
from safeguard_shared.db import dialect_insert
from safeguard_shared.partnership import LONDON, Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import audited_cases, audits, samples, sampling_rules
from ..domain.csvfiles import Population
from ..domain.errors import OutOfOrder, RuleBroken
from ..domain.sampling import already_drawn, audited_since, canonical, digest, draw
from .errors import NotFound
from .queries import RULES, get_rules, sample_of, sample_view


@dataclass(frozen=True)
class SampleCases:
    audit_id: str
    population: Population
    seed: int | None
    # This draw's exclusions, on top of the partnership's: references to leave out, and a window of
    # recently audited cases that replaces the partnership's (None: the partnership's).
    exclude: list[str] = field(default_factory=list)
    within_months: int | None = None


@dataclass(frozen=True)
class SetExclusions:
    audited_within_months: int
    references: list[dict[str, str]]


async def _exclusions(session: AsyncSession, pool: set[str], today: date, within_months: int,
                      named: list[str]) -> dict[str, str]:
    """Why each excluded reference of the population is left out."""
    reasons: dict[str, str] = {}
    if within_months:
        since = audited_since(today, within_months)
        rows = (await session.execute(select(audited_cases.c.case_ref, audited_cases.c.audited_on).where(
            audited_cases.c.audited_on > since).order_by(audited_cases.c.audited_on))).all()
        for ref, audited_on in rows:
            if ref in pool:
                reasons[ref] = f"audited on {audited_on.isoformat()}, within the last {within_months} months"
    for ref in canonical(named):
        if ref in pool and ref not in reasons:
            reasons[ref] = "excluded by the partnership for this draw"
    return reasons


async def set_exclusions(cmd: SetExclusions, principal: Principal, uow: UnitOfWork,
                         default_within_months: int) -> dict[str, Any]:
    async with uow:
        values = dict(audited_within_months=cmd.audited_within_months, references=cmd.references,
                      updated_at=uow.now(), updated_by=principal.subject)
        await uow.session.execute(dialect_insert(uow.session, sampling_rules).values(name=RULES, **values)
                                  .on_conflict_do_update(index_elements=["name"], set_=values))
        return await get_rules(uow.session, default_within_months)


async def sample_cases(cmd: SampleCases, principal: Principal, uow: UnitOfWork,
                       default_within_months: int) -> tuple[dict[str, Any], bool]:
    """Draw four cases for the audit, or return the draw it already has. Returns (draw, created).

    Left out of the population: cases audited within the window (this draw's, else the partnership's),
    the partnership's standing references, and the references this draw names. The unit of work is
    used twice: once to read, then — after the draw, which may take a while on a large population —
    once to write, so no transaction is held open while drawing."""
    today, now = uow.clock.today(), uow.now()
    pool = set(canonical(cmd.population.references))
    async with uow:
        existing = await sample_of(uow.session, cmd.audit_id)
        if existing:
            return _the_same_population(cmd, existing), False
        if (await uow.session.execute(select(audits.c.audit_id).where(audits.c.audit_id == cmd.audit_id))).first() \
                is None:
            raise NotFound("no audit with that audit_id")
        rules = await get_rules(uow.session, default_within_months)
        months = rules["audited_within_months"] if cmd.within_months is None else cmd.within_months
        reasons = await _exclusions(uow.session, pool, today, months, cmd.exclude)
        for standing in rules["references"]:
            ref = standing["case_ref"].strip()
            if ref in pool and ref not in reasons:
                reasons[ref] = standing.get("reason") or "excluded by the partnership"
    try:
        result = draw(pool, cmd.seed, excluded=reasons)
    except ValueError as exc:
        raise RuleBroken.one(("body", "population"), str(exc)) from None
    agencies = cmd.population.agencies
    values = dict(audit_id=cmd.audit_id, seed=result.seed, population_digest=result.population_digest,
                  population_size=result.population_size, cases=list(result.cases), drawn_at=now,
                  drawn_by=principal.subject, excluded=[{"case_ref": r, "reason": reasons[r]} for r in result.excluded],
                  eligible_digest=result.eligible_digest, eligible_size=result.eligible_size,
                  case_agencies={ref: sorted(agencies.get(ref, ())) for ref in result.cases if agencies.get(ref)})
    try:
        async with uow:
            await uow.session.execute(insert(samples).values(**values))
            drawn = [dict(case_ref=ref, audited_on=today, audit_id=cmd.audit_id) for ref in result.cases]
            await uow.session.execute(dialect_insert(uow.session, audited_cases).values(drawn)
                                      .on_conflict_do_nothing())
            await uow.session.execute(update(audits).where(audits.c.audit_id == cmd.audit_id,
                                                           audits.c.status.in_(("planned", "scope_agreed")))
                                      .values(status="sampled", updated_at=now))
            await uow.publish(CasesSampled(
                audit_id=cmd.audit_id, seed=result.seed, population_digest=result.population_digest,
                population_size=result.population_size, sample_size=len(result.cases)))
    except IntegrityError:
        # Two requests raced; the first draw stands.
        async with uow:
            return _the_same_population(cmd, await sample_of(uow.session, cmd.audit_id) or {}), False
    return sample_view(values), True


def _the_same_population(cmd: SampleCases, existing: dict[str, Any]) -> dict[str, Any]:
    """Asking again with the same population answers the draw the audit has; another population is
    refused (409), saying the draw is made and where to see it, rather than silently answered."""
    if existing and digest(cmd.population.references) != existing["population_digest"]:
        raise OutOfOrder(already_drawn(cmd.audit_id, existing["drawn_at"].astimezone(LONDON).date(),
                                       existing["population_size"], existing["seed"]))
    return existing


async def record_audited_cases(cases: list[dict[str, Any]], uow: UnitOfWork) -> int:
    """Cases audited before (or outside) the product, so the exclusion knows them. Returns how many were new."""
    if not cases:
        return 0
    async with uow:
        result = await uow.session.execute(dialect_insert(uow.session, audited_cases).values([
            dict(case_ref=c["case_ref"].strip(), audited_on=c["audited_on"], audit_id=None) for c in cases])
            .on_conflict_do_nothing())
    return max(getattr(result, "rowcount", 0) or 0, 0)
