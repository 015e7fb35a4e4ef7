"""The deployment files (Dockerfile, docker-compose.yml, deploy/k8s) agree with the code.

No Docker engine or cluster is needed: the files are parsed and checked against the service
definitions, ``ServiceSettings`` and the app's routes, and validated offline against the
Compose specification (check-jsonschema) and the Kubernetes OpenAPI schemas
(kubernetes-validate).
"""

from __future__ import annotations

import http.server
import importlib
import importlib.util
import json
import os
import re
import runpy
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy.engine import make_url

from events.service.app import create_service_app
from events.service.runtime import ServiceDefinition
from events.service.serve import SERVICES
from events.service.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S_DIR = ROOT / "deploy" / "k8s"
INIT_SQL = ROOT / "deploy" / "docker" / "postgres" / "init-databases.sql"
HEALTHCHECK_SCRIPT = ROOT / "deploy" / "docker" / "healthcheck.py"
SECRET_TEMPLATE = K8S_DIR / "secret.example.yaml"
KUSTOMIZATION = K8S_DIR / "kustomization.yaml"

SETTINGS_FIELDS = frozenset(ServiceSettings.model_fields)
HEALTH_PATHS = frozenset({"/readyz", "/healthz"})
# Values for the variables compose requires from the shell (``${VAR:?message}``).
SHELL_ENV = {
    "GUICHET_JWT_SECRET": "a-test-secret-that-is-long-enough-0123456789",
    "POSTGRES_PASSWORD": "a-test-database-password",
    "GUICHET_SERVICE_DB_PASSWORD": "a-test-service-password",
}
SERVICE_DB_ROLE = "guichet_service"
"""The role the services connect as: it may only insert and select events (the init script
creates it; the migrations, run as POSTGRES_USER, grant it)."""


def definition_of(package: str) -> ServiceDefinition:
    definition = importlib.import_module(f"{package}.service").DEFINITION
    assert isinstance(definition, ServiceDefinition)
    return definition


PACKAGES = tuple(SERVICES)
DEFINITIONS = {package: definition_of(package) for package in PACKAGES}
# Compose service / k8s object name (the service's DEFINITION.name) -> its Python package.
PACKAGE_OF = {definition.name: package for package, definition in DEFINITIONS.items()}


def test_the_five_services_are_known() -> None:
    assert sorted(PACKAGES) == sorted(["intake", "sla_clock", "approvals", "documents", "retention"])
    assert {name: DEFINITIONS[package].default_port for name, package in PACKAGE_OF.items()} == {
        "intake": 8001,
        "sla-clock": 8002,
        "approvals": 8003,
        "documents": 8004,
        "retention": 8005,
    }


# --------------------------------------------------------------------------- helpers

