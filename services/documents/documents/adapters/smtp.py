"""Email out through an SMTP server (``aiosmtplib``), TLS and authentication set explicitly.

Settings (``GUICHET_SMTP_*``): ``HOST`` (unset: the embedded default, a maildir), ``PORT``,
``TLS`` = ``starttls`` (the default; port 587), ``implicit`` (port 465) or ``none`` (a relay
on a trusted network only: refused with credentials, which would travel in clear),
``USERNAME`` / ``PASSWORD`` (both or neither), ``TIMEOUT`` seconds, ``CONNECTIONS`` (messages
handed over at once, default 4); ``GUICHET_MAIL_FROM``; ``GUICHET_SURVEY_URL`` (intake's public
base URL). Each connection is kept open and reused, and opened again after a failure;
``SmtpPool`` keeps ``CONNECTIONS`` of them."""

from __future__ import annotations

import asyncio
import ssl
from typing import Literal

import aiosmtplib
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from documents.app.mail import DeliveryDeferred, DeliveryRefused, Mail


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUICHET_", extra="ignore", hide_input_in_errors=True)

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_tls: Literal["starttls", "implicit", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 10.0
    smtp_connections: int = Field(default=4, ge=1, le=32)
    mail_from: str = "service-client@guichet.localhost"
    survey_url: str | None = None
    """Where customers answer surveys (intake's base URL); default: intake on this host."""

    @model_validator(mode="after")
    def _explicit_security(self) -> MailSettings:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("GUICHET_SMTP_USERNAME and GUICHET_SMTP_PASSWORD go together")
        if self.smtp_tls == "none" and self.smtp_username is not None:
            raise ValueError("GUICHET_SMTP_TLS=none with credentials would send them in clear")
        return self

    @property
    def port(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        return {"starttls": 587, "implicit": 465, "none": 25}[self.smtp_tls]


class SmtpSender:
    def __init__(self, settings: MailSettings, tls_context: ssl.SSLContext | None = None) -> None:
        if settings.smtp_host is None:
            raise ValueError("no SMTP host configured")
        self.settings = settings
        self.tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.port,
            use_tls=s.smtp_tls == "implicit",
            start_tls=s.smtp_tls == "starttls",
            validate_certs=True,
            tls_context=self.tls_context,
            username=s.smtp_username,
            password=s.smtp_password,
            timeout=s.smtp_timeout,
        )

    async def send(self, mail: Mail) -> None:
        async with self._lock:
            try:
                if self._client is None or not self._client.is_connected:
                    self._client = self._new_client()
                    await self._client.connect()
                errors, _ = await self._client.sendmail(mail.sender, list(mail.recipients), mail.message)
            except aiosmtplib.SMTPRecipientsRefused as refused:
                if all(r.code >= 500 for r in refused.recipients):
                    raise DeliveryRefused(_describe(refused)) from None
                raise DeliveryDeferred(_describe(refused), unreachable=False) from None
            except aiosmtplib.SMTPResponseException as answer:
                await self._drop()
                if answer.code >= 500:
                    raise DeliveryRefused(f"{answer.code} {answer.message}") from None
                raise DeliveryDeferred(f"{answer.code} {answer.message}", unreachable=False) from None
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                await self._drop()
                raise DeliveryDeferred(f"{type(error).__name__}: {error}", unreachable=True) from None
        if errors:
            raise DeliveryRefused("; ".join(f"{to}: {code} {text}" for to, (code, text) in errors.items()))

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()

    async def close(self) -> None:
        async with self._lock:
            await self._drop()


class SmtpPool:
    """``connections`` SMTP connections (default: the settings'), each message sent on a free
    one: the worker hands several messages over at once."""

    def __init__(self, settings: MailSettings, connections: int | None = None) -> None:
        count = settings.smtp_connections if connections is None else connections
        self._senders = [SmtpSender(settings) for _ in range(count)]
        self._free: asyncio.Queue[SmtpSender] = asyncio.Queue()
        for sender in self._senders:
            self._free.put_nowait(sender)

    async def send(self, mail: Mail) -> None:
        sender = await self._free.get()
        try:
            await sender.send(mail)
        finally:
            self._free.put_nowait(sender)

    async def close(self) -> None:
        for sender in self._senders:
            await sender.close()


def _describe(refused: aiosmtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in refused.recipients)
