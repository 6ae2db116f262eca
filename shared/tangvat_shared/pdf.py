"""What every Tangvat PDF needs (labels, certificates, audit reports): a face with Vietnamese glyphs, and a
cursor that runs lines down A4 pages."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas

FONT_FILES = {
    "TangvatSans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "TangvatSans-Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}
CORE_FONTS = ("Helvetica", "Helvetica-Bold")


@functools.cache
def unicode_fonts() -> tuple[str, str] | None:
    """(regular, bold) from Debian's fonts-dejavu-core, registered once; None when it is not installed
    (the PDF core fonts lack Vietnamese glyphs, so the caller decides how to degrade)."""
    try:
        for name, path in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, path))
    except (OSError, TTFError):
        return None
    return "TangvatSans", "TangvatSans-Bold"


def vnd(value: int) -> str:
    """An amount as Vietnamese write it: 1.234.000 đ."""
    return f"{value:,}".replace(",", ".") + " đ"


class PageCursor:
    """A cursor down A4 pages (the audit report, the destruction certificate): it picks the Vietnamese
    faces, draws each line where the last one ended and starts a new page when a line no longer fits."""

    def __init__(self, pdf: canvas.Canvas, *, margin: float) -> None:
        self.pdf = pdf
        self.margin = margin
        self.regular, self.bold = unicode_fonts() or CORE_FONTS
        self.width, self.height = A4
        self.y = self.height - margin

    def font(self, *, bold: bool = False) -> str:
        return self.bold if bold else self.regular

    def make_room(self, room: float) -> None:
        """A new page unless `room` more points fit above the bottom margin."""
        if self.y < self.margin + room:
            self.pdf.showPage()
            self.y = self.height - self.margin

    def draw(self, text: str, *, step: float, bold: bool = False, size: float, x: float | None = None,
             room: float = 0, center: bool = False) -> None:
        """One line at `x` (or centred), then `step` points down."""
        self.make_room(room)
        self.pdf.setFont(self.font(bold=bold), size)
        if center:
            self.pdf.drawCentredString(self.width / 2, self.y, text)
        else:
            self.pdf.drawString(self.margin if x is None else x, self.y, text)
        self.y -= step

    def wrapped(self, text: str, *, step: float, bold: bool = False, size: float, x: float) -> None:
        """`text` wrapped to the width left of the right margin, one `draw` per line it takes."""
        for part in simpleSplit(text, self.font(bold=bold), size, self.width - self.margin - x) or [""]:
            self.draw(part, step=step, bold=bold, size=size, x=x)

    def columns(self, cells: Sequence[str], xs: Sequence[float], *, step: float, bold: bool = False,
                size: float, room: float = 0) -> None:
        """One row of a table: each cell at its offset from the left margin."""
        self.make_room(room)
        self.pdf.setFont(self.font(bold=bold), size)
        for cell, x in zip(cells, xs, strict=True):
            self.pdf.drawString(self.margin + x, self.y, cell)
        self.y -= step

    def skip(self, points: float) -> None:
        self.y -= points
