"""The shared PDF page cursor (audit report, destruction certificate): lines go down the page, a line that
no longer fits starts a new page, long text wraps to the width."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tangvat_shared.pdf import PageCursor

MARGIN, STEP = 50.0, 10.0


def _cursor() -> tuple[PageCursor, io.BytesIO]:
    out = io.BytesIO()
    return PageCursor(canvas.Canvas(out, pagesize=A4, invariant=True), margin=MARGIN), out


def _pages(cursor: PageCursor, out: io.BytesIO) -> list[str]:
    cursor.pdf.showPage()
    cursor.pdf.save()
    return [page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages]


def test_lines_run_down_the_page_and_a_line_that_does_not_fit_starts_the_next() -> None:
    cursor, out = _cursor()
    per_page = int((A4[1] - 2 * MARGIN) // STEP) + 1  # y from the top margin down to the bottom one, inclusive
    for n in range(per_page + 1):
        cursor.draw(f"line {n}", step=STEP, size=8)
    pages = _pages(cursor, out)
    assert len(pages) == 2
    assert f"line {per_page - 1}" in pages[0] and f"line {per_page}" not in pages[0]
    assert pages[1].strip() == f"line {per_page}"


def test_room_asks_for_space_below_the_line() -> None:
    cursor, _ = _cursor()
    cursor.y = MARGIN + 5
    cursor.draw("fits", step=STEP, size=8, room=0)
    assert cursor.pdf.getPageNumber() == 1
    cursor.y = MARGIN + 5
    cursor.draw("needs 20 points", step=STEP, size=8, room=20)
    assert cursor.pdf.getPageNumber() == 2 and cursor.y == A4[1] - MARGIN - STEP


def test_long_text_wraps_to_the_width_one_step_per_line() -> None:
    cursor, out = _cursor()
    top = cursor.y
    cursor.wrapped("tang vật " * 60, step=STEP, size=9, x=MARGIN)
    lines = round((top - cursor.y) / STEP)
    assert lines > 2
    assert len(_pages(cursor, out)[0].splitlines()) == lines


def test_columns_put_each_cell_at_its_offset() -> None:
    cursor, out = _cursor()
    cursor.columns(["STT", "Mã nhãn", "Giá trị"], [0, 40, 200], step=STEP, size=8, bold=True)
    cursor.skip(5)
    assert cursor.y == A4[1] - MARGIN - STEP - 5
    text = _pages(cursor, out)[0]
    assert "STT" in text and "Mã nhãn" in text and "Giá trị" in text
