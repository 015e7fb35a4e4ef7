"""The ``Renderer`` port: HTML (canonical, hashed) and PDF of the same presentation."""

from documents.adapters.html import html_of
from documents.adapters.pdf import TypstPdf
from documents.adapters.presentation import present
from documents.app.ports import RenderInput


class DocumentRenderer:
    def __init__(self) -> None:
        self.typst = TypstPdf()

    def html(self, what: RenderInput) -> bytes:
        return html_of(present(what))

    def pdf(self, what: RenderInput) -> bytes:
        document = what.document
        return self.typst.pdf(present(what), document.issued_at or document.drafted_at)
