"""What every official form shares: the national heading (issuing agency and number left, "CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc" right), the title, paragraphs, the table of goods and the signature
boxes of the parties, with each party's signature image drawn in its box once signed. Built with reportlab's
platypus on the DejaVu faces of `tangvat_shared.pdf` (Vietnamese glyphs), `invariant` so the same data and
signatures give the same bytes."""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tangvat_shared.content import sha256_hex
from tangvat_shared.pdf import CORE_FONTS, unicode_fonts

VIETNAM = timezone(timedelta(hours=7))
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
SIGNATURE_W, SIGNATURE_H = 42 * mm, 18 * mm


@dataclass(frozen=True)
class Party:
    """One party who signs a form: `key` names its box (the sign command's `party`), `caption` is printed above
    it ("BÊN GIAO"), `name` and `detail` (office, unit, ID) identify the person."""

    key: str
    caption: str
    name: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Signature:
    """A party's signature as captured on the tablet: the PNG drawn in its box, the name written under it."""

    party: str
    name: str
    image_png: bytes
    signed_at: datetime | None = None


@dataclass(frozen=True)
class Heading:
    """The form's top: the issuing agency and unit (left), the form's number, and where and when it is made."""

    agency: str
    unit: str
    number: str
    place: str
    at: datetime
    model: str = ""  # "Mẫu số 01-VT ..." where the form has a prescribed model number


@dataclass
class Styles:
    regular: str
    bold: str
    body: ParagraphStyle = field(init=False)
    small: ParagraphStyle = field(init=False)
    small_center: ParagraphStyle = field(init=False)
    cell: ParagraphStyle = field(init=False)
    cell_bold: ParagraphStyle = field(init=False)
    code: ParagraphStyle = field(init=False)
    center: ParagraphStyle = field(init=False)
    center_bold: ParagraphStyle = field(init=False)
    title: ParagraphStyle = field(init=False)
    right: ParagraphStyle = field(init=False)

    def __post_init__(self) -> None:
        def style(name: str, size: float, *, bold: bool = False, align: int = TA_LEFT, leading: float = 0
                  ) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=self.bold if bold else self.regular, fontSize=size,
                                  leading=leading or size * 1.3, alignment=align)

        self.body = style("body", 10.5, leading=15)
        self.small = style("small", 8.5)
        self.small_center = style("small_center", 7.5, align=TA_CENTER)
        self.cell = style("cell", 8.5)
        self.cell_bold = style("cell_bold", 8.5, bold=True, align=TA_CENTER)
        self.code = style("code", 7.2)
        self.center = style("center", 10, align=TA_CENTER)
        self.center_bold = style("center_bold", 10.5, bold=True, align=TA_CENTER)
        self.title = style("title", 14, bold=True, align=TA_CENTER, leading=19)
        self.right = style("right", 10, align=TA_RIGHT)


OBLIQUE_FILES = {"TangvatSans-Oblique": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
                 "TangvatSans-BoldOblique": "/usr/share/fonts/truetype/dejavu/DejaVuSans-BoldOblique.ttf"}


@functools.cache
def _family() -> tuple[str, str]:
    """The faces, registered as one family so a paragraph's <b> and <i> pick the Vietnamese bold and oblique
    (the oblique falls back to the upright face where the font package lacks it)."""
    fonts = unicode_fonts()
    if fonts is None:
        return CORE_FONTS
    regular, bold = fonts
    italic, bold_italic = regular, bold
    try:
        for name, path in OBLIQUE_FILES.items():
            pdfmetrics.registerFont(TTFont(name, path))
        italic, bold_italic = OBLIQUE_FILES
    except (OSError, TTFError):
        pass
    registerFontFamily(regular, normal=regular, bold=bold, italic=italic, boldItalic=bold_italic)
    return regular, bold


def styles() -> Styles:
    return Styles(*_family())


def text(value: Any) -> str:
    """Data as paragraph markup: escaped (a description's "<" is text, never a tag)."""
    return escape("" if value is None else str(value))


def local(at: datetime) -> datetime:
    return at.astimezone(VIETNAM)


def date_words(at: datetime) -> str:
    """"ngày 02 tháng 12 năm 2026", in Vietnam's time."""
    at = local(at)
    return f"ngày {at.day:02d} tháng {at.month:02d} năm {at.year}"


def time_words(at: datetime) -> str:
    """"hồi 09 giờ 30 phút, ngày 02 tháng 12 năm 2026"."""
    at = local(at)
    return f"hồi {at.hour:02d} giờ {at.minute:02d} phút, {date_words(at)}"


def short_date(at: datetime) -> str:
    return local(at).strftime("%d/%m/%Y")


