"""Realistic seizure bodies for the demo, the tests and the benchmarks (the Bắc Ninh depot raid, scaled)."""

from __future__ import annotations

import uuid
from typing import Any

CATEGORY_MIX = [("smuggled", 42_604), ("counterfeit", 34_200)]  # 25/7/2022, Bắc Ninh: 76,804 products
DESCRIPTIONS = {
    "smuggled": ["Mỹ phẩm nhập lậu", "Đồng hồ đeo tay", "Linh kiện điện tử", "Rượu ngoại"],
    "counterfeit": ["Túi xách giả nhãn hiệu", "Giày thể thao giả", "Quần áo giả nhãn hiệu", "Nước hoa giả"],
}
BRANDS: dict[str, list[str | None]] = {
    "smuggled": [None],
    "counterfeit": ["Louis Vuitton", "Nike", "Adidas", "Chanel", "Gucci"],
}


def seizure_fields(unit: str = "QLTT-BN", record_number: str | None = None) -> dict[str, Any]:
    return {
        "record_number": record_number or f"BB-{uuid.uuid4().hex[:10]}",
        "seizing_unit": unit,
        "agency": "qltt",
        "officers": ["Nguyễn Văn An", "Trần Thị Bình"],
        "seized_at": "2022-07-25T09:30:00+07:00",
        "province": "Bắc Ninh",
        "address": "Kho hàng, phường Võ Cường, TP Bắc Ninh",
        "legal_basis": "Nghị định 98/2020/NĐ-CP; Luật Xử lý vi phạm hành chính 2012",
        "case_id": None,
        "violation_categories": ["counterfeit", "smuggled"],
        "offender": {"kind": "business", "name": "Công ty TNHH XYZ", "id_number": "2300123456"},
        "notes": "Kiểm tra đột xuất theo kế hoạch",
        "attachments": [],  # each named file must be uploaded first (POST /attachments)
    }


def items(
    n: int, *, warehouse: str = "KHO-BN-01", prefix: str | None = None, categories: list[tuple[str, int]] | None = None
) -> list[dict[str, Any]]:
    prefix = prefix or uuid.uuid4().hex[:8].upper()
    mix = categories or CATEGORY_MIX
    total = sum(w for _, w in mix)
    out: list[dict[str, Any]] = []
    for category, weight in mix:
        share = round(n * weight / total) if category != mix[-1][0] else n - len(out)
        for _ in range(share):
            i = len(out)
            out.append(
                {
                    "category": category,
                    "description": DESCRIPTIONS[category][i % len(DESCRIPTIONS[category])],
                    "brand": BRANDS[category][i % len(BRANDS[category])],
                    "quantity": 1 + i % 12,
                    "unit": "cái",
                    "value_vnd": 50_000 + (i % 97) * 1_000,
                    "perishable": False,
                    "hazardous": False,
                    "condition": "intact",
                    "photos": [],
                    "label_code": f"{prefix}-{i:06d}",
                    "warehouse_id": warehouse,
                }
            )
    return out


def seizure(n_items: int = 5, **kwargs: Any) -> dict[str, Any]:
    unit = kwargs.pop("unit", "QLTT-BN")
    body = seizure_fields(unit)
    body["items"] = items(n_items, **kwargs)
    return body
