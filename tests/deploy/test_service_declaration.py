"""The service declaration (``services.toml``) is the one place a service is registered.

Every file that lists the services is generated from it (and must be up to date) or checked
against it here, with a message naming the file that disagrees and how to fix it.
"""

from __future__ import annotations

import fnmatch
import importlib
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from events.catalogue import REGISTRY, load_all
from events.service.declaration import (
    DECLARATION_FILE,
    DeclarationError,
    DeclaredService,
    declared,
    declared_services,
    identity_of,
    parse_declaration,
)
from events.service.deployment import (
    GENERATED_MARK,
    SERVICE_LIST_MARK,
    GeneratedFile,
    main,
    orphans,
    render_files,
    stale,
    write,
)
from events.service.runtime import ServiceDefinition
from events.service.serve import SERVICES

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "libs" / "events" / "events" / "catalogue"
PLATFORM_CONTEXTS = {"audit"}
"""Catalogue modules no single service owns: every service produces their events in its own
store and topic (the audit log's checkpoints, cosignatures and alarms)."""
DECLARED = declared_services()
GENERATED = render_files(ROOT, DECLARED)


def definition_of(package: str) -> ServiceDefinition:
    definition = importlib.import_module(f"{package}.service").DEFINITION
    assert isinstance(definition, ServiceDefinition)
    return definition


# --------------------------------------------------------------------------- generated files


@pytest.mark.parametrize("generated", GENERATED, ids=lambda file: str(file.path))
def test_generated_file_is_up_to_date(generated: GeneratedFile) -> None:
    path, text = generated.path, generated.text
    assert (ROOT / path).is_file(), f"{path} is missing: run `make services`"
    assert (ROOT / path).read_text() == text, (
        f"{path} disagrees with {DECLARATION_FILE} or deploy/templates/: edit those (not {path}), "
        "run `make services` and commit the result"
    )


def test_no_generated_file_is_left_from_a_service_no_longer_declared() -> None:
    assert orphans(ROOT, GENERATED) == [], "run `make services`: it removes them"


def test_generated_files_carry_the_mark_that_says_so() -> None:
    for file in GENERATED:
        assert (GENERATED_MARK if file.template else SERVICE_LIST_MARK) in file.text, file.path


# --------------------------------------------------------------------------- the packages


@pytest.mark.parametrize("service", DECLARED, ids=lambda service: service.name)
def test_each_declared_service_has_its_package_and_definition(service: DeclaredService) -> None:
    package_dir = ROOT / service.directory / service.package
    assert (package_dir / "service.py").is_file(), f"{service.name}: expected {package_dir}/service.py"
    assert (package_dir / "__main__.py").is_file(), f"{service.name}: expected {package_dir}/__main__.py"
    definition = definition_of(service.package)
    assert (definition.name, definition.context, definition.default_port) == (
        service.name,
        service.context,
        service.port,
    ), f"{service.package}.service.DEFINITION must take **identity_of({service.package!r})"
    assert definition.topic == service.topic == f"guichet.{service.context}"


def test_serve_starts_every_declared_service_in_declaration_order() -> None:
    assert SERVICES == tuple(service.package for service in DECLARED)


def test_consumed_contexts_are_declared() -> None:
    contexts = {service.context for service in DECLARED}
    for service in DECLARED:
        unknown = set(definition_of(service.package).consumes) - contexts
        assert not unknown, f"{service.name} consumes undeclared contexts {sorted(unknown)}"


