"""A row of the table of goods (danh mục tang vật) as the forms list it, and its columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tangvat_shared.pdf import vnd


@dataclass(frozen=True)
class Goods:
    """One item on a form: its printed label code, description, unit of measure, quantity, state in words
    (condition, seal) and value (integer VND)."""

    label_code: str
    description: str
    unit: str
    quantity: int
    condition: str = ""
    value_vnd: int = 0


HEADERS = ("STT", "Mã nhãn", "Tên tang vật, nhãn hiệu, quy cách", "Đơn vị tính", "Số lượng",
           "Tình trạng, niêm phong", "Giá trị")
WIDTHS = (0.07, 0.18, 0.27, 0.09, 0.08, 0.15, 0.16)


def rows(goods: Sequence[Goods]) -> list[list[str]]:
    return [[str(n), g.label_code, g.description, g.unit, str(g.quantity), g.condition, vnd(g.value_vnd)]
            for n, g in enumerate(goods, start=1)]


def total(goods: Sequence[Goods]) -> list[str]:
    return ["", "", f"Cộng: {len(goods)} mặt hàng", "", str(sum(g.quantity for g in goods)), "",
            vnd(sum(g.value_vnd for g in goods))]
