"""Start-up refuses weak or misplaced JWT verification keys, with one line naming the reason."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import ValidationError

from events.service.app import settings_for
from events.service.runtime import ServiceDefinition
from events.service.settings import DEV_JWT_SECRET, ServiceSettings, StartupRefused

POSTGRES = "postgresql://db/intake"
STRONG = "0123456789abcdef0123456789abcdef"
DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit")


def rsa_public_key() -> rsa.RSAPublicKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()


def pem(key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def bare_base64(key: rsa.RSAPublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()


def refusal_of(**values: object) -> str:
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(**values)  # type: ignore[arg-type]
    [error] = refused.value.errors()
    return str(error["msg"])


@pytest.mark.parametrize("secret", ["x", "s" * 31, "é" * 15])
def test_an_hmac_secret_shorter_than_32_bytes_is_refused(secret: str) -> None:
    size = len(secret.encode())
    assert f"GUICHET_JWT_SECRET is {size} bytes: HS256 needs at least 32" in refusal_of(
        database_url=POSTGRES, jwt_secret=secret
    )


def test_a_32_byte_hmac_secret_starts() -> None:
    assert ServiceSettings(database_url=POSTGRES, jwt_secret=STRONG).verification_key == STRONG


@pytest.mark.parametrize("form", ["pem", "bare base64"])
def test_a_public_key_is_never_used_as_an_hmac_secret(form: str) -> None:
    key = rsa_public_key()
    text = pem(key) if form == "pem" else bare_base64(key)
    assert "GUICHET_JWT_PUBLIC_KEY is refused with GUICHET_JWT_ALGORITHM=HS256" in refusal_of(
        database_url=POSTGRES, jwt_public_key=text
    )
    assert "GUICHET_JWT_SECRET holds a public key" in refusal_of(database_url=POSTGRES, jwt_secret=text)


def test_an_ssh_public_key_is_not_an_hmac_secret() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    ssh = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + " ops@example"
    assert "holds a public key" in refusal_of(database_url=POSTGRES, jwt_secret=ssh)


def test_an_asymmetric_algorithm_needs_a_public_key_it_can_load() -> None:
    assert "GUICHET_JWT_ALGORITHM=RS256 needs GUICHET_JWT_PUBLIC_KEY" in refusal_of(
        database_url=POSTGRES, jwt_secret=STRONG, jwt_algorithm="RS256"
    )
    assert "not a valid ES256 key" in refusal_of(
        database_url=POSTGRES, jwt_public_key=pem(rsa_public_key()), jwt_algorithm="ES256"
    )
    rsa_pem = pem(rsa_public_key())
    settings = ServiceSettings(database_url=POSTGRES, jwt_public_key=rsa_pem, jwt_algorithm="RS256")
    assert settings.verification_key == rsa_pem
    eddsa = pem(ed25519.Ed25519PrivateKey.generate().public_key())
    assert ServiceSettings(database_url=POSTGRES, jwt_public_key=eddsa, jwt_algorithm="EdDSA")


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "guichet.internal"])
def test_the_development_secret_is_refused_off_loopback(host: str) -> None:
    assert f"development JWT secret is refused on GUICHET_HOST={host}" in refusal_of(host=host)
    assert "development JWT secret is refused" in refusal_of(host=host, jwt_secret=DEV_JWT_SECRET)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "localhost"])
def test_the_development_secret_is_accepted_on_loopback(host: str) -> None:
    assert ServiceSettings(host=host).verification_key == DEV_JWT_SECRET


def test_the_docker_image_defaults_start_only_with_a_key_of_their_own() -> None:
    """The image sets GUICHET_HOST=0.0.0.0 and no database URL (embedded)."""
    assert "development JWT secret is refused" in refusal_of(host="0.0.0.0", data_dir="/app/data")
    assert ServiceSettings(host="0.0.0.0", jwt_secret=STRONG).embedded


def test_a_refusal_is_one_line_and_never_quotes_the_secret() -> None:
    with pytest.raises(StartupRefused) as refused:
        settings_for(DEFINITION, host="0.0.0.0", jwt_secret="tiny-secret")
    message = str(refused.value)
    assert message == (
        "kit refused to start: GUICHET_JWT_SECRET is 11 bytes: HS256 needs at least 32 random bytes"
    )
    with pytest.raises(ValidationError) as invalid:
        ServiceSettings(jwt_secret="tiny-secret")
    assert "tiny-secret" not in str(invalid.value)
