"""Phiếu nhập kho (warehouse receipt, model 01-VT of the accounting regime): the goods taken into a warehouse
with the quantity by the documents and the quantity counted, their value and the total in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Form, Heading, Party, Signature, date_words, text
from tangvat_shared.forms.words import vnd_words
from tangvat_shared.pdf import vnd

MODEL = "Mẫu số 01-VT (Ban hành theo Thông tư số 200/2014/TT-BTC ngày 22/12/2014 của Bộ Tài chính)"
HEADERS = ("STT", "Tên, nhãn hiệu, quy cách, phẩm chất", "Mã số", "Đơn vị tính", "Theo chứng từ", "Thực nhập",
           "Đơn giá", "Thành tiền")
WIDTHS = (0.07, 0.23, 0.17, 0.08, 0.09, 0.08, 0.12, 0.16)
PREPARER, DELIVERER, KEEPER, ACCOUNTANT = "preparer", "deliverer", "keeper", "accountant"


@dataclass(frozen=True)
class ReceivedGoods:
    goods: Goods
    expected: int  # the quantity by the documents (the seizure record)


@dataclass(frozen=True)
class WarehouseReceipt:
    """`deliverer_name`: who brought the goods; `document`: what they came under ("Biên bản tạm giữ số ...");
    `warehouse`: the warehouse's name and where it is; `parties`: the preparer, deliverer, keeper and
    accountant (keys `preparer`, `deliverer`, `keeper`, `accountant`)."""

    heading: Heading
    deliverer_name: str
    document: str
    warehouse: str
    lines: Sequence[ReceivedGoods]
    parties: Sequence[Party]


def default_parties(preparer: str = "", deliverer: str = "", keeper: str = "") -> tuple[Party, ...]:
    return (Party(PREPARER, "Người lập phiếu", preparer), Party(DELIVERER, "Người giao hàng", deliverer),
            Party(KEEPER, "Thủ kho", keeper), Party(ACCOUNTANT, "Kế toán trưởng"))


def render(receipt: WarehouseReceipt, signatures: Mapping[str, Signature] | None = None) -> bytes:
    h = replace(receipt.heading, model=receipt.heading.model or MODEL)
    form = Form(f"Phiếu nhập kho {h.number}", f"tangvat warehouse-receipt {receipt.document}")
    form.heading(h, "PHIẾU NHẬP KHO", date_words(h.at).capitalize())
    form.para(f"- Họ và tên người giao: <b>{text(receipt.deliverer_name)}</b>")
    form.para(f"- Theo {text(receipt.document)}")
    form.para(f"- Nhập tại kho: <b>{text(receipt.warehouse)}</b>")
    rows = []
    for n, line in enumerate(receipt.lines, start=1):
        g = line.goods
        unit_price = g.value_vnd // g.quantity if g.quantity else g.value_vnd
        rows.append([str(n), g.description, g.label_code, g.unit, str(line.expected), str(g.quantity),
                     vnd(unit_price), vnd(g.value_vnd)])
    amount = sum(line.goods.value_vnd for line in receipt.lines)
    total = ["", "Cộng", "", "", str(sum(x.expected for x in receipt.lines)),
             str(sum(x.goods.quantity for x in receipt.lines)), "", vnd(amount)]
    form.table(HEADERS, rows, WIDTHS, total=total, codes=(2,))
    form.para(f"- Tổng số tiền (viết bằng chữ): <b>{text(vnd_words(amount))}</b>")
    form.para(f"- Số chứng từ gốc kèm theo: {text(receipt.document)}")
    form.signatures(receipt.parties, signatures or {}, per_row=len(receipt.parties))
    return form.render()
