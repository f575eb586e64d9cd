"""Use cases of the audits service."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from safeguard_shared.auth import Principal
from safeguard_shared.contracts.audits import AuditPlanned, CasesSampled
from safeguard_shared.service import ServiceRuntime

from .adapters.orm import audits, samples
from .domain.sampling import draw


async def plan_audit(runtime: ServiceRuntime, principal: Principal, *, theme: str, kind: str,
                     qa_meeting_on: date) -> dict:
    audit_id = str(uuid.uuid4())
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        await session.execute(insert(audits).values(
            audit_id=audit_id, theme=theme, kind=kind, qa_meeting_on=qa_meeting_on, status="planned",
            created_at=now, created_by=principal.subject))
        await runtime.outbox.add(session, AuditPlanned(audit_id=audit_id, theme=theme, kind=kind,
                                                       qa_meeting_on=qa_meeting_on), occurred_at=now)
    runtime.relay.wake()
    return {"audit_id": audit_id, "theme": theme, "kind": kind, "qa_meeting_on": qa_meeting_on,
            "status": "planned"}


async def get_audit(runtime: ServiceRuntime, audit_id: str) -> dict | None:
    async with runtime.sessions() as session:
        row = (await session.execute(select(audits).where(audits.c.audit_id == audit_id))).mappings().first()
        if row is None:
            return None
        sample = (await session.execute(select(samples).where(samples.c.audit_id == audit_id))).mappings().first()
    out = {k: row[k] for k in ("audit_id", "theme", "kind", "qa_meeting_on", "status")}
    out["sample"] = _sample_out(sample) if sample else None
    return out


def _sample_out(row) -> dict:  # noqa: ANN001
    return {"audit_id": row["audit_id"], "cases": row["cases"], "seed": row["seed"],
            "population_digest": row["population_digest"], "population_size": row["population_size"],
            "drawn_at": row["drawn_at"]}


async def sample_cases(runtime: ServiceRuntime, principal: Principal, audit_id: str, population: list[str],
                       seed: int | None) -> tuple[dict, bool]:
    """Draw four cases for the audit, or return the draw it already has. Returns (draw, created)."""
    async with runtime.sessions() as session:
        existing = (await session.execute(select(samples).where(samples.c.audit_id == audit_id))).mappings().first()
    if existing:
        return _sample_out(existing), False
    result = draw(population, seed)
    now = runtime.clock.now()
    try:
        async with runtime.sessions() as session, session.begin():
            await session.execute(insert(samples).values(
                audit_id=audit_id, seed=result.seed, population_digest=result.population_digest,
                population_size=result.population_size, cases=list(result.cases), drawn_at=now,
                drawn_by=principal.subject))
            await runtime.outbox.add(session, CasesSampled(
                audit_id=audit_id, seed=result.seed, population_digest=result.population_digest,
                population_size=result.population_size, sample_size=len(result.cases)), occurred_at=now)
    except IntegrityError:
        # Two requests raced; the first draw stands.
        async with runtime.sessions() as session:
            existing = (await session.execute(select(samples).where(samples.c.audit_id == audit_id))).mappings().one()
        return _sample_out(existing), False
    runtime.relay.wake()
    return {"audit_id": audit_id, "cases": list(result.cases), "seed": result.seed,
            "population_digest": result.population_digest, "population_size": result.population_size,
            "drawn_at": now}, True
