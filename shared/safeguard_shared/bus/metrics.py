"""Prometheus metrics shared by every service (one process serves one service, labelled by name)."""
from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter("safeguard_events_published_total", "Events the outbox relay published", ["service"])
EVENTS_HANDLED = Counter("safeguard_events_handled_total", "Events handled by a consumer",
                         ["service", "consumer", "outcome"])
EVENTS_DEAD_LETTERED = Counter("safeguard_events_dead_lettered_total", "Events sent to the dead-letter stream",
                               ["service", "consumer"])
OUTBOX_SET_ASIDE = Counter("safeguard_outbox_set_aside_total",
                           "Events the outbox relay set aside because the broker will never take them",
                           ["service", "kind"])
OUTBOX_BACKLOG = Gauge("safeguard_outbox_backlog", "Events recorded but not yet published", ["service"])
HANDLE_SECONDS = Histogram("safeguard_event_handle_seconds", "Time to handle one event", ["service", "consumer"])