_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: object, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` against ``env``."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise KeyError(f"{name} is required: {arg}")
        return ""

    return _INTERPOLATION.sub(substitute, str(value))


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {
        str(key): str(value).lower() if isinstance(value, bool) else str(value) for key, value in raw.items()
    }


def app_paths(package: str) -> set[str]:
    app = create_service_app(DEFINITIONS[package])
    return set(app.openapi()["paths"])


def settings_from_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> ServiceSettings:
    """ServiceSettings exactly as the container would build them from ``env``."""
    for key in list(os.environ):
        if key.startswith("GUICHET_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return ServiceSettings()


@pytest.fixture(autouse=True)
def _no_guichet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own GUICHET_* variables must not leak into these checks."""
    for key in list(os.environ):
        if key.startswith("GUICHET_"):
            monkeypatch.delenv(key)


# --------------------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def compose_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services = compose["services"]
    assert isinstance(services, dict)
    return services


def test_compose_validates_against_the_compose_specification() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_the_five_services_with_postgres_and_kafka(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    assert set(PACKAGE_OF) <= set(compose_services)
    assert {"postgres", "kafka"} <= set(compose_services)
    assert set(compose_services) == set(PACKAGE_OF) | {"postgres", "kafka"}


@pytest.mark.parametrize("name", sorted(PACKAGE_OF))
def test_compose_service_command_port_and_build(
    name: str, compose_services: dict[str, dict[str, Any]]
) -> None:
    service = compose_services[name]
    package = PACKAGE_OF[name]
    port = DEFINITIONS[package].default_port

    assert service["command"] == ["python", "-m", package]
    assert importlib.util.find_spec(package) is not None
    assert importlib.util.find_spec(f"{package}.__main__") is not None
    assert environment_of(service)["GUICHET_PORT"] == str(port)
    assert service["ports"] == [f"{port}:{port}"]
    assert service["build"]["context"] == "."
    assert service["build"].get("dockerfile", "Dockerfile") == DOCKERFILE.name
    for dependency in ("postgres", "kafka"):
        assert service["depends_on"][dependency] == {"condition": "service_healthy"}


def test_compose_services_share_one_image(compose_services: dict[str, dict[str, Any]]) -> None:
    images = {compose_services[name]["image"] for name in PACKAGE_OF}
    assert len(images) == 1


@pytest.mark.parametrize("name", sorted(PACKAGE_OF))
def test_compose_environment_is_made_of_settings_fields(
    name: str, compose_services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment_of(compose_services[name])
    guichet = {key for key in env if key.startswith("GUICHET_")}
    assert {
        "GUICHET_PORT",
        "GUICHET_DATABASE_URL",
        "GUICHET_KAFKA_BOOTSTRAP",
        "GUICHET_JWT_SECRET",
        "GUICHET_HOST",
    } <= guichet
    unknown = {key for key in guichet if key.removeprefix("GUICHET_").lower() not in SETTINGS_FIELDS}
    assert not unknown, f"not ServiceSettings fields: {sorted(unknown)}"
    assert env.keys() == guichet, "only GUICHET_* settings belong in a service's environment"

    # The container's settings load (types, literals, JWT rule) and point at the production parts.
    resolved = {key: interpolate(value, SHELL_ENV) for key, value in env.items()}
    settings = settings_from_env(resolved, monkeypatch)
    assert not settings.embedded
    assert settings.port == DEFINITIONS[PACKAGE_OF[name]].default_port
    assert settings.host == "0.0.0.0"
    assert settings.jwt_secret == SHELL_ENV["GUICHET_JWT_SECRET"]


@pytest.mark.parametrize("name", sorted(PACKAGE_OF))
def test_compose_jwt_secret_must_come_from_the_shell(
    name: str, compose_services: dict[str, dict[str, Any]]
) -> None:
    value = environment_of(compose_services[name])["GUICHET_JWT_SECRET"]
    assert re.fullmatch(r"\$\{GUICHET_JWT_SECRET:\?[^}]+\}", value), value
    with pytest.raises(KeyError, match="GUICHET_JWT_SECRET"):
        interpolate(value, {})


def test_compose_gives_each_service_its_own_database(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    created = set(re.findall(r"(?im)^\s*CREATE\s+DATABASE\s+(\w+)\s*;", INIT_SQL.read_text()))
    databases = {}
    for name, package in PACKAGE_OF.items():
        url = make_url(interpolate(environment_of(compose_services[name])["GUICHET_DATABASE_URL"], SHELL_ENV))
        assert url.drivername == "postgresql"
        assert url.host == "postgres"
        assert url.port == 5432
        assert url.database == package
        assert url.database in created, f"{url.database} is not created by {INIT_SQL.name}"
        databases[name] = url.database
    assert len(set(databases.values())) == len(PACKAGE_OF)
    assert created == set(databases.values())


def test_compose_postgres_is_16_and_runs_the_init_script(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    postgres = compose_services["postgres"]
    assert re.fullmatch(r"postgres:16(\.\d+)*(-\w+)?", postgres["image"]), postgres["image"]
    mounts = [volume.split(":") for volume in postgres["volumes"]]
    init = [mount for mount in mounts if mount[1].startswith("/docker-entrypoint-initdb.d/")]
    assert len(init) == 1
    assert (ROOT / init[0][0]).resolve() == INIT_SQL.resolve()
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in test
    env = environment_of(postgres)
    # Migrations run as the role the image creates; the services connect as the init script's.
    assert f"CREATE ROLE {SERVICE_DB_ROLE} LOGIN" in INIT_SQL.read_text()
    for name in PACKAGE_OF:
        service_env = environment_of(compose_services[name])
        url = make_url(interpolate(service_env["GUICHET_MIGRATION_DATABASE_URL"], SHELL_ENV))
        assert url.username == env["POSTGRES_USER"]
        assert url.password == interpolate(env["POSTGRES_PASSWORD"], SHELL_ENV)
        url = make_url(interpolate(service_env["GUICHET_DATABASE_URL"], SHELL_ENV))
        assert url.username == SERVICE_DB_ROLE
        assert url.password == interpolate(env["GUICHET_SERVICE_DB_PASSWORD"], SHELL_ENV)


def test_compose_kafka_is_kraft_and_reachable_by_the_services(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    kafka = compose_services["kafka"]
    assert re.fullmatch(r"apache/kafka:3\.9\.\d+", kafka["image"]), kafka["image"]
    env = environment_of(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in env["KAFKA_LISTENERS"]
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    # The services never create topics: the broker must.
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "true"
    advertised = {listener.split("://", 1)[1] for listener in env["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    for name in PACKAGE_OF:
        assert environment_of(compose_services[name])["GUICHET_KAFKA_BOOTSTRAP"] in advertised
    assert any("kafka-broker-api-versions" in part for part in kafka["healthcheck"]["test"])


@pytest.mark.parametrize("name", sorted(PACKAGE_OF))
def test_compose_healthchecks_use_existing_routes(
    name: str, compose_services: dict[str, dict[str, Any]]
) -> None:
    test = compose_services[name]["healthcheck"]["test"]
    assert test[0] == "CMD"
    assert test[1:3] == ["python", "/usr/local/bin/guichet-healthcheck"]
    assert test[3] == "/readyz"
    assert test[3] in app_paths(PACKAGE_OF[name])


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def test_dockerfile_is_multi_stage_python_311_slim_and_non_root() -> None:
    instructions = dockerfile_instructions()
    args = dict(rest.split("=", 1) for keyword, rest in instructions if keyword == "ARG" and "=" in rest)
    froms = [rest.split()[0] for keyword, rest in instructions if keyword == "FROM"]
    assert len(froms) >= 2
    images = {args[image[2:-1]] if image.startswith("${") else image for image in froms}
    assert images == {"python:3.11-slim"}
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    envs = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "GUICHET_HOST=0.0.0.0" in envs
    guichet_env = set(re.findall(r"\b(GUICHET_\w+)=", envs))
    assert guichet_env and all(key.removeprefix("GUICHET_").lower() in SETTINGS_FIELDS for key in guichet_env)


def test_dockerfile_installs_the_lock_and_the_code() -> None:
    instructions = dockerfile_instructions()
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    assert any(
        re.search(r"pip install .*(-c|-r|--constraint|--requirement) requirements\.lock", run) for run in runs
    ), runs
    assert any("pip install --no-deps ." in run for run in runs)
    copies = [rest.split() for keyword, rest in instructions if keyword == "COPY"]
    sources = {part.rstrip("/") for copy in copies if not copy[0].startswith("--from") for part in copy[:-1]}
    assert {"requirements.lock", "pyproject.toml", "libs", "services"} <= sources
    # Every runtime dependency is pinned by the lock, so "-c requirements.lock" pins them all.
    pinned = {
        re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pinned, requirement


def test_dockerfile_default_command_and_healthcheck() -> None:
    instructions = dockerfile_instructions()
    cmd = [rest for keyword, rest in instructions if keyword == "CMD"][-1]
    argv = json.loads(cmd)
    assert argv[:2] == ["python", "-m"] and argv[2] in PACKAGES
    healthcheck = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"][-1]
    probe = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    assert probe[:2] == ["python", "/usr/local/bin/guichet-healthcheck"]
    assert probe[2] in HEALTH_PATHS and probe[2] in app_paths(argv[2])
    copies = [rest.split() for keyword, rest in instructions if keyword == "COPY"]
    assert ["deploy/docker/healthcheck.py", "/usr/local/bin/guichet-healthcheck"] in copies
    assert "urllib.request" in HEALTHCHECK_SCRIPT.read_text()
    exposed = {int(port) for keyword, rest in instructions if keyword == "EXPOSE" for port in rest.split()}
    assert exposed == {definition.default_port for definition in DEFINITIONS.values()}


def test_dockerignore_keeps_what_the_build_copies() -> None:
    patterns = [
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ".venv" in patterns and ".git" in patterns
    copies = [rest.split() for keyword, rest in dockerfile_instructions() if keyword == "COPY"]
    sources = [part.rstrip("/") for copy in copies if not copy[0].startswith("--from") for part in copy[:-1]]
    for source in sources:
        assert (ROOT / source).exists(), source
        for pattern in patterns:
            if pattern.startswith("!") or pattern.startswith("**"):
                continue
            assert not (source == pattern or source.startswith(pattern + "/")), (source, pattern)


# --------------------------------------------------------------------------- healthcheck script


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/healthz" else 503
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_healthcheck_script_exits_0_on_2xx_and_1_otherwise(
    local_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_PORT", str(local_server))
    module = runpy.run_path(str(HEALTHCHECK_SCRIPT))
    assert module["service_port"]() == local_server
    monkeypatch.setattr(sys, "argv", ["healthcheck", "/healthz"])
    assert module["main"]() == 0
    monkeypatch.setattr(sys, "argv", ["healthcheck", "/readyz"])
    assert module["main"]() == 1
    monkeypatch.delenv("GUICHET_PORT")
    assert module["service_port"]() in {8001, *(d.default_port for d in DEFINITIONS.values())}


# --------------------------------------------------------------------------- Kubernetes


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    return load_documents(KUSTOMIZATION)[0]


@pytest.fixture(scope="module")
def k8s_objects(kustomization: dict[str, Any]) -> list[dict[str, Any]]:
    objects = []
    for resource in kustomization["resources"]:
        objects.extend(load_documents(K8S_DIR / resource))
    return objects


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


@pytest.fixture(scope="module")
def secret_template() -> dict[str, Any]:
    (secret,) = load_documents(SECRET_TEMPLATE)
    assert secret["kind"] == "Secret"
    return secret


def test_kustomization_lists_every_manifest_but_the_secret_template(kustomization: dict[str, Any]) -> None:
    assert kustomization["kind"] == "Kustomization"
    files = {path.name for path in K8S_DIR.glob("*.yaml")} | {path.name for path in K8S_DIR.glob("*.yml")}
    assert set(kustomization["resources"]) == files - {KUSTOMIZATION.name, SECRET_TEMPLATE.name}
    assert SECRET_TEMPLATE.name not in kustomization["resources"]
    assert (K8S_DIR / "README.md").is_file()


K8S_MANIFESTS = sorted(p.name for p in K8S_DIR.glob("*.yaml") if p.name != KUSTOMIZATION.name)


@pytest.mark.parametrize("path", K8S_MANIFESTS)
def test_k8s_manifests_validate_against_the_kubernetes_schemas(path: str) -> None:
    documents = load_documents(K8S_DIR / path)
    assert documents
    for document in documents:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_k8s_has_a_deployment_and_a_service_per_service(k8s_objects: list[dict[str, Any]]) -> None:
    assert set(by_kind(k8s_objects, "Deployment")) == set(PACKAGE_OF)
    assert set(by_kind(k8s_objects, "Service")) == set(PACKAGE_OF)
    assert len(by_kind(k8s_objects, "ConfigMap")) == 1


def test_k8s_replicas(k8s_objects: list[dict[str, Any]]) -> None:
    deployments = by_kind(k8s_objects, "Deployment")
    assert {name: deployment["spec"]["replicas"] for name, deployment in deployments.items()} == {
        "intake": 2,
        "sla-clock": 1,
        "approvals": 1,
        "documents": 1,
        "retention": 1,
    }
    assert "advisory lock" in (K8S_DIR / "sla-clock.yaml").read_text()


@pytest.mark.parametrize("name", sorted(PACKAGE_OF))
def test_k8s_deployment_matches_the_service_definition(
    name: str, k8s_objects: list[dict[str, Any]], kustomization: dict[str, Any]
) -> None:
    package = PACKAGE_OF[name]
    port = DEFINITIONS[package].default_port
    deployment = by_kind(k8s_objects, "Deployment")[name]
    service = by_kind(k8s_objects, "Service")[name]
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]

    assert container["command"] == ["python", "-m", package]
    assert importlib.util.find_spec(f"{package}.__main__") is not None
    assert container["image"].split(":")[0] in {image["name"] for image in kustomization["images"]}
    (http_port,) = [p for p in container["ports"] if p["name"] == "http"]
    assert http_port["containerPort"] == port
    env = {item["name"]: item for item in container["env"]}
    assert env["GUICHET_PORT"]["value"] == str(port)

    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (service_port,) = service["spec"]["ports"]
    assert service_port["port"] == port
    assert service_port["targetPort"] in (port, "http")

    paths = app_paths(package)
    readiness = container["readinessProbe"]["httpGet"]
    liveness = container["livenessProbe"]["httpGet"]
    assert readiness["path"] == "/readyz" and readiness["path"] in paths
    assert liveness["path"] == "/healthz" and liveness["path"] in paths
    assert readiness["port"] in (port, "http") and liveness["port"] in (port, "http")

    resources = container["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) == {"cpu", "memory"}
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("name", sorted(PACKAGE_OF))
def test_k8s_environment_is_made_of_settings_fields_and_loads(
    name: str,
    k8s_objects: list[dict[str, Any]],
    secret_template: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deployment = by_kind(k8s_objects, "Deployment")[name]
    configmaps = by_kind(k8s_objects, "ConfigMap")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    secret_data = secret_template["stringData"]

    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    for item in container["env"]:
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            assert ref["name"] == secret_template["metadata"]["name"]
            if ref.get("optional") and ref["key"] not in secret_data:
                continue  # e.g. the audit key: no audit log without it
            assert ref["key"] in secret_data, ref["key"]
            env[item["name"]] = secret_data[ref["key"]]

    assert all(key.startswith("GUICHET_") for key in env)
    unknown = {key for key in env if key.removeprefix("GUICHET_").lower() not in SETTINGS_FIELDS}
    assert not unknown, f"not ServiceSettings fields: {sorted(unknown)}"
    assert {
        "GUICHET_PORT",
        "GUICHET_DATABASE_URL",
        "GUICHET_KAFKA_BOOTSTRAP",
        "GUICHET_JWT_SECRET",
        "GUICHET_HOST",
    } <= env.keys()

    settings = settings_from_env(env, monkeypatch)
    assert not settings.embedded
    assert settings.host == "0.0.0.0"
    assert settings.port == DEFINITIONS[PACKAGE_OF[name]].default_port


def test_k8s_secret_template_gives_each_service_its_own_database(
    k8s_objects: list[dict[str, Any]], secret_template: dict[str, Any]
) -> None:
    created = set(re.findall(r"(?im)^\s*CREATE\s+DATABASE\s+(\w+)\s*;", INIT_SQL.read_text()))
    databases = {}
    for name, deployment in by_kind(k8s_objects, "Deployment").items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        (item,) = [item for item in container["env"] if item["name"] == "GUICHET_DATABASE_URL"]
        url = make_url(secret_template["stringData"][item["valueFrom"]["secretKeyRef"]["key"]])
        assert url.drivername == "postgresql"
        assert url.database == PACKAGE_OF[name]
        assert url.database in created
        databases[name] = url.database
    assert len(set(databases.values())) == len(PACKAGE_OF)
    # Placeholders only: a template must never carry a usable secret.
    assert all("CHANGE-ME" in value for value in secret_template["stringData"].values())


def test_k8s_readme_says_kafka_and_postgres_are_external() -> None:
    readme = (K8S_DIR / "README.md").read_text()
    assert "Kafka" in readme and "PostgreSQL" in readme
    assert "outside this kustomization" in readme


# --------------------------------------------------------------------------- hardening


def test_compose_publishes_postgres_and_kafka_on_loopback_only(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    assert compose_services["postgres"]["ports"] == ["127.0.0.1:5432:5432"]
    assert compose_services["kafka"]["ports"] == ["127.0.0.1:9094:9094"]


def test_compose_has_no_default_database_password(compose_services: dict[str, dict[str, Any]]) -> None:
    postgres = environment_of(compose_services["postgres"])
    values = [("POSTGRES_PASSWORD", postgres["POSTGRES_PASSWORD"])]
    values += [("GUICHET_SERVICE_DB_PASSWORD", postgres["GUICHET_SERVICE_DB_PASSWORD"])]
    for name in PACKAGE_OF:
        service_env = environment_of(compose_services[name])
        values += [("POSTGRES_PASSWORD", service_env["GUICHET_MIGRATION_DATABASE_URL"])]
        values += [("GUICHET_SERVICE_DB_PASSWORD", service_env["GUICHET_DATABASE_URL"])]
    for variable, value in values:
        assert f"${{{variable}:?" in value, value
        with pytest.raises(KeyError, match=variable):
            interpolate(value, {})


def test_k8s_every_pod_has_a_disruption_budget(k8s_objects: list[dict[str, Any]]) -> None:
    budgets = by_kind(k8s_objects, "PodDisruptionBudget")
    deployments = by_kind(k8s_objects, "Deployment")
    assert set(budgets) == set(deployments)
    for name, budget in budgets.items():
        assert budget["spec"]["selector"] == deployments[name]["spec"]["selector"]
        if deployments[name]["spec"]["replicas"] > 1:
            assert budget["spec"]["minAvailable"] == 1
        else:  # minAvailable 1 on one replica would block every node drain
            assert budget["spec"]["maxUnavailable"] == 1


def test_k8s_stateless_services_autoscale_and_sla_clock_does_not(k8s_objects: list[dict[str, Any]]) -> None:
    autoscalers = by_kind(k8s_objects, "HorizontalPodAutoscaler")
    deployments = by_kind(k8s_objects, "Deployment")
    assert set(autoscalers) == set(PACKAGE_OF) - {"sla-clock"}
    for name, autoscaler in autoscalers.items():
        spec = autoscaler["spec"]
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert spec["minReplicas"] == deployments[name]["spec"]["replicas"] < spec["maxReplicas"]
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["resources"]["requests"]["cpu"], "CPU utilisation needs a CPU request"


def test_k8s_network_policies_admit_only_the_http_port(k8s_objects: list[dict[str, Any]]) -> None:
    policies = by_kind(k8s_objects, "NetworkPolicy")
    deployments = by_kind(k8s_objects, "Deployment")
    assert set(policies) == set(deployments)
    for name, policy in policies.items():
        spec = policy["spec"]
        assert spec["podSelector"] == deployments[name]["spec"]["selector"]
        assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
        assert spec["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]
        egress_ports = {(port["port"], port["protocol"]) for rule in spec["egress"] for port in rule["ports"]}
        assert {(53, "UDP"), (5432, "TCP"), (9092, "TCP")} <= egress_ports


def test_k8s_scratch_volumes_are_bounded(k8s_objects: list[dict[str, Any]]) -> None:
    for deployment in by_kind(k8s_objects, "Deployment").values():
        volumes = deployment["spec"]["template"]["spec"]["volumes"]
        assert volumes
        for volume in volumes:
            assert volume["emptyDir"]["sizeLimit"], volume


def test_k8s_sla_clock_rolls_out_with_two_pods_because_two_instances_fire_once(
    k8s_objects: list[dict[str, Any]],
) -> None:
    """A rolling update runs the old and the new pod together: safe only because two schedulers
    on one database fire each threshold once, which that test proves on PostgreSQL."""
    deployment = by_kind(k8s_objects, "Deployment")["sla-clock"]
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    proof = "tests/integration/sla_clock/test_sla_clock_two_instances.py"
    assert proof in (K8S_DIR / "sla-clock.yaml").read_text()
    assert (ROOT / proof).is_file()
