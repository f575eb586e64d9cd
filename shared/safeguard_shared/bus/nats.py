"""The one place that knows FastStream and nats-py: broker, streams, subscriptions, publishing.

FastStream's broker publishes (with its telemetry middleware) and documents the consumers in the
AsyncAPI documents; the consumers themselves run on pull loops of our own (pull.py, batch.py) on the
broker's nats-py connection, which fetch and handle their messages in batches.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Union

from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.security import NatsSecurity, NatsUserPassword
from nats.errors import MaxPayloadError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError
from opentelemetry.trace import TracerProvider

from ..contracts.envelope import envelope_of
from ..tracing import broker_middlewares
from .access import BusCredentials, inbox_prefix
from .batch import BatchHandler
from .consumer import DeadLetters, Inbox, Subscription
from .names import BusNames, ensure_streams
from .outbox import PublishRefused
from .pull import PullConsumer

# nats-py reports a publish the server's permissions refused only to the error callback, with this text;
# the publish itself then waits for an acknowledgement that never comes.
_PUBLISH_DENIED = re.compile(r'permissions violation for publish to "([^"]+)"', re.IGNORECASE)


def servers(url: str) -> list[str]:
    """ "nats://a:4222,nats://b:4222" names several seeds of one cluster."""
    return [u.strip() for u in url.split(",") if u.strip()]


class NatsBus:
    def __init__(self, url: str, names: BusNames, service: str, replicas: int = 1,
                 credentials: BusCredentials | None = None, tracer_provider: TracerProvider | None = None):
        self.names = names
        self.service = service
        self.replicas = replicas
        credentials = credentials or BusCredentials()
        # Subjects the broker refused this connection permission to publish on, and when.
        self._denied: dict[str, float] = {}
        self._inbox = inbox_prefix(credentials.user)
        security: NatsSecurity | None = None
        if credentials.user:
            security = NatsUserPassword(credentials.user, credentials.password or "",
                                        ssl_context=credentials.tls_context())
        elif credentials.tls_ca_file:
            security = NatsSecurity(ssl_context=credentials.tls_context())
        self.broker = NatsBroker(
            servers(url),
            security=security,
            # Replies and pulled messages on this service's own prefix: the broker lets each user
            # subscribe to its own inboxes only (bus/access.py).
            inbox_prefix=self._inbox,
            error_cb=self._on_error,
            logger=logging.getLogger("faststream"),
            max_reconnect_attempts=-1,
            graceful_timeout=10.0,
            # FastStream's telemetry middleware when tracing is on: the trace context in each message's
            # headers and a span for each publish (the consumer spans: tracing.consuming).
            middlewares=broker_middlewares(tracer_provider),
        )
        self.dead_letters = DeadLetters(self.publish_raw, names, service)
        self.tracer_provider = tracer_provider
        self.consumers: list[PullConsumer] = []

    def subscribe(self, sub: Subscription, inbox: Inbox) -> None:
        """Consume ``sub``'s durable consumer with a pull loop of our own once started (pull.py), and
        document it on the broker for the AsyncAPI document."""
        stream = self.names.stream(sub.producer)
        subject = self.names.subject(f"{sub.producer}.>")
        subjects = tuple(self.names.subject(s) for s in sub.subjects)
        config = ConsumerConfig(
            durable_name=self.names.durable(sub.consumer, sub.producer),
            deliver_policy=DeliverPolicy.ALL,
            # One more than our own limit: we dead-letter on the last try ourselves; the server's
            # limit only matters if this process keeps crashing mid-message.
            max_deliver=sub.max_deliver + 1,
            ack_wait=sub.ack_wait_seconds,
        )
        handler = BatchHandler(sub, inbox, self.dead_letters, self.service, tracer_provider=self.tracer_provider)
        self.consumers.append(PullConsumer(
            self.jetstream, handler, subject=subject, subjects=subjects, stream=stream, config=config,
            inbox_prefix=f"{self._inbox}.".encode(), declare_streams=self.declare_streams))
        self._document(sub, subjects[0] if len(subjects) == 1 else subject, stream, config)

    def _document(self, sub: Subscription, subject: str, stream: str, config: ConsumerConfig) -> None:
        """Register ``sub`` with FastStream for the AsyncAPI document only: FastStream never runs it (the
        broker is connected, never started; NatsBus.start)."""

        async def on_message(body: Any) -> None:
            raise RuntimeError("documented only: the consumer's pull loop handles its messages")

        on_message.__name__ = f"{sub.consumer}_on_{sub.producer}"
        if sub.contracts:
            # FastStream documents a message by its handler's body type: the envelopes of the contracts
            # this consumer answers. (Union is a type form to mypy; here it applies to types known at
            # run time.)
            envelopes: Any = Union.__getitem__(tuple(envelope_of(contract) for contract in sub.contracts))
            on_message.__annotations__["body"] = envelopes
        self.broker.subscriber(
            subject, stream=JStream(stream, declare=False), durable=config.durable_name, config=config,
            pull_sub=PullSub(batch_size=1, timeout=1.0), title=f"{self.service}:{sub.consumer} <- {sub.producer}",
        )(on_message)

    async def connect_and_declare(self) -> None:
        await self.broker.connect()
        await self.declare_streams()

    async def declare_streams(self) -> None:
        await ensure_streams(self.jetstream(), self.names, self.replicas)

    def jetstream(self) -> JetStreamContext:
        # FastStream 0.7 keeps the nats-py client here; pinned in requirements.txt.
        connection = self.broker._connection  # noqa: SLF001
        if connection is None:
            raise RuntimeError("the broker is not connected")
        return connection.jetstream()

    @property
    def connected(self) -> bool:
        conn = getattr(self.broker, "_connection", None)
        return bool(conn is not None and conn.is_connected)

    async def start(self) -> None:
        """Connect, declare the streams and each durable consumer, then start the pull loops. FastStream's
        own subscribers are not started: they are there for the documents only."""
        await self.connect_and_declare()
        for consumer in self.consumers:
            await consumer.bind()
        for consumer in self.consumers:
            consumer.start()

    async def stop(self) -> None:
        """Let each consumer finish the batch in hand, then drain the connection."""
        await asyncio.gather(*(consumer.stop() for consumer in self.consumers))
        await self.broker.stop()

    async def _on_error(self, exc: Exception) -> None:
        denied = _PUBLISH_DENIED.search(str(exc))
        if denied:
            self._denied[denied.group(1)] = time.monotonic()

    async def publish_event(self, subject: str, body: bytes, event_id: str) -> None:
        """Publish one outbox row; JetStream deduplicates on the event id.

        Raises ``PublishRefused`` when the broker will never take it (the relay sets it aside), any
        other exception when it might later (the relay tries again)."""
        producer = self.names.unprefixed(subject).split(".", 1)[0]
        started = time.monotonic()
        try:
            await self.broker.publish(body, subject, headers={"Nats-Msg-Id": event_id},
                                      stream=self.names.stream(producer), timeout=5.0)
        except MaxPayloadError:
            raise PublishRefused("too_large", f"{len(body)} bytes is more than the broker's maximum "
                                              "payload") from None
        except BadRequestError as exc:  # the stream refused it (message size, subject): it always will
            raise PublishRefused("rejected", f"the stream refused it: {exc.description or exc}") from None
        except TimeoutError:
            if self._denied.get(subject, -1.0) >= started:
                raise PublishRefused("not_permitted", f"this service may not publish on {subject}") from None
            raise

    async def publish_raw(self, subject: str, body: bytes, headers: dict[str, str]) -> None:
        producer = self.names.unprefixed(subject).split(".", 1)[0]
        stream = self.names.stream("dead_letters" if producer == "deadletter" else producer)
        await self.broker.publish(body, subject, headers=headers, stream=stream, timeout=5.0)
