"""Printed labels with words beside the QR code (location labels, item label reprints): an A4 sheet as PDF
(segno draws the codes, reportlab the page) and ZPL for a thermal printer's ~50×30 mm labels at 203 dpi.

ZPL text is ASCII-folded Vietnamese ("Kệ A tầng 1" prints "Ke A tang 1"): a Zebra's resident fonts have no
Vietnamese glyphs, and a printer with a downloaded Unicode font is not what a warehouse can be assumed to have.
The QR payload is printed as is: a signed label is ASCII (hex, base64url, the code's `A-Za-z0-9._/-`).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from tangvat_shared.pdf import unicode_fonts

COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70 * mm, 37 * mm
QR_SIZE = 30 * mm
MAX_LABELS = 2400

# ZPL: 203 dpi is 8 dots per mm; a 50×30 mm label is 400×240 dots.
DOTS_PER_MM = 8
ZPL_WIDTH, ZPL_HEIGHT = 50 * DOTS_PER_MM, 30 * DOTS_PER_MM
ZPL_TEXT_X, ZPL_TEXT_W = 204, 190  # the words' column, right of the QR code
HEADING_CHARS, LINE_CHARS = 24, 17  # what two lines of the 26-dot font, one of the 20-dot font, hold in 190 dots


@dataclass(frozen=True)
class PrintedLabel:
    """One label: the signed payload its QR code carries, the code in large type and a few lines of words."""

    payload: str
    heading: str
    lines: tuple[str, ...]


def fold(text: str) -> str:
    """Vietnamese without diacritics ("Đồng hồ" → "Dong ho"), for where no font has its glyphs."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _draw_qr(pdf: canvas.Canvas, payload: str, x: float, y: float) -> None:
    matrix = segno.make(payload, error="m").matrix
    module = QR_SIZE / len(matrix)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                path.rect(x + c * module, y + QR_SIZE - (r + 1) * module, module, module)
    pdf.drawPath(path, stroke=0, fill=1)


def render_pdf(title: str, labels: Sequence[PrintedLabel]) -> bytes:
    """An A4 sheet of 3×8 labels (70×37 mm): the QR code left, the heading and the lines right of it."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    page_w, page_h = A4
    margin_x = (page_w - COLUMNS * LABEL_W) / 2
    margin_y = (page_h - ROWS * LABEL_H) / 2
    per_page = COLUMNS * ROWS
    fonts = unicode_fonts()
    regular, bold = fonts or ("Helvetica", "Helvetica-Bold")
    text: Callable[[str], str] = (lambda t: t) if fonts else fold
    room = LABEL_W - QR_SIZE - 6 * mm
    for index, label in enumerate(labels):
        slot = index % per_page
        if index and slot == 0:
            pdf.showPage()
        x = margin_x + (slot % COLUMNS) * LABEL_W
        y = page_h - margin_y - (slot // COLUMNS + 1) * LABEL_H
        pdf.setLineWidth(0.3)
        pdf.rect(x, y, LABEL_W, LABEL_H)
        _draw_qr(pdf, label.payload, x + 2 * mm, y + 3.5 * mm)
        text_x = x + QR_SIZE + 4 * mm
        heading = text(label.heading)
        # The code is what a person reads off the shelf: smaller type before it is ever cut.
        size = max(6.0, min(10.0, 9.7 * room / max(pdfmetrics.stringWidth(heading, bold, 10), 1)))
        pdf.setFont(bold, size)
        pdf.drawString(text_x, y + LABEL_H - 8 * mm, _fit(heading, bold, size, room))
        pdf.setFont(regular, 7)
        for line, value in enumerate(label.lines[:5]):
            pdf.drawString(text_x, y + LABEL_H - (13.5 + 4.2 * line) * mm, _fit(text(value), regular, 7, room))
    if not labels:
        pdf.setFont(regular, 10)
        pdf.drawString(margin_x, page_h - margin_y, text(title))
    pdf.save()
    return out.getvalue()


def zpl_text(text: str) -> str:
    """Text as a ^FH field's data: folded to printable ASCII, with ZPL's `^`, `~` and the `_` escape itself
    written as hex escapes (a description's caret would otherwise start a command)."""
    ascii_text = "".join(c if " " <= c <= "~" else " " for c in fold(text))
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in ascii_text)


def _zpl_cut(text: str, chars: int) -> str:
    text = fold(text)
    return text if len(text) <= chars else text[:chars - 1] + "."


def render_zpl(labels: Sequence[PrintedLabel]) -> str:
    """One ^XA…^XZ format per label, 50×30 mm at 203 dpi: the QR code left (model 2, error level M), the heading
    and up to four lines of words right of it."""
    formats = []
    for label in labels:
        fields = [f"^FO{ZPL_TEXT_X},20^A0N,26,20^FB{ZPL_TEXT_W},2,0,L,0^FH_^FD"
                  f"{zpl_text(_zpl_cut(label.heading, HEADING_CHARS))}^FS"]
        for line, value in enumerate(label.lines[:4]):
            fields.append(f"^FO{ZPL_TEXT_X},{84 + 32 * line}^A0N,20,16^FB{ZPL_TEXT_W},1,0,L,0^FH_^FD"
                          f"{zpl_text(_zpl_cut(value, LINE_CHARS))}^FS")
        formats.append("\n".join([
            "^XA", "^CI0", f"^PW{ZPL_WIDTH}", f"^LL{ZPL_HEIGHT}", "^LH0,0",
            # ^BQN,2,4: QR model 2 at 4 dots a module (a 49-module code is 196 dots, 24.5 mm); "MA," = error
            # level M, automatic input mode.
            f"^FO8,16^BQN,2,4^FDMA,{label.payload}^FS",
            *fields,
            "^XZ"]))
    return "\n".join(formats) + "\n"
