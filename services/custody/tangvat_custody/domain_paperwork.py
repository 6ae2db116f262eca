"""Custody's paperwork as pure rules: which forms it prints, what each lists (from the rows and events the service
loaded), who may sign which box, and the signed form's row and event once the PDF is rendered."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tangvat_shared.draft import Draft
from tangvat_shared.errors import Conflict
from tangvat_shared.forms import handover, storage_card, warehouse_receipt
from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Heading, Party, Signature
from tangvat_shared.forms.signing import Captured

AGENCY = "Cơ quan quản lý kho tang vật"


class FormKind(enum.StrEnum):
    RECEIPT_MINUTES = "receipt-minutes"  # biên bản giao nhận at receipt (subject: the seizure, in a warehouse)
    WAREHOUSE_RECEIPT = "warehouse-receipt"  # phiếu nhập kho (the same subject)
    TRANSFER_MINUTES = "transfer-minutes"  # biên bản giao nhận of a transfer (subject: the transfer)
    HANDOVER_MINUTES = "handover-minutes"  # biên bản giao nhận to the disposal team (subject: the handover)
    STORAGE_CARD = "storage-card"  # thẻ kho (subject: the item)


NUMBER_SUFFIX = {FormKind.RECEIPT_MINUTES: "BB-GN", FormKind.WAREHOUSE_RECEIPT: "PNK",
                 FormKind.TRANSFER_MINUTES: "BB-GN-ĐC", FormKind.HANDOVER_MINUTES: "BB-BG",
                 FormKind.STORAGE_CARD: "TK"}


@dataclass(frozen=True)
class Subject:
    """What a form is about, as the service loaded it: its id, the warehouse whose staff sign it, the items it
    covers (custody's rows), the warehouse's row and what else the form names (a transfer, a recipient, events)."""

    form: FormKind
    subject_id: uuid.UUID
    warehouse_id: str
    warehouse_name: str
    items: Sequence[Mapping[str, Any]]
    extra: Mapping[str, Any]


def no_items(form: FormKind, subject_id: uuid.UUID) -> Conflict:
    return Conflict(f"{form} of {subject_id} lists no item yet", code="form_has_no_items",
                    details={"form": str(form), "subject_id": str(subject_id)})


CONDITIONS = {"intact": "nguyên vẹn", "damaged": "hư hỏng", "opened": "đã bị mở", "broken": "bị vỡ",
              "wet": "bị ướt"}  # the words the pages use (i18n.js condition.*)


def goods_of(item: Mapping[str, Any]) -> Goods:
    condition = str(item.get("condition") or "")
    return Goods(item["label_code"], item["description"], item["unit"], int(item["quantity"]),
                 CONDITIONS.get(condition, condition), int(item["value_vnd"]))


def _heading(subject: Subject, at: datetime) -> Heading:
    units = sorted({str(i["seizing_unit"]) for i in subject.items if i.get("seizing_unit")})
    number = f"{subject.subject_id.hex[:8].upper()}/{NUMBER_SUFFIX[subject.form]}"
    agency = f"{AGENCY} · {', '.join(units)}" if units else AGENCY
    return Heading(agency, subject.warehouse_name, number, subject.warehouse_name, at)


def _named(party: Party, signatures: Mapping[str, Signature]) -> Party:
    signed = signatures.get(party.key)
    return party if signed is None else Party(party.key, party.caption, signed.name, party.detail)


def _receipt_minutes(s: Subject, at: datetime) -> handover.HandoverMinutes:
    deliverer = next((str(i["deliverer"]) for i in s.items if i.get("deliverer")), "")
    return handover.HandoverMinutes(
        handover.Occasion.RECEIPT, _heading(s, at), f"biên bản tạm giữ của vụ {s.subject_id}",
        Party(handover.GIVER, "Bên giao", deliverer, "người áp giải tang vật"),
        Party(handover.RECEIVER, "Bên nhận", "", f"thủ kho {s.warehouse_name}"),
        [goods_of(i) for i in s.items],
        basis=["Luật Xử lý vi phạm hành chính năm 2012, sửa đổi, bổ sung năm 2020",
               "Nghị định số 138/2021/NĐ-CP quy định về quản lý, bảo quản tang vật, phương tiện vi phạm hành chính"])


def _transfer_minutes(s: Subject, at: datetime) -> handover.HandoverMinutes:
    t = s.extra["transfer"]
    return handover.HandoverMinutes(
        handover.Occasion.TRANSFER, _heading(s, at), f"lệnh điều chuyển {t['transfer_id']}",
        Party(handover.GIVER, "Bên giao", str(t["dispatched_by"]), f"kho {t['from_warehouse_id']}"),
        Party(handover.RECEIVER, "Bên nhận", str(t["received_by"] or ""), f"kho {t['to_warehouse_id']}"),
        [goods_of(i) for i in s.items],
        notes=[f"Người vận chuyển: {t['carrier']}"] if t.get("carrier") else [])


def _handover_minutes(s: Subject, at: datetime) -> handover.HandoverMinutes:
    e = s.extra.get("handed_over") or {}
    return handover.HandoverMinutes(
        handover.Occasion.DISPOSAL, _heading(s, at), f"lô xử lý {e.get('batch_id', '')}",
        Party(handover.GIVER, "Bên giao", str(e.get("requested_by") or ""), f"kho {s.warehouse_name}"),
        Party(handover.RECEIVER, "Bên nhận", str(e.get("recipient") or ""), "tổ thực hiện xử lý tang vật"),
        [goods_of(i) for i in s.items])


def _warehouse_receipt(s: Subject, at: datetime) -> warehouse_receipt.WarehouseReceipt:
    deliverer = next((str(i["deliverer"]) for i in s.items if i.get("deliverer")), "")
    counted = s.extra.get("counted", {})
    lines = [warehouse_receipt.ReceivedGoods(goods_of(i), int(i["quantity"])) for i in s.items]
    lines = [warehouse_receipt.ReceivedGoods(Goods(x.goods.label_code, x.goods.description, x.goods.unit,
                                                   counted.get(x.goods.label_code, x.goods.quantity),
                                                   x.goods.condition, x.goods.value_vnd), x.expected)
             for x in lines]
    return warehouse_receipt.WarehouseReceipt(
        _heading(s, at), deliverer, f"biên bản tạm giữ của vụ {s.subject_id}",
        f"{s.warehouse_name} ({s.warehouse_id})", lines, warehouse_receipt.default_parties(deliverer=deliverer))


MOVEMENTS: dict[str, tuple[str, int]] = {  # event type -> words on the card, +1 in / -1 out / 0
    "custody.item_received": ("Nhập kho", 1), "custody.item_moved": ("Chuyển vị trí trong kho", 0),
    "custody.item_packed": ("Đóng vào thùng", 0), "custody.item_unpacked": ("Lấy ra khỏi thùng", 0),
    "custody.item_transfer_dispatched": ("Xuất điều chuyển", -1),
    "custody.item_transfer_received": ("Nhập điều chuyển", 1), "custody.item_checked_out": ("Xuất tạm", -1),
    "custody.item_returned": ("Nhập lại", 1), "custody.item_missing": ("Ghi nhận thất lạc", -1),
    "custody.item_found": ("Tìm thấy", 1), "custody.item_reserved": ("Giữ cho lô xử lý", 0),
    "custody.reservation_released": ("Thôi giữ cho lô xử lý", 0),
    "custody.item_handed_over": ("Bàn giao cho tổ xử lý", -1), "custody.item_disposed": ("Đã tiêu hủy", 0),
    "custody.item_released": ("Trả lại chủ sở hữu", 0), "custody.legal_hold_placed": ("Phong tỏa", 0),
    "custody.legal_hold_lifted": ("Bỏ phong tỏa", 0),
}


def movements(item: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> list[storage_card.Movement]:
    """The item's custody events as the card's lines: what came in and went out, in the item's quantity (a
    receipt counts what was counted)."""
    lines = []
    for e in events:
        words, sign = MOVEMENTS.get(str(e["type"]), ("", 0))
        if not words:
            continue
        data = e.get("data") or {}
        quantity = int(data.get("quantity_counted") or item["quantity"])
        where = data.get("location_code") or data.get("to_warehouse_id") or data.get("holder") or ""
        lines.append(storage_card.Movement(
            e["at"], str(e["event_id"])[:8].upper(), f"{words} {where}".strip(),
            quantity if sign > 0 else 0, quantity if sign < 0 else 0, str(e.get("actor") or "")))
    return lines


def _storage_card(s: Subject, at: datetime) -> storage_card.StorageCard:
    item = s.items[0]
    return storage_card.StorageCard(_heading(s, at), goods_of(item), f"{s.warehouse_name} ({s.warehouse_id})",
                                    str(item["seizure_id"]), movements(item, s.extra.get("events", [])),
                                    storage_card.default_parties())


Renderer = Callable[[Subject, datetime, Mapping[str, Signature]], bytes]


def _minutes(build: Callable[[Subject, datetime], handover.HandoverMinutes]) -> Renderer:
    def render(s: Subject, at: datetime, signed: Mapping[str, Signature]) -> bytes:
        m = build(s, at)
        m = handover.HandoverMinutes(m.occasion, m.heading, m.reference, _named(m.giver, signed),
                                     _named(m.receiver, signed), m.goods, m.basis, m.notes, m.copies)
        return handover.render(m, signed)
    return render


def _receipt(s: Subject, at: datetime, signed: Mapping[str, Signature]) -> bytes:
    r = _warehouse_receipt(s, at)
    parties = [_named(p, signed) for p in r.parties]
    return warehouse_receipt.render(warehouse_receipt.WarehouseReceipt(
        r.heading, r.deliverer_name, r.document, r.warehouse, r.lines, parties), signed)


def _card(s: Subject, at: datetime, signed: Mapping[str, Signature]) -> bytes:
    c = _storage_card(s, at)
    return storage_card.render(storage_card.StorageCard(c.heading, c.goods, c.warehouse, c.seizure, c.movements,
                                                        [_named(p, signed) for p in c.parties]), signed)


RENDER: dict[FormKind, Renderer] = {
    FormKind.RECEIPT_MINUTES: _minutes(_receipt_minutes), FormKind.TRANSFER_MINUTES: _minutes(_transfer_minutes),
    FormKind.HANDOVER_MINUTES: _minutes(_handover_minutes), FormKind.WAREHOUSE_RECEIPT: _receipt,
    FormKind.STORAGE_CARD: _card,
}
PARTIES: dict[FormKind, tuple[Party, ...]] = {
    FormKind.RECEIPT_MINUTES: (Party(handover.GIVER, "Bên giao"), Party(handover.RECEIVER, "Bên nhận")),
    FormKind.TRANSFER_MINUTES: (Party(handover.GIVER, "Bên giao"), Party(handover.RECEIVER, "Bên nhận")),
    FormKind.HANDOVER_MINUTES: (Party(handover.GIVER, "Bên giao"), Party(handover.RECEIVER, "Bên nhận")),
    FormKind.WAREHOUSE_RECEIPT: warehouse_receipt.default_parties(),
    FormKind.STORAGE_CARD: storage_card.default_parties(),
}


def draft_pdf(subject: Subject, at: datetime) -> bytes:
    """The form unsigned, as of `at` (a page shows it before anyone signs)."""
    if not subject.items:
        raise no_items(subject.form, subject.subject_id)
    return RENDER[subject.form](subject, at, {})


def signed_pdf(subject: Subject, captured: Sequence[Captured], at: datetime) -> bytes:
    if not subject.items:
        raise no_items(subject.form, subject.subject_id)
    signed = {c.party: Signature(c.party, c.name, c.png, at) for c in captured}
    return RENDER[subject.form](subject, at, signed)


@dataclass(frozen=True)
class SignedForm:
    row: dict[str, Any]
    draft: Draft


def sign(subject: Subject, captured: Sequence[Captured], pdf_sha256: str, pdf_size: int, signer: str, role: str,
         now: datetime, form_id: uuid.UUID) -> SignedForm:
    """The signed form's row and its event: the PDF's and every signature's SHA-256, who signed in which role,
    the items it covers."""
    signatures = [{"party": c.party, "name": c.name, "sha256": c.sha256, "media_type": "image/png"}
                  for c in captured]
    item_ids = [i["item_id"] for i in subject.items]
    row = {"form_id": form_id, "form": str(subject.form), "subject_id": subject.subject_id,
           "warehouse_id": subject.warehouse_id, "item_ids": item_ids, "pdf_sha256": pdf_sha256,
           "pdf_size_bytes": pdf_size, "signatures": signatures, "signed_by": signer, "signed_at": now}
    data = {"form_id": str(form_id), "form": str(subject.form), "subject_id": str(subject.subject_id),
            "warehouse_id": subject.warehouse_id, "item_ids": [str(i) for i in item_ids], "pdf_sha256": pdf_sha256,
            "pdf_size_bytes": pdf_size, "signatures": signatures, "signed_by": signer, "signer_role": role}
    return SignedForm(row, Draft("custody.form_signed", f"form/{form_id}", data))
