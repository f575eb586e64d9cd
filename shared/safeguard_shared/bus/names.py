"""Stream and subject names: one stream per producing service, plus the dead-letter stream.

A namespace (``SAFEGUARD_BUS_NAMESPACE``) prefixes every name, so a test run on the shared
development server, or two partnerships on one cluster, never read each other's events.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nats-py is loaded where the bus is used, not by `safeguard up`, which only names it
    from nats.js import JetStreamContext
    from nats.js.api import StreamConfig

PRODUCERS = ("referrals", "scheduling", "notifications", "audits")
DEAD_LETTERS = "dead_letters"
# Long enough to cover a relay that crashed between publishing and marking and was restarted;
# the consumers' inbox catches anything older.
DUPLICATE_WINDOW_SECONDS = 600.0


@dataclass(frozen=True)
class BusNames:
    namespace: str = ""

    def _ns(self, text: str, sep: str) -> str:
        return f"{self.namespace}{sep}{text}" if self.namespace else text

    def stream(self, producer: str) -> str:
        return self._ns(producer.upper(), "_")

    def subject(self, event_subject: str) -> str:
        return self._ns(event_subject, ".")

    def unprefixed(self, subject: str) -> str:
        prefix = f"{self.namespace}." if self.namespace else ""
        return subject[len(prefix):] if prefix and subject.startswith(prefix) else subject

    def dead_letter_subject(self, consumer: str) -> str:
        return self._ns(f"deadletter.{consumer}", ".")

    def durable(self, consumer: str, producer: str) -> str:
        # Durable names may not hold dots; replicas of one service share this name.
        return self._ns(f"{consumer}-on-{producer}", "_")

    def stream_configs(self, replicas: int = 1) -> list[StreamConfig]:
        from nats.js.api import StorageType, StreamConfig

        configs = [
            StreamConfig(name=self.stream(p), subjects=[self.subject(f"{p}.>")], storage=StorageType.FILE,
                         num_replicas=replicas, duplicate_window=DUPLICATE_WINDOW_SECONDS)
            for p in PRODUCERS
        ]
        configs.append(StreamConfig(name=self.stream(DEAD_LETTERS), subjects=[self.subject("deadletter.>")],
                                    storage=StorageType.FILE, num_replicas=replicas,
                                    duplicate_window=DUPLICATE_WINDOW_SECONDS))
        return configs


async def ensure_streams(js: JetStreamContext, names: BusNames, replicas: int = 1) -> None:
    """Create every stream if missing. Every service does this at start, so start order never matters."""
    from nats.js.errors import BadRequestError, NotFoundError

    for config in names.stream_configs(replicas):
        try:
            await js.stream_info(str(config.name))
        except NotFoundError:
            try:
                await js.add_stream(config)
            except BadRequestError as exc:  # another service created it a moment ago
                if "already in use" not in str(exc):
                    raise
