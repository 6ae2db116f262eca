"""Printable label sheets: A4 pages of signed QR labels (segno draws the codes, reportlab the page)."""

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
MAX_LABELS_PER_SHEET = 2400  # 100 pages; a larger print is several sheets (`after`)


@dataclass(frozen=True)
class Label:
    payload: str
    label_code: str
    caption: str
    warehouse_id: str


def _fold(text: str) -> str:
    """Vietnamese without diacritics, for when no font with its glyphs is installed."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Cut `text` to what fits in `width` points, marking the cut with an ellipsis."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def qr_svg(payload: str) -> str:
    return segno.make(payload, error="m").svg_inline(scale=4)


def qr_png(payload: str) -> bytes:
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def _draw_qr(pdf: canvas.Canvas, payload: str, x: float, y: float) -> None:
    matrix = segno.make(payload, error="m").matrix
    size = len(matrix)
    module = QR_SIZE / size
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                path.rect(x + c * module, y + QR_SIZE - (r + 1) * module, module, module)
    pdf.drawPath(path, stroke=0, fill=1)


def render_sheet(title: str, labels: Sequence[Label]) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    page_w, page_h = A4
    margin_x = (page_w - COLUMNS * LABEL_W) / 2
    margin_y = (page_h - ROWS * LABEL_H) / 2
    per_page = COLUMNS * ROWS
    fonts = unicode_fonts()
    regular, bold = fonts or ("Helvetica", "Helvetica-Bold")
    text: Callable[[str], str] = (lambda t: t) if fonts else _fold
    for index, label in enumerate(labels):
        slot = index % per_page
        if index and slot == 0:
            pdf.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x = margin_x + col * LABEL_W
        y = page_h - margin_y - (row + 1) * LABEL_H
        pdf.setLineWidth(0.3)
        pdf.rect(x, y, LABEL_W, LABEL_H)
        _draw_qr(pdf, label.payload, x + 2 * mm, y + 3.5 * mm)
        text_x = x + QR_SIZE + 4 * mm
        room = LABEL_W - QR_SIZE - 6 * mm
        pdf.setFont(bold, 8)
        pdf.drawString(text_x, y + LABEL_H - 8 * mm, _fit(label.label_code, bold, 8, room))
        pdf.setFont(regular, 6.5)
        for line, value in enumerate((label.caption, f"Kho: {label.warehouse_id}")):
            pdf.drawString(text_x, y + LABEL_H - (13 + 4 * line) * mm, _fit(text(value), regular, 6.5, room))
        pdf.drawString(text_x, y + 5 * mm, _fit(text(title), regular, 6.5, room))
    if not labels:
        pdf.drawString(margin_x, page_h - margin_y, "no labels")
    pdf.save()
    return out.getvalue()
