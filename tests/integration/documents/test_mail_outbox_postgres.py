"""The email outbox on PostgreSQL: three workers draining one outbox at once (claims with
FOR UPDATE SKIP LOCKED and a lease) hand each message to the SMTP server (aiosmtpd on
loopback) exactly once in a normal run, and every row ends sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import func, select

from documents.adapters.outbox import SqlMailOutbox, SqlMailQueue, mail_outbox
from documents.adapters.smtp import MailSettings, SmtpSender
from documents.adapters.unit_of_work import SqlUnitOfWork
from documents.app.mail import Mail, MailIdentity, MailWorker, compose
from documents.service import DEFINITION
from events.db import create_engine
from events.migrations import upgrade, upgrade_platform
from events.store import SqlEventStore
from events.testing.servers import make_database
from tests.api.documents.mail_server import SmtpServer

NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)
MESSAGES = 90


class Clock:
    def now(self) -> datetime:
        return NOW


async def test_concurrent_workers_send_each_message_once(postgres_url: str) -> None:
    url = await make_database(postgres_url, f"documents_mail_{uuid4().hex[:12]}")
    engine = create_engine(url, pool_size=8)
    smtp = SmtpServer()
    smtp.start()
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_documents")
        store = SqlEventStore(engine, source="/guichet/documents")
        identity = MailIdentity()
        async with engine.begin() as connection:
            for n in range(MESSAGES):
                message_id = f"<DEM-{n}.survey@guichet.localhost>"
                raw = compose(identity, message_id, ("c@example.org",), f"n°{n}", "Texte", NOW, f"DEM-{n}")
                await SqlMailOutbox(connection).put(
                    Mail(message_id, "survey", identity.sender, ("c@example.org",), raw, uuid4()), NOW
                )
        settings = MailSettings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none")
        workers = [
            MailWorker(
                SqlMailQueue(engine),
                SmtpSender(settings),
                lambda: SqlUnitOfWork(store, Clock(), lambda: None),
                Clock(),
                batch=7,
            )
            for _ in range(3)
        ]

        async def drain(worker: MailWorker) -> int:
            claimed = 0
            while sent := await worker.drain():
                claimed += sent
            await worker.sender.close()
            return claimed

        claimed = await asyncio.gather(*(drain(worker) for worker in workers))
        assert sum(claimed) == MESSAGES
        assert all(share > 0 for share in claimed), "the workers shared the outbox"
        ids = [message["Message-ID"] for message in smtp.inbox.received]
        assert len(ids) == MESSAGES and len(set(ids)) == MESSAGES
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(mail_outbox.c.state, func.count()).group_by(mail_outbox.c.state)
            )
            states: dict[str, int] = {state: count for state, count in rows.all()}
        assert states == {"sent": MESSAGES}
    finally:
        smtp.stop()
        await engine.dispose()
