"""The replay's path through ``EVENT_HANDLERS``: an event's bytes straight to the rows its
projections set, with no database round trip per event (the replay folds them into a ``Batch``).

An envelope whose payload is the contract is parsed from JSON in one pass (no dict in between), one
model per event type, told apart by ``event_type``. A type with several schema versions, an
unknown one, or an event that breaks its contract takes the general path, which behaves exactly as
the live consumer does.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, create_model

from safeguard_shared.bus.dispatch import UnknownSchemaVersion, answered_versions, read_as
from safeguard_shared.contracts import Envelope, Event

from ..adapters.read_models import Change
from .event_handlers import EVENT_HANDLERS
from .projection import Projection


def rows(event: Event, at: datetime) -> list[Change]:
    """Every row this (parsed) event's projections set."""
    return [change for projection in EVENT_HANDLERS[type(event)] for change in projection.rows(event, at)]


_ANSWERED = answered_versions(EVENT_HANDLERS)


def rows_of(env: Envelope) -> list[Change] | None:
    """The rows an envelope's event sets, or None when reporting does not count it (no projection
    answers it, or this build does not know its contract). Raises ValueError (pydantic's
    ValidationError is one) for an event that breaks its contract, as the live consumer does."""
    contract = _ANSWERED.get(env.event_type)
    if contract is None or env.schema_version > contract.schema_version:
        return None
    # An older version is carried up by its upcasters, as the live consumer's dispatcher does.
    try:
        event = read_as(contract, env)
    except UnknownSchemaVersion:  # an older version with no upcaster: this build cannot read it
        return None
    return rows(event, env.occurred_at)


def _envelope_of(cls: type[Event]) -> type[BaseModel]:
    """An envelope whose payload is this contract."""
    fields: dict[str, Any] = {
        "event_id": (str, ...), "event_type": (Literal[cls.event_type], ...),
        "schema_version": (Literal[cls.schema_version], ...), "occurred_at": (AwareDatetime, ...),
        "correlation_id": (str, ...), "causation_id": (str | None, None), "producer": (str, ...),
        "payload": (cls, ...)}
    return create_model(f"{cls.__name__}Envelope", __config__=ConfigDict(extra="forbid"), **fields)


def _fast_path() -> tuple[TypeAdapter[Any], dict[str, list[Projection[Any]]]]:
    by_type: dict[str, list[type[Event]]] = defaultdict(list)
    for contract in EVENT_HANDLERS:
        by_type[contract.event_type].append(contract)
    # One version per type can be told apart by its type alone; a type with several versions takes
    # the general path.
    single = {t: contracts[0] for t, contracts in by_type.items() if len(contracts) == 1}
    union = Union[tuple(_envelope_of(cls) for cls in single.values())]  # type: ignore[valid-type]  # noqa: UP007
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[union, Field(discriminator="event_type")])  # type: ignore[arg-type]
    return (adapter,
            {t: list(EVENT_HANDLERS[cls]) for t, cls in single.items()})


_FAST, _FAST_PROJECTIONS = _fast_path()


def rows_from_json(raw: bytes) -> list[Change] | None:
    """The rows an event's bytes set, or None when reporting does not count it; raises ValueError
    for a malformed event or one breaking its contract, exactly as ``rows_of(Envelope.from_json(raw))``
    would."""
    try:
        fast = _FAST.validate_json(raw)
    except ValueError:
        env = Envelope.from_json(raw)  # the general path: an unknown type, an old version, or an error
        return rows_of(env)
    projections = _FAST_PROJECTIONS[fast.event_type]
    if len(projections) == 1:
        return projections[0].rows(fast.payload, fast.occurred_at)
    return [change for p in projections for change in p.rows(fast.payload, fast.occurred_at)]
