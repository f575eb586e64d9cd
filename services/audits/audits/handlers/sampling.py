"""The draw of four cases, with the partnership's exclusions, and the table of audited cases."""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from safeguard_shared.auth import Principal
from safeguard_shared.contracts.audits import CasesSampled
from safeguard_shared.service import ServiceRuntime

from ..adapters.orm import audited_cases, audits, samples, sampling_rules
from ..adapters.repository import insert_ignoring_conflicts
from ..domain.csvfiles import Population
from ..domain.errors import NotFound, RuleBroken
from ..domain.sampling import canonical, draw
from ..domain.training import add_months
from .common import owe

RULES = "partnership"


def sample_view(row) -> dict:
    return {"audit_id": row["audit_id"], "cases": row["cases"], "seed": row["seed"],
            "population_digest": row["population_digest"], "population_size": row["population_size"],
            "drawn_at": row["drawn_at"], "excluded": row["excluded"], "eligible_digest": row["eligible_digest"],
            "eligible_size": row["eligible_size"], "case_agencies": row["case_agencies"]}


async def existing_sample(runtime: ServiceRuntime, audit_id: str) -> dict | None:
    async with runtime.sessions() as session:
        row = (await session.execute(select(samples).where(samples.c.audit_id == audit_id))).mappings().first()
    return sample_view(row) if row else None


async def _exclusions(session, pool: set[str], today: date, within_months: int,
                      named: list[str]) -> dict[str, str]:
    """Why each excluded reference of the population is left out."""
    reasons: dict[str, str] = {}
    if within_months:
        since = add_months(today, -within_months)
        rows = (await session.execute(select(audited_cases.c.case_ref, audited_cases.c.audited_on).where(
            audited_cases.c.audited_on > since).order_by(audited_cases.c.audited_on))).all()
        for ref, audited_on in rows:
            if ref in pool:
                reasons[ref] = f"audited on {audited_on.isoformat()}, within the last {within_months} months"
    for ref in canonical(named):
        if ref in pool and ref not in reasons:
            reasons[ref] = "excluded by the partnership for this draw"
    return reasons


async def get_rules(runtime: ServiceRuntime, session=None) -> dict:
    """The partnership's exclusions; until it sets them, the service's default window and no references."""
    if session is None:
        async with runtime.sessions() as own:
            return await get_rules(runtime, own)
    row = (await session.execute(select(sampling_rules).where(sampling_rules.c.name == RULES))).mappings().first()
    if row is None:
        return {"audited_within_months": runtime.settings.exclude_audited_within_months, "references": [],
                "updated_at": None, "updated_by": None}
    return {k: row[k] for k in ("audited_within_months", "references", "updated_at", "updated_by")}


async def set_rules(runtime: ServiceRuntime, principal: Principal, *, audited_within_months: int,
                    references: list[dict]) -> dict:
    values = dict(audited_within_months=audited_within_months, references=references,
                  updated_at=runtime.clock.now(), updated_by=principal.subject)
    async with runtime.sessions() as session, session.begin():
        await session.execute(insert_ignoring_conflicts(session, sampling_rules).values(name=RULES, **values)
                              .on_conflict_do_update(index_elements=["name"], set_=values))
    return await get_rules(runtime)


async def sample_cases(runtime: ServiceRuntime, principal: Principal, audit_id: str, population: Population,
                       seed: int | None, *, exclude: list[str], within_months: int | None) -> tuple[dict, bool]:
    """Draw four cases for the audit, or return the draw it already has. Returns (draw, created).

    Left out of the population: cases audited within the window (this draw's, else the partnership's),
    the partnership's standing references, and the references this draw names."""
    existing = await existing_sample(runtime, audit_id)
    if existing:
        return existing, False
    today, now = runtime.clock.today(), runtime.clock.now()
    pool = set(canonical(population.references))
    async with runtime.sessions() as session:
        if (await session.execute(select(audits.c.audit_id).where(audits.c.audit_id == audit_id))).first() is None:
            raise NotFound("no audit with that audit_id")
        rules = await get_rules(runtime, session)
        months = rules["audited_within_months"] if within_months is None else within_months
        reasons = await _exclusions(session, pool, today, months, exclude)
        for standing in rules["references"]:
            ref = standing["case_ref"].strip()
            if ref in pool and ref not in reasons:
                reasons[ref] = standing.get("reason") or "excluded by the partnership"
    try:
        result = draw(pool, seed, excluded=reasons)
    except ValueError as exc:
        raise RuleBroken.one(("body", "population"), str(exc)) from None
    values = dict(audit_id=audit_id, seed=result.seed, population_digest=result.population_digest,
                  population_size=result.population_size, cases=list(result.cases), drawn_at=now,
                  drawn_by=principal.subject, excluded=[{"case_ref": r, "reason": reasons[r]} for r in result.excluded],
                  eligible_digest=result.eligible_digest, eligible_size=result.eligible_size,
                  case_agencies={ref: sorted(population.agencies.get(ref, ())) for ref in result.cases
                                 if population.agencies.get(ref)})
    try:
        async with runtime.sessions() as session, session.begin():
            await session.execute(insert(samples).values(**values))
            drawn = [dict(case_ref=ref, audited_on=today, audit_id=audit_id) for ref in result.cases]
            await session.execute(insert_ignoring_conflicts(session, audited_cases).values(drawn)
                                  .on_conflict_do_nothing())
            await session.execute(update(audits).where(audits.c.audit_id == audit_id,
                                                       audits.c.status.in_(("planned", "scope_agreed")))
                                  .values(status="sampled", updated_at=now))
            await owe(runtime, session, [CasesSampled(
                audit_id=audit_id, seed=result.seed, population_digest=result.population_digest,
                population_size=result.population_size, sample_size=len(result.cases))])
    except IntegrityError:
        # Two requests raced; the first draw stands.
        return await existing_sample(runtime, audit_id), False
    runtime.relay.wake()
    return sample_view(values), True


async def record_audited_cases(runtime: ServiceRuntime, cases: list[dict]) -> int:
    """Cases audited before (or outside) the product, so the exclusion knows them. Returns how many were new."""
    if not cases:
        return 0
    async with runtime.sessions() as session, session.begin():
        result = await session.execute(insert_ignoring_conflicts(session, audited_cases).values([
            dict(case_ref=c["case_ref"].strip(), audited_on=c["audited_on"], audit_id=None) for c in cases])
            .on_conflict_do_nothing())
    return max(result.rowcount or 0, 0)


async def list_audited_cases(runtime: ServiceRuntime, since: date | None) -> list[dict]:
    query = select(audited_cases).order_by(audited_cases.c.audited_on, audited_cases.c.case_ref)
    if since:
        query = query.where(audited_cases.c.audited_on >= since)
    async with runtime.sessions() as session:
        return [dict(r) for r in (await session.execute(query)).mappings().all()]
