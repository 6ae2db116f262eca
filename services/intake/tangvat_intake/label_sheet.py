"""Printable label sheets: A4 pages of signed QR labels (segno draws the codes, reportlab the page)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70 * mm, 37 * mm
QR_SIZE = 30 * mm


@dataclass(frozen=True)
class Label:
    payload: str
    label_code: str
    caption: str
    warehouse_id: str


def qr_svg(payload: str) -> str:
    return segno.make(payload, error="m").svg_inline(scale=4)


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
        pdf.setFont("Helvetica-Bold", 8)
        pdf.drawString(text_x, y + LABEL_H - 8 * mm, label.label_code[:28])
        pdf.setFont("Helvetica", 6.5)
        pdf.drawString(text_x, y + LABEL_H - 13 * mm, label.caption[:34])
        pdf.drawString(text_x, y + LABEL_H - 17 * mm, f"Kho: {label.warehouse_id}"[:34])
        pdf.drawString(text_x, y + 5 * mm, title[:34])
    if not labels:
        pdf.drawString(margin_x, page_h - margin_y, "no labels")
    pdf.save()
    return out.getvalue()
