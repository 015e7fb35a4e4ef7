"""The embedded default's mail server: with no SMTP host configured, each message is written to
a maildir under the data directory (``<GUICHET_DATA_DIR>/maildir``), readable by any mail client
or ``mailbox.Maildir``. Writing it is the acceptance."""

from __future__ import annotations

import asyncio
import mailbox
from pathlib import Path

from documents.app.mail import DeliveryDeferred, Mail


def maildir_path(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / "maildir"


class MaildirSender:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _write(self, message: bytes) -> None:
        mailbox.Maildir(self.path, create=True).add(message)

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._write, mail.message)
        except OSError as error:
            raise DeliveryDeferred(f"maildir: {error}", unreachable=True) from None

    async def close(self) -> None:
        return None
