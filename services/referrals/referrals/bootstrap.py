"""Wires the referrals service: settings → runtime (store, bus, relay) → event handlers → HTTP app."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.access_log.http import access_log_router
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.settings import ServiceSettings

from .adapters import orm
from .adapters.documents import DocumentStore, FolderStore, object_store
from .application.event_handlers import EVENT_HANDLERS
from .config import ReferralsSettings, load_settings
from .entrypoints.adult_pathway import router as adult_pathway_router
from .entrypoints.case_search import router as case_search_router
from .entrypoints.child_pathway import router as child_pathway_router
from .entrypoints.documents import router as documents_router
from .entrypoints.for_notifications import router as for_notifications_router
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def bootstrap(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    # The durable consumer "referrals" on the scheduling stream, as before: the clock's rr.meeting window.
    runtime.handle_events(EVENT_HANDLERS)
    app = runtime.app(title="Safeguarding referrals",
                      routers=[router, child_pathway_router, adult_pathway_router, case_search_router,
                               documents_router, for_notifications_router, access_log_router()],
                      description="Intake for partner agencies; the children's and adults' review pathways.")
    app.state.documents = document_store(settings)
    return app


def document_store(settings: ServiceSettings) -> DocumentStore:
    """A case's documents in a bucket of S3-compatible object storage when one is named; otherwise in a
    folder of the data folder (the embedded default)."""
    folder = Path(settings.data_dir).resolve() / "documents"
    if isinstance(settings, ReferralsSettings) and settings.documents_bucket:
        return object_store(bucket=settings.documents_bucket, endpoint_url=settings.documents_endpoint_url,
                            region=settings.documents_region, access_key_id=settings.documents_access_key_id,
                            secret_access_key=settings.documents_secret_access_key,
                            prefix=settings.documents_prefix, incoming=folder / "incoming")
    return FolderStore(folder)
