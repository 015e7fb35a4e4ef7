"""The PDF rendering with typst (typst-py): one compiler reused, a fixed layout, the
document's data passed as JSON in ``sys.inputs`` (text, never markup: nothing in a document
can change the layout). Fonts are the ones embedded in typst (Libertinus Serif has U+202F,
babel's French group separator); system fonts are ignored and no package is fetched, so a
rendering needs no network and gives the same bytes on every machine. PDF/A-3b."""

import json
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from html.parser import HTMLParser

import typst

from documents.adapters.presentation import Presentation

LAYOUT = """
#let d = json(bytes(sys.inputs.data))
#set document(title: d.title + " " + d.number)
#set page(paper: "a4", margin: (x: 2cm, y: 2cm),
  footer: context align(right, text(8pt)[#d.number · #counter(page).display("1/1", both: true)]))
#set text(font: "Libertinus Serif", lang: d.language, size: 10.5pt)
#grid(columns: (1fr, 1fr), gutter: 1em,
  text(9pt, d.seller.join(linebreak())),
  align(right, d.customer.join(linebreak())))
#v(1em)
#text(16pt, weight: "bold")[#d.title #d.number]
#linebreak()
#d.date
#v(0.5em)
#set par(justify: true)
#for b in d.blocks [#b.text #parbreak()]
#if d.fields.len() > 0 {
  table(columns: (auto, 1fr), stroke: 0.4pt, ..d.fields.map(f => (strong(f.at(0)), f.at(1))).flatten())
}
#if d.lines.len() > 0 {
  table(columns: (1fr, auto, auto, auto, auto), stroke: 0.4pt,
    align: (left, right, right, right, right),
    ..d.line_header.map(h => strong(h)), ..d.lines.flatten())
  align(right, table(columns: 2, stroke: 0.4pt, ..d.totals.flatten()))
}
#for m in d.mentions [#text(8.5pt, m) #parbreak()]
"""


class _Blocks(HTMLParser):
    """Paragraphs and list items of the sanitised wording, as plain text."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "li"):
            self.flush()
            if tag == "li":
                self.current.append("• ")
        elif tag == "br":
            self.current.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li"):
            self.flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def flush(self) -> None:
        text = "".join(self.current).strip()
        if text:
            self.blocks.append(text)
        self.current = []


def blocks_of(html: str) -> list[str]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.blocks


class TypstPdf:
    """One compiler per process (warm: ~10-25 ms a page); typst-py's compiler is not known
    to be safe across threads, so calls are serialised."""

    def __init__(self) -> None:
        self.compiler = typst.Compiler(ignore_system_fonts=True)
        self.lock = threading.Lock()

    def pdf(self, presentation: Presentation, created: datetime) -> bytes:
        data = asdict(presentation)
        data["language"] = presentation.language.value
        data["blocks"] = [{"text": text} for text in blocks_of(presentation.wording_html)]
        data["line_header"] = (
            ["", "Qté", "PU HT", "TVA", "Montant HT"]
            if presentation.language.value == "fr"
            else ["", "Qty", "Unit price", "VAT", "Amount"]
        )
        del data["wording_html"]
        with self.lock:
            output = self.compiler.compile(
                input=LAYOUT.encode(),
                format="pdf",
                sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
                pdf_standards="a-3b",
                timestamp=created.astimezone(UTC).replace(microsecond=0),
            )
        assert isinstance(output, bytes)
        return output
