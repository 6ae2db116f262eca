"""What every Tangvat PDF needs (labels, certificates, audit reports): a face with Vietnamese glyphs."""

from __future__ import annotations

import functools

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

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
