"""The scene photo test destructions name as their evidence, and its upload for a batch (POST
/batches/{id}/evidence): an execution names only files kept in disposal's store."""

from __future__ import annotations

import hashlib
from typing import Any

EVIDENCE_PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 anh hien truong tieu huy" + bytes(64)
EVIDENCE_SHA256 = hashlib.sha256(EVIDENCE_PHOTO).hexdigest()


def evidence_sha256(disposal: Any, batch_id: str) -> str:
    """Upload the scene photo for the batch through `disposal` (a signed-in httpx.Client); its SHA-256."""
    r = disposal.post(f"/batches/{batch_id}/evidence", files={"file": ("anh-hien-truong.jpg", EVIDENCE_PHOTO,
                                                                      "image/jpeg")})
    assert r.status_code == 201, r.text
    sha256: str = r.json()["sha256"]
    assert sha256 == EVIDENCE_SHA256
    return sha256
