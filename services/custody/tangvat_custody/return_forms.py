"""A recorded hand-back as the release forms print it (tangvat_shared.forms.release): the notice to the owner
and the four-party return minutes, with the owner's signature drawn in when the counter's pad captured one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from tangvat_shared.forms import release
from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Heading, Signature

VIETNAM = timezone(timedelta(hours=7))
# Intake's default condition is a code; anything else is the officer's own words, printed as written.
CONDITION_WORDS = {"intact": "nguyên vẹn"}
ID_WORDS = {"cccd": "Căn cước công dân", "cmnd": "Chứng minh nhân dân", "passport": "Hộ chiếu",
            "business_registration": "Giấy chứng nhận đăng ký doanh nghiệp"}


def _condition(code: str | None) -> str:
    return CONDITION_WORDS.get(code or "", code or "")


def of(row: Mapping[str, Any]) -> release.ReturnOfGoods:
    """The forms' data of one return (`row`: reads.owner_return's, with its decision and goods)."""
    decision = row["decision"] or {}
    issued_by = str(decision.get("issued_by") or "")
    decided_on = decision.get("decided_on")
    on = f" ngày {date.fromisoformat(decided_on):%d/%m/%Y}" if decided_on else ""
    order = f"Quyết định trả lại tang vật số {row['decision_number']}{on}" + (f" của {issued_by}" if issued_by else "")
    warehouse = str(row["warehouse_name"] or row["warehouse_id"])
    at: datetime = row["returned_at"]
    heading = Heading(issued_by or warehouse, warehouse, f"{str(row['return_id'])[:8].upper()}/BB-TL", warehouse,
                      at.astimezone(VIETNAM))
    owner = release.Owner(row["owner_name"], f"{ID_WORDS.get(row['id_type'], row['id_type'])} số {row['id_number']}")
    goods = [Goods(g["label_code"], g["description"], g["unit"], g["quantity"], _condition(g.get("condition")),
                   g["value_vnd"]) for g in row["goods"] or []]
    return release.ReturnOfGoods(heading, order, owner, goods, warehouse, row["due_on"],
                                 release.four_parties(issued_by, row["returned_by"], row["owner_name"]))


def signatures(row: Mapping[str, Any], png: bytes | None) -> dict[str, Signature]:
    if png is None:
        return {}
    return {release.OWNER: Signature(release.OWNER, row["owner_name"], png, row["returned_at"])}
