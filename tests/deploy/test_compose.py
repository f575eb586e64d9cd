"""What an operations team relies on when it deploys the product from docker-compose.yml and deploy/.

No Docker engine answers where these tests run, so they read the files instead of starting them:
the compose stack, the Dockerfile, the NATS and PostgreSQL set-up and the Kubernetes manifests must
say what deploy/README.md promises. Each test names the promise it keeps.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

# docs/architecture.md, "Running it": each service's module and port.
PORTS = {"referrals": 8101, "scheduling": 8102, "notifications": 8103, "audits": 8104, "reporting": 8105,
         "workspace": 8100}
SERVICES = tuple(PORTS)
NATS_NODES = ("nats-1", "nats-2", "nats-3")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def containers(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


@pytest.fixture(scope="module")
def k8s_docs() -> dict[str, list[dict]]:
    """Every manifest under deploy/k8s, by file name; each must parse as YAML documents."""
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        docs[path.name] = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    return docs


def _of_kind(k8s_docs, kind: str) -> list[dict]:
    return [d for docs in k8s_docs.values() for d in docs if d.get("kind") == kind]


def _of_services(k8s_docs, kind: str) -> list[dict]:
    """The product's own objects of a kind, not the broker's (nats.yaml; tests/deploy/test_bus_security.py)."""
    return [d for d in _of_kind(k8s_docs, kind) if d["metadata"]["labels"]["app.kubernetes.io/name"] != "nats"]


def _env(container: dict) -> dict[str, str]:
    env = container.get("environment") or {}
    assert isinstance(env, dict), "environment is written as a mapping, so tests and people can read it"
    return env


# --- docker compose -------------------------------------------------------------------------------

def test_compose_runs_the_five_services_and_everything_they_need(containers):
    """`docker compose up` brings up the whole product: the five services, a three-node broker
    cluster, PostgreSQL and a mail catcher; nobody has to start anything by hand."""
    for name in (*SERVICES, *NATS_NODES, "postgres", "mailpit"):
        assert name in containers, f"docker-compose.yml has no '{name}'"


@pytest.mark.parametrize("name", [*SERVICES, *NATS_NODES, "postgres", "mailpit", "issuer"])
def test_every_container_reports_its_health(containers, name):
    """`docker compose ps` shows (healthy) or (unhealthy) for every container, and `depends_on`
    can wait for health, only because each one declares a healthcheck."""
    check = containers[name].get("healthcheck")
    assert check and check.get("test"), f"'{name}' has no healthcheck"
    assert not check.get("disable"), f"'{name}' disables its healthcheck"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_is_healthy_only_when_its_health_endpoint_says_so(containers, service):
    """The service's /health is 200 only when its database and the broker answer; the compose
    healthcheck asks exactly that, on the service's own port."""
    test = " ".join(containers[service]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{PORTS[service]}/health" in test
    assert "curl" not in test and "wget" not in test, "the slim Python image has neither; use python -c"


def test_the_broker_is_a_three_node_jetstream_cluster_on_nats_2_12_or_newer(containers):
    """Events survive the loss of a node only if JetStream runs clustered on a recent server."""
    cluster_names = set()
    for node in NATS_NODES:
        spec = containers[node]
        image = spec["image"]
        match = re.match(r"nats:(\d+)\.(\d+)", image)
        assert match and (int(match[1]), int(match[2])) >= (2, 12), f"{node} runs {image}; needs 2.12+"
        command = spec["command"]
        assert "-js" in command, f"{node} does not enable JetStream"
        assert command[command.index("--name") + 1] == node, "JetStream needs a unique server name per node"
        cluster_names.add(command[command.index("--cluster_name") + 1])
        routes = command[command.index("--routes") + 1]
        for peer in NATS_NODES:
            assert f"nats://{peer}:6222" in routes, f"{node} has no route to {peer}"
        assert any("deploy/nats/nats-cluster.conf" in v for v in spec["volumes"]), \
            f"{node} does not mount the node configuration"
        assert any(v.endswith(":/data") for v in spec["volumes"]), f"{node} keeps its stream data nowhere durable"
    assert len(cluster_names) == 1, "all three nodes must name the same cluster"


def test_acknowledged_events_are_on_disk_and_on_three_nodes(containers):
    """Jepsen (2025) found NATS losing acknowledged writes with its default lazy fsync: the node
    configuration syncs every write, and every stream is replicated three times."""
    conf = (DEPLOY / "nats" / "nats-cluster.conf").read_text()
    active = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert re.search(r"jetstream\s*\{[^}]*sync_interval:\s*always", active), "sync_interval: always is missing"
    for service in SERVICES:
        assert _env(containers[service])["SAFEGUARD_STREAM_REPLICAS"] == "3", f"{service} would create R1 streams"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_connects_to_the_cluster_with_one_url(containers, service):
    """One seed that resolves to the cluster is enough (the client learns the other members), so the
    compose file names one, the alias every node shares, rather than a comma-separated list."""
    url = _env(containers[service])["NATS_URL"]
    assert "," not in url
    host = urlparse(url).hostname
    nodes_answering = {node for node in NATS_NODES if node == host or host in
                       containers[node].get("networks", {}).get("default", {}).get("aliases", [])}
    assert nodes_answering, f"{service}'s NATS_URL names no NATS node"


def test_each_service_has_a_database_of_its_own(containers):
    """No service reads another's store: each service's <SERVICE>_DATABASE_URL names a database that
    no other service uses, on the compose PostgreSQL, and init.sql creates it."""
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    databases = {}
    for service in SERVICES:
        env = _env(containers[service])
        url = urlparse(env[f"{service.upper()}_DATABASE_URL"])
        assert url.scheme.startswith("postgresql") and url.hostname == "postgres"
        databases[service] = url.path.lstrip("/")
        assert databases[service] == service, f"{service} should use the '{service}' database"
        assert re.search(rf"CREATE DATABASE {service}\b", init_sql), f"init.sql does not create '{service}'"
        others = [k for k in env if k.endswith("_DATABASE_URL") and k != f"{service.upper()}_DATABASE_URL"]
        assert not others, f"{service} is given another service's database: {others}"
    assert len(set(databases.values())) == len(SERVICES), f"two services share a database: {databases}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_starts_only_once_its_database_and_broker_are_healthy(containers, service):
    """A service migrates its database and declares its streams on start; it waits for PostgreSQL
    and every NATS node to be healthy instead of crash-looping until they are."""
    depends = containers[service]["depends_on"]
    for needed in ("postgres", *NATS_NODES):
        assert depends.get(needed, {}).get("condition") == "service_healthy", \
            f"{service} does not wait for a healthy {needed}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_built_from_the_one_dockerfile_and_listens_where_documented(containers, service):
    """One Dockerfile, a SERVICE build argument per image; each service listens on all interfaces
    inside its container, on its documented port, published on the host's loopback only."""
    spec = containers[service]
    assert spec["build"]["dockerfile"] == "deploy/Dockerfile"
    assert spec["build"]["context"] == "."
    assert spec["build"]["args"]["SERVICE"] == service
    env = _env(spec)
    assert env[f"{service.upper()}_HOST"] == "0.0.0.0"
    assert env[f"{service.upper()}_PORT"] == str(PORTS[service])
    assert spec["ports"] == [f"127.0.0.1:{PORTS[service]}:{PORTS[service]}"], \
        "case data must not be reachable from the network by accident"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_accepts_the_same_tokens(containers, service):
    """Tokens minted once are accepted by all five services: they verify with the same public key,
    issuer and audience, and wait until the key exists."""
    env = _env(containers[service])
    assert env["AUTH_PUBLIC_KEY_FILE"] == "/var/lib/safeguard/issuer/public.pem"
    assert (env["AUTH_ISSUER"], env["AUTH_AUDIENCE"]) == ("safeguard-local", "safeguard")
    assert containers[service]["depends_on"]["issuer"]["condition"] == "service_completed_successfully"


def test_notifications_sends_through_the_mail_catcher(containers):
    """Mail the stack sends lands in the catcher, whose web UI is published for people to read."""
    spec = containers["notifications"]
    env = _env(spec)
    assert env["SMTP_HOST"] == "mailpit" and env["SMTP_PORT"] == "1025"
    assert env["NOTIFICATIONS_SENDER"]
    directory = env["NOTIFICATIONS_DIRECTORY_FILE"]
    assert any(isinstance(v, str) and v.split(":")[1] == directory for v in spec["volumes"]), \
        "the recipient directory file is not mounted"
    assert spec["depends_on"]["mailpit"]["condition"] == "service_healthy"
    assert "127.0.0.1:8025:8025" in containers["mailpit"]["ports"]


# --- the image ------------------------------------------------------------------------------------

def test_one_dockerfile_builds_each_service_image(dockerfile):
    """`docker build --build-arg SERVICE=<name> -f deploy/Dockerfile .` gives that service's image:
    its module as the command and its port exposed."""
    assert re.search(r"^ARG SERVICE\s*$", dockerfile, re.M)
    assert re.search(r"^FROM python:3\.11-slim|^ARG PYTHON_IMAGE=python:3\.11-slim", dockerfile, re.M)
    assert "pip install -r requirements.txt" in dockerfile
    assert re.search(r'pip install --no-deps \./shared "?\./services/\$\{SERVICE\}', dockerfile)
    assert re.search(r"^FROM service-\$\{SERVICE\}", dockerfile, re.M)
    for service, port in PORTS.items():
        stage = re.search(rf"^FROM runtime AS service-{service}\n(.*?)(?=^FROM |\Z)", dockerfile, re.M | re.S)
        assert stage, f"no build stage for {service}"
        assert f"EXPOSE {port}" in stage[1]
        assert f'CMD ["python", "-m", "{service}"]' in stage[1]


def test_the_image_checks_its_own_health_and_runs_unprivileged(dockerfile):
    """Plain `docker run` knows whether the service is healthy (no curl in the slim image, so
    Python asks /health) and the process never runs as root."""
    healthcheck = re.search(r"^HEALTHCHECK .*?(?<!\\)\n", dockerfile, re.M | re.S)
    assert healthcheck, "no HEALTHCHECK"
    assert "python -c" in healthcheck[0] and "urllib" in healthcheck[0] and "/health" in healthcheck[0]
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")


# --- Kubernetes -----------------------------------------------------------------------------------

def test_kubernetes_manifests_parse_and_cover_every_service(k8s_docs):
    """`kubectl apply -k deploy/k8s` deploys all five services: each has a Deployment and a Service,
    and the kustomization lists every manifest except the example Secrets."""
    deployments = {d["metadata"]["name"] for d in _of_kind(k8s_docs, "Deployment")}
    services = {d["metadata"]["name"] for d in _of_services(k8s_docs, "Service")}
    assert deployments == set(SERVICES) and services == set(SERVICES)
    listed = set(k8s_docs["kustomization.yaml"][0]["resources"])
    on_disk = set(k8s_docs) - {"kustomization.yaml", "secrets.example.yaml"}
    assert listed == on_disk
    assert "secrets.example.yaml" not in listed, "real credentials must not be applied from the repository"


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_runs_two_probed_replicas(k8s_docs, service):
    """Each service scales out (two replicas share its durable consumers), and Kubernetes routes
    traffic only to pods whose /health is 200 (database and broker answer), and restarts only a pod
    whose process stops answering /livez — a restart does not cure an outage of PostgreSQL or NATS."""
    deployment = next(d for d in _of_kind(k8s_docs, "Deployment") if d["metadata"]["name"] == service)
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod.get("enableServiceLinks") is False, \
        f"Kubernetes would inject {service.upper()}_PORT=tcp://… and the service would read it as its port"
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": PORTS[service]}
    for probe, path in (("readinessProbe", "/health"), ("livenessProbe", "/livez")):
        get = container[probe]["httpGet"]
        assert get["path"] == path, f"{service} {probe} does not ask {path}"
        assert get["port"] in ("http", PORTS[service])
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    env = {e["name"]: e.get("value") for e in container["env"]}  # a secret's entry has valueFrom
    assert env[f"{service.upper()}_PORT"] == str(PORTS[service])
    assert env[f"{service.upper()}_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_takes_settings_from_a_configmap_and_its_database_from_a_secret(k8s_docs, service):
    """Shared settings come from one ConfigMap; the database URL, a credential, comes from a Secret
    that holds that service's database only."""
    deployment = next(d for d in _of_kind(k8s_docs, "Deployment") if d["metadata"]["name"] == service)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    config_maps = [s["configMapRef"]["name"] for s in container["envFrom"] if "configMapRef" in s]
    secrets = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
    assert "safeguard-common" in config_maps
    assert secrets == [f"{service}-database"]
    example = {d["metadata"]["name"]: d for d in k8s_docs["secrets.example.yaml"]}
    data = example[f"{service}-database"]["stringData"]
    assert list(data) == [f"{service.upper()}_DATABASE_URL"]
    assert urlparse(data[f"{service.upper()}_DATABASE_URL"]).path == f"/{service}"


def test_each_kubernetes_service_routes_to_its_own_pods(k8s_docs):
    for svc in _of_services(k8s_docs, "Service"):
        name = svc["metadata"]["name"]
        assert svc["spec"]["selector"] == {"app.kubernetes.io/name": name}
        assert [p["port"] for p in svc["spec"]["ports"]] == [PORTS[name]]


def test_the_cluster_settings_ask_for_replicated_streams_and_oidc_tokens(k8s_docs):
    """In production streams are R3 and tokens are verified against the OIDC issuer's JWKS."""
    (common,) = [d for d in _of_kind(k8s_docs, "ConfigMap") if d["metadata"]["name"] == "safeguard-common"]
    data = common["data"]
    assert data["SAFEGUARD_STREAM_REPLICAS"] == "3"
    assert "," not in data["NATS_URL"]
    assert data["AUTH_JWKS_URL"].startswith("https://")
    assert data["AUTH_ISSUER"] and data["AUTH_AUDIENCE"]
    assert "AUTH_PUBLIC_KEY_FILE" not in data


def test_the_operations_guide_explains_what_operators_must_know():
    guide = (DEPLOY / "README.md").read_text()
    for fact in ("sync_interval: always", "R3", "2.12", "Jepsen", "SKIP LOCKED", "durable",
                 "one database per service", "AUTH_JWKS_URL", "--build-arg SERVICE="):
        assert fact.lower() in guide.lower(), f"deploy/README.md does not cover '{fact}'"


def test_each_deployment_can_take_the_metrics_token_from_a_secret(k8s_docs):
    """Prometheus scrapes /metrics from outside the pod, which the services answer only with the token."""
    for deployment in _of_kind(k8s_docs, "Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        [entry] = [e for e in container["env"] if e["name"] == "SAFEGUARD_METRICS_TOKEN"]
        assert entry["valueFrom"]["secretKeyRef"]["name"] == "metrics-token"
    example = {d["metadata"]["name"]: d for d in k8s_docs["secrets.example.yaml"]}
    assert list(example["metrics-token"]["stringData"]) == ["SAFEGUARD_METRICS_TOKEN"]