class Form:
    """A form being laid out: flowables appended in reading order, rendered once by `render`."""

    def __init__(self, title: str, subject: str) -> None:
        self.s = styles()
        self.title = title
        self.subject = subject
        self.story: list[Flowable] = []

    def heading(self, h: Heading, title: str, subtitle: str = "") -> None:
        s = self.s
        left = [Paragraph(text(h.agency.upper()), s.center), Paragraph(f"<b>{text(h.unit.upper())}</b>",
                                                                       s.center_bold),
                Paragraph("———————", s.center), Paragraph(f"Số: {text(h.number)}", s.center)]
        right = [Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", s.center_bold),
                 Paragraph("<b><u>Độc lập - Tự do - Hạnh phúc</u></b>", s.center_bold), Spacer(1, 2 * mm),
                 Paragraph(f"<i>{text(h.place)}, {date_words(h.at)}</i>", s.center)]
        if h.model:
            right.append(Paragraph(f"<i>{text(h.model)}</i>", s.small_center))
        table = Table([[left, right]], colWidths=[WIDTH * 0.42, WIDTH * 0.58])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        self.story += [table, Spacer(1, 7 * mm), Paragraph(text(title), s.title)]
        if subtitle:
            self.story.append(Paragraph(f"<b>{text(subtitle)}</b>", s.center_bold))
        self.story.append(Spacer(1, 5 * mm))

    def para(self, markup: str, *, style: ParagraphStyle | None = None, space: float = 1.2 * mm) -> None:
        """A paragraph of markup (callers escape data with `text`)."""
        self.story += [Paragraph(markup, style or self.s.body), Spacer(1, space)]

    def line(self, label: str, value: Any) -> None:
        """"label: value", the label plain and the data in bold."""
        self.para(f"{text(label)}: <b>{text(value)}</b>")

    def parties(self, intro: str, parties: Sequence[Party]) -> None:
        self.para(text(intro))
        for n, p in enumerate(parties, start=1):
            detail = f"; {text(p.detail)}" if p.detail else ""
            self.para(f"{n}. {text(p.caption.capitalize())}: <b>{text(p.name or '.' * 40)}</b>{detail}")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
              *, total: Sequence[Any] | None = None, codes: Sequence[int] = ()) -> None:
        """The table of goods: headers repeated on every page, each cell wrapped to its column (`widths`: shares
        of the text width); the columns `codes` in smaller type (a label code is read whole, never wrapped)."""
        s = self.s
        data: list[list[Any]] = [[Paragraph(text(h), s.cell_bold) for h in headers]]
        data += [[Paragraph(text(c), s.code if n in codes else s.cell) for n, c in enumerate(row)] for row in rows]
        if total is not None:
            data.append([Paragraph(f"<b>{text(c)}</b>", s.cell) for c in total])
        table = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        self.story += [table, Spacer(1, 4 * mm)]

    def signatures(self, parties: Sequence[Party], signed: Mapping[str, Signature], *, per_row: int = 2) -> None:
        """One box per party: its caption, "(Ký, ghi rõ họ tên)", the signature drawn once signed (else room to
        sign by hand), the name; at most `per_row` boxes a row, kept together on one page."""
        s = self.s
        cells: list[list[Flowable]] = []
        for party in parties:
            signature = signed.get(party.key)
            mark: Flowable = Spacer(SIGNATURE_W, SIGNATURE_H)
            if signature is not None:
                mark = Image(io.BytesIO(signature.image_png), width=SIGNATURE_W, height=SIGNATURE_H,
                             kind="proportional")
            name = signature.name if signature is not None else party.name
            cell: list[Flowable] = [Paragraph(f"<b>{text(party.caption.upper())}</b>", s.center_bold),
                                    Paragraph("<i>(Ký, ghi rõ họ tên)</i>", s.center), mark,
                                    Paragraph(f"<b>{text(name)}</b>", s.center)]
            if signature is not None:
                when = f"{local(signature.signed_at):%H:%M %d/%m/%Y} · " if signature.signed_at else ""
                # The image's hash printed with it: the event that records this PDF names the same one.
                cell.append(Paragraph(f"{when}SHA-256 {sha256_hex(signature.image_png)[:16]}…", s.small))
            cells.append(cell)
        rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
        rows = [row + [[Spacer(1, 1)]] * (per_row - len(row)) for row in rows]
        table = Table(rows, colWidths=[WIDTH / per_row] * per_row)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 6 * mm)]))
        self.story.append(KeepTogether([Spacer(1, 4 * mm), table]))

    def render(self) -> bytes:
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=15 * mm,
                                bottomMargin=15 * mm, title=self.title, subject=self.subject, author="Tangvat",
                                creator="Tangvat", invariant=1)
        regular = self.s.regular

        def number(canvas: Any, doc: Any) -> None:
            canvas.setFont(regular, 8)
            canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"Trang {doc.page}")

        doc.build(self.story, onFirstPage=number, onLaterPages=number)
        return out.getvalue()
