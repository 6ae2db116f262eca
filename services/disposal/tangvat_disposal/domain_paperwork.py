"""Disposal's paperwork as pure rules: the destruction minutes (biên bản tiêu hủy) of an executed batch from its
execution record (decision, place, method, witnesses, evidence), its signature boxes (the board's chair, the
executing team, each witness who confirmed attending), and the signed form's row and event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tangvat_shared.draft import Draft
from tangvat_shared.forms import destruction
from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Heading, Party, Signature
from tangvat_shared.forms.signing import Captured

FORM = "destruction-minutes"
AGENCY = "Hội đồng xử lý tang vật"
METHODS = {"burn": "đốt", "crush": "nghiền", "bury": "chôn lấp", "chemical": "xử lý hóa chất"}
DECISIONS = {"approve": "tán thành", "reject": "không tán thành"}


def parties(batch: Mapping[str, Any]) -> tuple[Party, ...]:
    """The chair (who proposed for the board), the executing team, and every witness who confirmed."""
    witnesses = [Party(destruction.witness_key(n), "Người chứng kiến", str(w.get("name") or w.get("user_id")),
                       str(w.get("organisation") or ""))
                 for n, w in enumerate(batch.get("witnesses") or [], start=1)]
    return (Party(destruction.CHAIR, "Chủ tịch Hội đồng", str(batch.get("proposer") or "")),
            Party(destruction.EXECUTOR, "Đại diện tổ thực hiện"), *witnesses)


def minutes(batch: Mapping[str, Any], items: Sequence[Mapping[str, Any]], at: datetime,
            signed: Mapping[str, Signature]) -> destruction.DestructionMinutes:
    execution = batch.get("execution") or {}
    method = str(execution.get("destruction_method") or "")
    place = str(execution.get("place") or "")
    boxes = tuple(p if p.key not in signed else Party(p.key, p.caption, signed[p.key].name, p.detail)
                  for p in parties(batch))
    goods = [Goods(str(i["label_code"]), str(i["description"]), str(i.get("unit") or ""), int(i["quantity"]),
                   "", int(i["value_vnd"])) for i in items]
    number = f"{uuid.UUID(str(batch['batch_id'])).hex[:8].upper()}/BB-TH"
    return destruction.DestructionMinutes(
        Heading(f"{AGENCY} · {batch['unit']}", str(batch["unit"]), number, place or str(batch["unit"]), at),
        f"quyết định tiêu hủy của Hội đồng đối với lô {batch['batch_id']} (thông qua lúc {batch.get('decided_at')})",
        str(batch.get("reason") or ""), METHODS.get(method, method),
        [f"{v['member']}: {DECISIONS.get(v['decision'], v['decision'])} — {v['reason']}" for v in batch["votes"]],
        boxes, goods,
        evidence=[f"{e.get('kind')}: {e.get('name')}, SHA-256 {e.get('sha256')}"
                  for e in execution.get("evidence", [])],
        dropped=[f"{d['label_code']} — {d['description']}: {d['reason']}" for d in batch.get("dropped") or []])


def render(batch: Mapping[str, Any], items: Sequence[Mapping[str, Any]], at: datetime,
           captured: Sequence[Captured] = ()) -> bytes:
    signed = {c.party: Signature(c.party, c.name, c.png, at) for c in captured}
    return destruction.render(minutes(batch, items, at, signed), signed)


def sign(batch: Mapping[str, Any], items: Sequence[Mapping[str, Any]], captured: Sequence[Captured],
         pdf_sha256: str, pdf_size: int, signer: str, role: str, now: datetime, form_id: uuid.UUID
         ) -> tuple[dict[str, Any], Draft]:
    """The signed minutes' row and `disposal.form_signed`: one signing for every item the batch executed."""
    signatures = [{"party": c.party, "name": c.name, "sha256": c.sha256, "media_type": "image/png"}
                  for c in captured]
    item_ids = [uuid.UUID(str(i["item_id"])) for i in items]
    batch_id = uuid.UUID(str(batch["batch_id"]))
    row = {"form_id": form_id, "form": FORM, "batch_id": batch_id, "unit": batch["unit"], "item_ids": item_ids,
           "pdf_sha256": pdf_sha256, "pdf_size_bytes": pdf_size, "signatures": signatures, "signed_by": signer,
           "signed_at": now}
    data = {"form_id": str(form_id), "form": FORM, "subject_id": str(batch_id), "warehouse_id": None,
            "item_ids": [str(i) for i in item_ids], "pdf_sha256": pdf_sha256, "pdf_size_bytes": pdf_size,
            "signatures": signatures, "signed_by": signer, "signer_role": role}
    return row, Draft("disposal.form_signed", f"form/{form_id}", data)
