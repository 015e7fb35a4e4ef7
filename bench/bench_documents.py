"""Documents: a two-page quote rendered to PDF, and gap-free numbering on PostgreSQL.

* PDF: ``DocumentRenderer.pdf`` (typst-py, one compiler reused, PDF/A-3b, embedded fonts) of
  a 40-line business quote (two A4 pages), one after the other in one process, after a
  warm-up; also the HTML rendering that the content hash covers;
* numbering: documents drafted first (not timed), then ``IssueDocument`` through the message
  bus (load the document, take the next number of the series from its counter row, append
  ``DocumentIssued``, project) by 32 concurrent tasks on one series; the numbers given are
  then read back: gaps and duplicates must both be 0.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.core import Context, Result, scaled

PDF_TARGET = 20.0
NUMBERING_TARGET = 500.0
WRITERS = int(os.environ.get("BENCH_DOCUMENTS_WRITERS", "32"))
GROUP = "documents"
NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)


def quote_content(lines: int = 40) -> dict[str, Any]:
    return {
        "customer": {
            "name": "Ateliers Durand SARL",
            "address": "12 rue des Forges, 69002 Lyon",
            "siret": "73282932000074",
            "vat_number": "FR44732829320",
        },
        "lines": [
            {
                "description": f"Maintenance préventive, site {n}",
                "quantity": "3",
                "unit_price": "19.99",
                "vat_rate": "20",
            }
            for n in range(lines)
        ],
        "validity_days": 30,
        "payment_terms": "30 jours date de facture, virement",
        "delivery_delay": "2 semaines",
    }


def pdf_rate(count: int) -> tuple[float, float, int, int]:
    """(PDFs/s, HTML/s, pages of one PDF, bytes of one PDF)."""
    from documents.adapters.rendering import DocumentRenderer
    from documents.adapters.wording import built_in
    from documents.app.ports import RenderInput
    from documents.domain.document import Document, DraftContent
    from documents.domain.kinds import DocumentKind, Language, Profile, SendingChannel
    from documents.domain.organisation import DEFAULT_ORGANISATION

    draft = DraftContent(quote_content(), ("achats@durand.example",), SendingChannel.EMAIL)
    document = Document.draft(
        uuid.uuid4(), DocumentKind.QUOTE, uuid.uuid4(), None, Profile.B2B, Language.FR, draft, 0, "bench", NOW
    )
    document.issue(2026, 1, NOW)
    what = RenderInput(document, built_in(Language.FR, Profile.B2B), DEFAULT_ORGANISATION)
    renderer = DocumentRenderer()
    for _ in range(3):
        pdf = renderer.pdf(what)
    began = time.perf_counter()
    for _ in range(count):
        renderer.pdf(what)
    pdfs = count / (time.perf_counter() - began)
    began = time.perf_counter()
    for _ in range(count):
        renderer.html(what)
    htmls = count / (time.perf_counter() - began)
    pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page/") + pdf.count(b"/Type /Page ")
    return pdfs, htmls, pages, len(pdf)


async def numbering_rate(ctx: Context, count: int) -> tuple[float, int, int, int]:
    """(issued/s, issued, gaps, duplicates)."""
    from sqlalchemy import select

    from documents.adapters.rendering import DocumentRenderer
    from documents.adapters.tables import documents
    from documents.adapters.templating import SandboxedTemplates
    from documents.adapters.transmitters import ChannelTransmitters, default_transmitters
    from documents.adapters.unit_of_work import SqlUnitOfWork
    from documents.app import commands as c
    from documents.app.bus import documents_bus
    from documents.domain.document import DraftContent
    from documents.domain.kinds import DocumentKind, Language, Profile, SendingChannel
    from documents.domain.organisation import DEFAULT_ORGANISATION
    from documents.service import DEFINITION
    from events.db import create_engine
    from events.envelope import Metadata
    from events.migrations import upgrade, upgrade_platform
    from events.store import SqlEventStore

    class Clock:
        def now(self) -> datetime:
            return NOW

    engine = create_engine(await ctx.database(f"bench_documents_{uuid.uuid4().hex[:8]}"), pool_size=WRITERS)
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_documents")
        store = SqlEventStore(engine, source="/guichet/documents")
        bus = documents_bus(
            lambda: SqlUnitOfWork(store, Clock(), lambda: None),
            Clock(),
            DEFAULT_ORGANISATION,
            DocumentRenderer(),
            SandboxedTemplates(),
            ChannelTransmitters(default_transmitters()),
        )
        content = {
            "summary": "Panne réseau",
            "priority": "p2",
            "priority_reason": "impact moyen",
            "last_action": "diagnostic",
            "in_progress": "remplacement",
            "next_step": "test",
            "owner": "alice",
            "next_update_at": "2026-11-30T10:00:00+01:00",
        }
        metadata = Metadata(actor="bench")
        ids: list[uuid.UUID] = []
        queue: asyncio.Queue[uuid.UUID] = asyncio.Queue()

        async def drafter(share: int) -> None:
            for _ in range(share):
                document = await bus.handle(
                    c.DraftDocument(
                        metadata=metadata,
                        document_id=uuid.uuid4(),
                        kind=DocumentKind.TICKET_SUMMARY,
                        customer_id=uuid.uuid4(),
                        request_id=None,
                        profile=Profile.B2C,
                        language=Language.FR,
                        draft=DraftContent(content, ("alice",), SendingChannel.PHONE),
                    )
                )
                ids.append(document.id)

        await asyncio.gather(*(drafter(count // WRITERS) for _ in range(WRITERS)))
        for document_id in ids:
            queue.put_nowait(document_id)

        async def issuer() -> None:
            while not queue.empty():
                document_id = queue.get_nowait()
                await bus.handle(c.IssueDocument(metadata=metadata, document_id=document_id))

        began = time.perf_counter()
        await asyncio.gather(*(issuer() for _ in range(WRITERS)))
        rate = len(ids) / (time.perf_counter() - began)
        async with engine.connect() as connection:
            numbers = [row.number for row in await connection.execute(select(documents.c.number))]
        sequences = sorted(int(number.rsplit("-", 1)[1]) for number in numbers if number)
        duplicates = len(sequences) - len(set(sequences))
        gaps = (sequences[-1] - len(set(sequences))) if sequences else 0
        return rate, len(sequences), gaps, duplicates
    finally:
        await engine.dispose()


async def run(ctx: Context) -> list[Result]:
    count = scaled(200, minimum=20)
    pdfs, htmls, pages, size = await asyncio.to_thread(pdf_rate, count)
    issued_count = scaled(4000, minimum=WRITERS * 4, multiple=WRITERS)
    rate, issued, gaps, duplicates = await numbering_rate(ctx, issued_count)
    return [
        Result(
            "documents: two-page quote to PDF (typst, PDF/A-3b)",
            pdfs,
            unit="documents/s",
            target=PDF_TARGET,
            count=count,
            detail=f"{pages} pages, {size:,} bytes, one process, compiler reused",
            group=GROUP,
        ),
        Result("documents: the same quote to HTML", htmls, unit="documents/s", count=count, group=GROUP),
        Result(
            f"documents: numbering, one series (c={WRITERS}, PostgreSQL)",
            rate,
            unit="issued/s",
            target=NUMBERING_TARGET,
            count=issued,
            detail=f"gaps {gaps}, duplicates {duplicates}",
            group=GROUP,
        ),
        Result(
            "documents: numbering gaps + duplicates",
            gaps + duplicates,
            unit="",
            target=0,
            lower_is_better=True,
            group=GROUP,
        ),
    ]
