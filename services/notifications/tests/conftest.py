"""The notifications service's test fixtures: a real SMTP server (aiosmtpd) that the tests start and
script, and the service itself wired to it, on SQLite and PostgreSQL, with a clock the test moves.

The SMTP server runs in its own thread (aiosmtpd's Controller); the tests tell it, per address,
which replies to give (``451`` now, then accept; ``550`` always …) and read back every message
that it accepted, parsed.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from safeguard_shared.clock import ManualClock
from safeguard_testing.apps import InProcess, _client, build, settings_for
from safeguard_testing.smtp import SmtpServer

# Monday 21 December 2026, 10:00 in London: docs/architecture.md's business date.
START = dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made here (so the test needs no files of its own)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "relay.pem", directory / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def tls_server(directory: Path, username: str, password: str) -> SmtpServer:
    """A relay that insists on STARTTLS and then on a login, as a partnership's relay would."""
    cert_file, key_file = self_signed_certificate(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)

    def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ARG001
        ok = auth_data.login == username.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    server = SmtpServer(tls_context=context, require_starttls=True, auth_required=True,
                        authenticator=authenticator)
    server.ca_file = cert_file
    return server


@asynccontextmanager
async def notifications_service(database_url: str, data_dir: Path, issuer, clock=None, **settings):
    """The notifications service as its bootstrap wires it, store migrated, no broker or loops:
    only the test dispatches. ``settings`` by field name (channel="smtp", smtp_port=…)."""
    service_dir = Path(data_dir) / "notifications"
    # No referrals service here (nothing listens on port 1): the Panel's rapid review template, whose
    # free text it gives at each attempt, waits; it is sent and read in
    # tests/integration/test_rapid_review_template_reaches_the_panel.py.
    settings.setdefault("referrals_url", "http://127.0.0.1:1")
    config = settings_for("notifications", database_url=database_url, nats_url="nats://127.0.0.1:1",
                          bus_namespace="unused", data_dir=service_dir, issuer=issuer, **settings)
    app = build("notifications", config, clock or ManualClock(START))
    await app.state.runtime.migrate()
    try:
        async with _client("notifications", app) as client:
            yield InProcess("notifications", app, client, config, service_dir)
    finally:
        await app.state.runtime.engine.dispose()


def smtp_settings(server: SmtpServer, **more) -> dict:
    return dict(channel="smtp", smtp_host="127.0.0.1", smtp_port=server.port, smtp_timeout=10.0, **more)


# Test modules cannot import this file by name (pytest's importlib mode): its helpers are fixtures.

@pytest.fixture
def make_service():
    """``async with make_service(database_url, data_dir, issuer, clock, **settings) as service``."""
    return notifications_service


@pytest.fixture
def over_smtp():
    """``over_smtp(server, **more)``: the settings that point the service at that SMTP server."""
    return smtp_settings


@pytest.fixture
def tls_relay(tmp_path):
    server = tls_server(tmp_path, "partnership-relay-user", "s3cret-relay-pass").start()
    yield server
    server.stop()


@pytest.fixture
def unstarted_smtp_server():
    """A port with no SMTP server on it yet (connection refused), and the server to start there."""
    server = SmtpServer()
    yield server
    server.stop()
