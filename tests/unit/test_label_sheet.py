"""Label sheets: one page per 24 labels, Vietnamese text kept or folded, never overflowing."""

from __future__ import annotations

import re
import uuid

from tangvat_intake import label_sheet
from tangvat_intake.label_sheet import Label, render_sheet
from tangvat_shared.keys import generate_private_key
from tangvat_shared.labels import sign_label

KEY = generate_private_key()


def _labels(n: int) -> list[Label]:
    return [Label(sign_label(KEY, uuid.uuid4(), f"BN-{i}"), f"BN-{i}", f"#{i} Túi xách giả nhãn hiệu", "KHO-BN-01")
            for i in range(n)]


def test_a_sheet_has_one_page_per_24_labels() -> None:
    pdf = render_sheet("BB Bắc Ninh", _labels(49))
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 3
    assert b"/Count 3" in pdf


def test_text_without_a_vietnamese_font_is_folded_not_garbled() -> None:
    assert label_sheet._fold("Đồng hồ đeo tay, Túi xách giả") == "Dong ho deo tay, Tui xach gia"


def test_long_text_is_cut_to_the_label_width() -> None:
    cut = label_sheet._fit("Túi xách giả nhãn hiệu Louis Vuitton cỡ lớn màu nâu", "Helvetica", 6.5, 100)
    assert cut.endswith("…")
    assert len(cut) < 40
