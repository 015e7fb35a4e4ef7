"""Default senders: letters wait to be printed and posted (``POST /documents/{id}/posted``
records ``DocumentSent``); phone summaries are read out and marked the same way. The email
sender (an outbox) replaces the default of its channel in ``bootstrap``."""

from collections.abc import Mapping

from documents.app.ports import Outgoing, Transmitter, UnitOfWork
from documents.domain.kinds import SendingChannel


class AwaitingPosting:
    """Nothing to send from here: the print-ready PDF is fetched, the letter is posted by
    hand, and whoever posts it records it."""

    async def hand_over(self, outgoing: Outgoing, uow: UnitOfWork) -> None:
        return None


class ChannelTransmitters:
    """The ``Transmitter`` that hands each document to its own channel's sender."""

    def __init__(self, by_channel: Mapping[SendingChannel, Transmitter]) -> None:
        self.by_channel = dict(by_channel)

    async def hand_over(self, outgoing: Outgoing, uow: UnitOfWork) -> None:
        await self.by_channel[outgoing.channel].hand_over(outgoing, uow)


def default_transmitters() -> dict[SendingChannel, Transmitter]:
    waiting = AwaitingPosting()
    return {channel: waiting for channel in SendingChannel}
