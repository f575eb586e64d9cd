"""The envelope every event travels in, and the base of every versioned contract.

An event is published on ``<service>.<aggregate>.<event>`` (see ``subject``); a breaking change to a
payload is a new class with a higher ``schema_version`` and its own subject suffix ``.v<N>`` is *not*
used — the version travels in the envelope, so consumers can upcast old events in place.
"""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator


def new_id() -> str:
    return str(uuid.uuid4())


class Envelope(BaseModel):
    """Metadata shared by every event, plus its payload as plain JSON."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(default_factory=new_id)
    event_type: str
    schema_version: int = Field(ge=1)
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None = None
    producer: str
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # Instants are UTC everywhere; a naive time is a bug upstream, not something to guess at.
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a timezone (UTC)")
        return value.astimezone(UTC)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


class Event(BaseModel):
    """Base of every payload contract. Subclasses set ``event_type`` and ``schema_version``.

    ``event_type`` doubles as the NATS subject: ``<service>.<aggregate>.<event>``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    @classmethod
    def subject(cls) -> str:
        return cls.event_type

    def envelope(
        self,
        *,
        producer: str,
        occurred_at: datetime,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        eid = event_id or new_id()
        return Envelope(
            event_id=eid,
            event_type=self.event_type,
            schema_version=self.schema_version,
            occurred_at=occurred_at,
            correlation_id=correlation_id or eid,
            causation_id=causation_id,
            producer=producer,
            payload=self.model_dump(mode="json"),
        )


_REGISTRY: dict[tuple[str, int], type[Event]] = {}
# Upcasters turn an older version's payload into the next version's, in one place for every service:
# (event_type, from_version) -> function(payload) -> payload of from_version + 1.
_UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def register(cls: type[Event]) -> type[Event]:
    key = (cls.event_type, cls.schema_version)
    if key in _REGISTRY and _REGISTRY[key] is not cls:
        raise RuntimeError(f"two contracts claim {key}")
    _REGISTRY[key] = cls
    return cls


def contract_for(event_type: str, schema_version: int) -> type[Event] | None:
    return _REGISTRY.get((event_type, schema_version))


def register_upcaster(event_type: str, from_version: int,
                      ) -> Callable[[Callable[[dict[str, Any]], dict[str, Any]]],
                                    Callable[[dict[str, Any]], dict[str, Any]]]:
    """Decorator: ``fn(payload)`` turns version ``from_version`` of ``event_type`` into the next one."""
    def decorate(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        key = (event_type, from_version)
        if key in _UPCASTERS and _UPCASTERS[key] is not fn:
            raise RuntimeError(f"two upcasters claim {key}")
        _UPCASTERS[key] = fn
        return fn
    return decorate


def upcast(event_type: str, schema_version: int, payload: dict[str, Any],
           target: int) -> dict[str, Any] | None:
    """``payload`` carried from ``schema_version`` up to ``target`` through the registered upcasters,
    or None where a step is missing."""
    version = schema_version
    while version < target:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            return None
        payload = step(payload)
        version += 1
    return payload


def all_contracts() -> list[type[Event]]:
    return sorted(_REGISTRY.values(), key=lambda c: (c.event_type, c.schema_version))


@functools.cache
def envelope_of(contract: type[Event]) -> type[Envelope]:
    """The envelope of one contract with its payload typed, for the documents (the AsyncAPI of each
    consumer). Messages are still parsed as ``Envelope`` and validated by the dispatcher."""
    # Literal[...] of a value known only at run time: the constants the schema documents.
    event_type: Any = Literal.__getitem__(contract.event_type)
    schema_version: Any = Literal.__getitem__(contract.schema_version)
    # e.g. "SchedulingDeadlineMetV1": unique per contract, and a valid name for a schema component.
    name = "".join(word.title().replace("_", "") for word in contract.event_type.split("."))
    # The payload under a name of its own too: two producers may use one class name (referrals' and
    # audits' FindingsRecorded), and schemas sharing a name would overwrite each other in a document.
    payload: type[Event] = create_model(f"{name}V{contract.schema_version}Payload", __base__=contract,
                                        __doc__=contract.__doc__)
    model: type[Envelope] = create_model(
        f"{name}V{contract.schema_version}",
        __base__=Envelope,
        __doc__=(contract.__doc__ or "").strip() or None,
        event_type=(event_type, ...),
        schema_version=(schema_version, contract.schema_version),
        payload=(payload, ...),
    )
    return model


def parse(envelope: Envelope) -> Event:
    """The typed payload of an envelope; raises ValueError for an unknown type or a bad payload."""
    cls = contract_for(envelope.event_type, envelope.schema_version)
    if cls is None:
        raise ValueError(f"unknown event {envelope.event_type} v{envelope.schema_version}")
    return cls.model_validate(envelope.payload)