def test_pyproject_packages_every_declared_service() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    first_party = pyproject["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    for service in DECLARED:
        assert service.directory in find["where"], (
            f"pyproject.toml [tool.setuptools.packages.find] where: add {service.directory!r}"
        )
        assert f"{service.package}*" in find["include"], (
            f"pyproject.toml [tool.setuptools.packages.find] include: add '{service.package}*'"
        )
        assert service.package in first_party, (
            f"pyproject.toml [tool.ruff.lint.isort] known-first-party: add {service.package!r}"
        )


def test_import_linter_contracts_cover_every_declared_service() -> None:
    linter = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"].get("importlinter")
    if linter is None:
        return
    layered = {
        package
        for contract in linter.get("contracts", [])
        if contract["type"] == "layers"
        for package in contract.get("containers", [])
    }
    packages = {service.package for service in DECLARED}
    where = "pyproject.toml [tool.importlinter]"
    for service in DECLARED:
        assert service.package in linter["root_packages"], f"{where} root_packages: add {service.package!r}"
        assert service.package in layered, (
            f"{where}: add {service.package!r} to a layers contract's containers"
        )
    # A contract naming several services is about services: it names all of them.
    for contract in linter.get("contracts", []):
        for key in ("modules", "source_modules"):
            named = packages & set(contract.get(key, []))
            assert len(named) < 2 or named == packages, (
                f"{where} contract {contract['id']!r} {key}: add {sorted(packages - named)}"
            )


def test_the_declaration_ships_in_the_package() -> None:
    """The image installs the package (not the checkout): services.toml must be package data."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert any(fnmatch.fnmatch("services.toml", pattern) for pattern in patterns["*"])
    assert (ROOT / DECLARATION_FILE).is_file()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "python -m events.service.declaration" in dockerfile


# --------------------------------------------------------------------------- the catalogue


def test_each_declared_context_has_its_catalogue_module() -> None:
    modules = {path.stem for path in CATALOGUE.glob("*.py")} - {"__init__"}
    contexts = {service.context for service in DECLARED}
    assert contexts - modules == set(), (
        f"add libs/events/events/catalogue/<context>.py for {contexts - modules}"
    )
    assert modules - contexts - PLATFORM_CONTEXTS == set(), (
        f"catalogue modules of undeclared contexts: {modules - contexts - PLATFORM_CONTEXTS}"
    )


def test_load_all_imports_every_declared_context_and_nothing_else_produces() -> None:
    load_all()
    for service in DECLARED:
        assert f"events.catalogue.{service.context}" in sys.modules, (
            f"events.catalogue.load_all must import the {service.context} module"
        )
    contexts = {service.context for service in DECLARED}
    producers = {
        REGISTRY.context_of(model.event_type)
        for model in REGISTRY
        if model.__module__.startswith("events.catalogue.")  # tests register their own events
    }
    assert producers <= contexts | PLATFORM_CONTEXTS, (
        f"events of undeclared contexts: {sorted(producers - contexts - PLATFORM_CONTEXTS)}"
    )


# --------------------------------------------------------------------------- the declaration


ENTRY = (
    'name = "{name}"\npackage = "{package}"\ncontext = "{package}"\nport = {port}\ndatabase = "{package}"\n'
)


def toml_of(*entries: str) -> str:
    return "".join(f"[[service]]\n{entry}\n" for entry in entries)


def test_the_declaration_reads_each_field() -> None:
    (service,) = parse_declaration(toml_of(ENTRY.format(name="a-b", package="a_b", port=9001)))
    assert service == DeclaredService(name="a-b", package="a_b", context="a_b", port=9001, database="a_b")
    assert service.replicas == 1 and service.topic == "guichet.a_b" and service.directory == "services/a-b"
    assert identity_of("sla_clock") == {"name": "sla-clock", "context": "sla_clock", "default_port": 8002}
    assert declared("intake").replicas == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            toml_of(
                ENTRY.format(name="a", package="a", port=9001), ENTRY.format(name="b", package="b", port=9001)
            ),
            "a and b share the port 9001",
        ),
        (
            toml_of(
                ENTRY.format(name="a", package="a", port=9001), ENTRY.format(name="a", package="b", port=9002)
            ),
            "share the name 'a'",
        ),
        (toml_of(ENTRY.format(name="a", package="a", port=9001) + 'topic = "x"\n'), "service #1"),
        (toml_of(ENTRY.format(name="A", package="a", port=9001)), "service #1"),
        (toml_of('name = "a"\n'), "service #1"),
        ("", "declares no service"),
        ("[other]\n", "only [[service]] entries"),
        ("[[service]\n", DECLARATION_FILE),
    ],
)
def test_the_declaration_refuses_what_would_disagree(text: str, message: str) -> None:
    with pytest.raises(DeclarationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_declaration(text)


def test_an_undeclared_package_is_named() -> None:
    with pytest.raises(DeclarationError, match="'billing' is not declared"):
        identity_of("billing")


# --------------------------------------------------------------------------- a new service


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The templates and the hand-written k8s README of this repository, in a scratch root."""
    shutil.copytree(ROOT / "deploy" / "templates", tmp_path / "deploy" / "templates")
    (tmp_path / "deploy" / "k8s").mkdir(parents=True)
    shutil.copy(ROOT / "deploy" / "k8s" / "README.md", tmp_path / "deploy" / "k8s" / "README.md")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


BILLING = DeclaredService(name="billing", package="billing", context="billing", port=8006, database="billing")


def test_one_declaration_entry_gives_a_new_service_its_whole_deployment(checkout: Path) -> None:
    write(checkout, (*DECLARED, BILLING))

    compose = yaml.safe_load((checkout / "docker-compose.yml").read_text())["services"]["billing"]
    assert compose["command"] == ["python", "-m", "billing"]
    assert compose["ports"] == ["8006:8006"]
    assert compose["environment"]["GUICHET_DATABASE_URL"].endswith("@postgres:5432/billing")
    assert "CREATE DATABASE billing;" in (checkout / "deploy/docker/postgres/init-databases.sql").read_text()
    kustomization = yaml.safe_load((checkout / "deploy/k8s/kustomization.yaml").read_text())
    assert "billing.yaml" in kustomization["resources"]
    deployment, service, budget, policy = yaml.safe_load_all(
        (checkout / "deploy/k8s/billing.yaml").read_text()
    )
    assert (budget["kind"], policy["kind"]) == ("PodDisruptionBudget", "NetworkPolicy")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "billing"]
    assert service["spec"]["ports"][0]["port"] == 8006
    secret = yaml.safe_load((checkout / "deploy/k8s/secret.example.yaml").read_text())
    assert secret["stringData"]["billing-database-url"].endswith("/billing")
    assert "EXPOSE 8001 8002 8003 8004 8005 8006" in (checkout / "Dockerfile").read_text()
    assert "| billing   | `billing`   | 8006 |" in (checkout / "deploy/k8s/README.md").read_text()
    pyproject = tomllib.loads((checkout / "pyproject.toml").read_text())
    assert "services/billing" in pyproject["tool"]["setuptools"]["packages"]["find"]["where"]
    assert "billing*" in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    assert "billing" in pyproject["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    linter = pyproject["tool"]["importlinter"]
    assert "billing" in linter["root_packages"]
    assert all(
        "billing" in contract[key]
        for contract in linter["contracts"]
        for key in ("containers", "source_modules", "modules")
        if "intake" in contract.get(key, [])
    )
    assert stale(checkout, (*DECLARED, BILLING)) == []


def test_a_service_no_longer_declared_loses_its_manifest(checkout: Path) -> None:
    write(checkout, (*DECLARED, BILLING))
    assert (
        "deploy/k8s/billing.yaml was generated for a service that is no longer declared: run `make services`"
        in stale(checkout, DECLARED)
    )
    changes = write(checkout, DECLARED)
    assert "removed deploy/k8s/billing.yaml" in changes
    assert not (checkout / "deploy/k8s/billing.yaml").exists()
    assert stale(checkout, DECLARED) == []


def test_check_names_the_stale_file_and_the_command(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(checkout, DECLARED)
    assert main(["check", "--root", str(checkout)]) == 0
    compose = checkout / "docker-compose.yml"
    compose.write_text(compose.read_text().replace('"8003:8003"', '"8013:8003"'))

    assert main(["check", "--root", str(checkout)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"docker-compose.yml disagrees with {DECLARATION_FILE}")
    assert "run `make services`" in line
    assert main(["render", "--root", str(checkout)]) == 0
    assert "wrote docker-compose.yml" in capsys.readouterr().out
    assert stale(checkout, DECLARED) == []
