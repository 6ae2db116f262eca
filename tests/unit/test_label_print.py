"""Printed labels with words: ZPL for 50×30 mm at 203 dpi parsed back field by field, the PDF sheet's text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from tangvat_shared.keys import generate_private_key
from tangvat_shared.label_print import PrintedLabel, render_pdf, render_zpl, zpl_text
from tangvat_shared.labels import sign_location_label

KEY = generate_private_key()


def _unescape(data: str) -> str:
    return re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), data)


def _formats(zpl: str) -> list[str]:
    return re.findall(r"\^XA.*?\^XZ", zpl, flags=re.S)


def _fields(form: str) -> list[str]:
    """Each field's data, as the printer reads it: after ^FD up to ^FS, hex escapes undone where ^FH_ is set."""
    fields = []
    for chunk in form.split("^FS")[:-1]:
        commands, _, data = chunk.partition("^FD")
        fields.append(_unescape(data) if "^FH_" in commands else data)
    return fields


def test_zpl_is_one_50_by_30_mm_format_per_label_with_the_signed_qr_and_folded_words() -> None:
    payload = sign_location_label(KEY, "KHO-BN-01/A-1")
    zpl = render_zpl([PrintedLabel(payload, "KHO-BN-01/A-1", ("Kệ: Kệ A tầng 1", "Kho: Kho Bắc Ninh", "KHO-BN-01")),
                      PrintedLabel(payload, "B", ())])
    forms = _formats(zpl)
    assert len(forms) == 2
    first = forms[0]
    assert "^PW400" in first and "^LL240" in first  # 50×30 mm at 8 dots/mm
    assert f"^BQN,2,4^FDMA,{payload}^FS" in first
    assert _fields(first) == [f"MA,{payload}", "KHO-BN-01/A-1", "Ke: Ke A tang 1", "Kho: Kho Bac Ninh", "KHO-BN-01"]
    assert first.isascii()


def test_zpl_control_characters_in_words_cannot_start_a_command() -> None:
    zpl = render_zpl([PrintedLabel("TVL1.A.sig", "A", ("giá ^XZ~JA_x",))])
    (form,) = _formats(zpl)
    assert form.count("^XZ") == 1 and "~JA" not in form
    assert _fields(form)[-1] == "gia ^XZ~JA_x"
    assert zpl_text("Đồng hồ") == "Dong ho"


def test_long_words_are_cut_to_the_labels_column() -> None:
    (form,) = _formats(render_zpl([PrintedLabel("p", "X" * 40, ("Túi xách giả nhãn hiệu Louis Vuitton",))]))
    heading, line = _fields(form)[1:]
    assert len(heading) <= 24 and heading.endswith(".")
    assert len(line) <= 17 and line.startswith("Tui xach")


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_sheet_carries_each_labels_code_and_words_in_vietnamese() -> None:
    labels = [PrintedLabel(sign_location_label(KEY, f"KHO-BN-01.A-{i}-1"), f"KHO-BN-01.A-{i}-1",
                           ("Ô: Ô số 1 kệ A", "Kho: Kho Bắc Ninh")) for i in range(30)]
    pdf = render_pdf("Nhãn vị trí", labels)
    text = _pdf_text(pdf)
    assert "KHO-BN-01.A-29-1" in text and "Kho: Kho Bắc Ninh" in text and "Ô: Ô số 1 kệ A" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_the_same_words(tmp_path: object) -> None:
    pdf = render_pdf("t", [PrintedLabel("TVL1.A.x", "UX1343-0001", ("Đồng hồ đeo tay", "BB 12/QĐ-XPHC"))])
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "UX1343-0001" in out and "Đồng hồ đeo tay" in out and "BB 12/QĐ-XPHC" in out
