"""Thẻ kho (storage card, model S12-DN) of one item, from its custody history: each receipt, move, check-out,
return, transfer and handover a line with its document, the quantity in and out and what is left in store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Form, Heading, Party, Signature, short_date, text

MODEL = "Mẫu số S12-DN (Ban hành theo Thông tư số 200/2014/TT-BTC ngày 22/12/2014 của Bộ Tài chính)"
HEADERS = ("STT", "Ngày, tháng", "Số hiệu chứng từ", "Diễn giải", "Nhập", "Xuất", "Tồn", "Người thực hiện")
WIDTHS = (0.07, 0.13, 0.15, 0.28, 0.08, 0.08, 0.08, 0.13)
KEEPER, ACCOUNTANT = "keeper", "accountant"


@dataclass(frozen=True)
class Movement:
    """One line of the card: when, under which document (an event's or a transfer's number), what happened in
    words, the quantity that came in and went out (the card keeps the running balance), and who did it."""

    at: datetime
    document: str
    description: str
    quantity_in: int = 0
    quantity_out: int = 0
    by: str = ""


@dataclass(frozen=True)
class StorageCard:
    heading: Heading
    goods: Goods
    warehouse: str
    seizure: str
    movements: Sequence[Movement]
    parties: Sequence[Party]


def default_parties(keeper: str = "") -> tuple[Party, ...]:
    return (Party(KEEPER, "Thủ kho", keeper), Party(ACCOUNTANT, "Kế toán trưởng"))


def balance_rows(movements: Sequence[Movement]) -> list[list[str]]:
    rows, left = [], 0
    for n, m in enumerate(movements, start=1):
        left += m.quantity_in - m.quantity_out
        rows.append([str(n), short_date(m.at), m.document, m.description, str(m.quantity_in or ""),
                     str(m.quantity_out or ""), str(left), m.by])
    return rows


def render(card: StorageCard, signatures: Mapping[str, Signature] | None = None) -> bytes:
    h, g = replace(card.heading, model=card.heading.model or MODEL), card.goods
    form = Form(f"Thẻ kho {g.label_code}", f"tangvat storage-card {g.label_code}")
    form.heading(h, "THẺ KHO", f"Ngày lập thẻ: {short_date(h.at)}")
    form.para(f"- Tên, nhãn hiệu, quy cách tang vật: <b>{text(g.description)}</b>")
    form.para(f"- Mã số (mã nhãn): <b>{text(g.label_code)}</b>    - Đơn vị tính: <b>{text(g.unit)}</b>")
    form.para(f"- Kho: <b>{text(card.warehouse)}</b>    - Thuộc biên bản tạm giữ: <b>{text(card.seizure)}</b>")
    rows = balance_rows(card.movements)
    left = rows[-1][6] if rows else "0"
    form.table(HEADERS, rows, WIDTHS,
               total=["", "", "", "Cộng cuối kỳ", str(sum(m.quantity_in for m in card.movements)),
                      str(sum(m.quantity_out for m in card.movements)), left, ""], codes=(2,))
    form.signatures(card.parties, signatures or {})
    return form.render()
