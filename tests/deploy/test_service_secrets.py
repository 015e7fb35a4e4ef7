"""Settings only one service reads (documents' SMTP server) reach that service alone: declared
in services.toml, each an optional key of the Secret template (commented out, as the audit
key), read by that Deployment only, and each the name of a setting the service loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from documents.adapters.smtp import MailSettings
from events.service.declaration import declared_services

K8S_DIR = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SMTP_ENV = {
    "GUICHET_SMTP_HOST",
    "GUICHET_SMTP_PORT",
    "GUICHET_SMTP_TLS",
    "GUICHET_SMTP_USERNAME",
    "GUICHET_SMTP_PASSWORD",
    "GUICHET_MAIL_FROM",
}


def deployment_and_policy(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    objects = [doc for doc in yaml.safe_load_all((K8S_DIR / f"{name}.yaml").read_text()) if doc]
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    (policy,) = [o for o in objects if o["kind"] == "NetworkPolicy"]
    return deployment, policy


def secret_refs(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {
        item["name"]: item["valueFrom"]["secretKeyRef"] for item in container["env"] if "valueFrom" in item
    }


def egress_ports(policy: dict[str, Any]) -> set[int]:
    return {port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]}


def test_documents_declares_the_smtp_settings_it_reads() -> None:
    (documents,) = [s for s in declared_services() if s.name == "documents"]
    assert {secret.env for secret in documents.secrets} == SMTP_ENV
    fields = {f"GUICHET_{name.upper()}" for name in MailSettings.model_fields}
    assert SMTP_ENV <= fields


def test_the_declared_examples_load_as_the_services_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    (documents,) = [s for s in declared_services() if s.name == "documents"]
    for secret in documents.secrets:
        monkeypatch.setenv(secret.env, secret.example)
    settings = MailSettings()
    assert (settings.smtp_host, settings.port, settings.smtp_tls) == (
        "smtp.example.internal",
        587,
        "starttls",
    )
    assert (settings.smtp_username, settings.smtp_password) == ("guichet-documents", "CHANGE-ME")
    assert settings.mail_from == "service-client@example.org"


@pytest.mark.parametrize("service", declared_services(), ids=lambda s: s.name)
def test_only_the_declaring_service_reads_its_settings_and_reaches_its_ports(service: Any) -> None:
    deployment, policy = deployment_and_policy(service.name)
    refs = secret_refs(deployment)
    template = (K8S_DIR / "secret.example.yaml").read_text()
    for secret in service.secrets:
        key = secret.key(service.name)
        assert refs[secret.env] == {"name": "guichet-secrets", "key": key, "optional": True}
        assert f'# {key}: "{secret.example}"' in template
    others = {s.env for other in declared_services() if other.name != service.name for s in other.secrets}
    assert not (others - {s.env for s in service.secrets}) & refs.keys()
    assert set(service.egress_ports) <= egress_ports(policy)
    if service.name != "documents":
        assert not {25, 465, 587} & egress_ports(policy)
