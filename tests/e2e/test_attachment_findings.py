"""The auditor names a missing or altered attachment: files named by events of the real log (a seizure's document
at intake, a photo taken at receipt at custody), one deleted from its store and one altered; the replay's check
names each, with the event that named it, in Vietnamese and English, in the HTML and PDF report too."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tangvat_audit.attachments import attachment_findings, file_refs
from tangvat_audit.audit import run_audit
from tangvat_audit.log_reader import read_stream
from tangvat_audit.report import as_html
from tangvat_audit.report_pdf import as_pdf
from tangvat_shared.keys import load_public_key
from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import BIN, SeizureFactory, World, fetch, staff


async def test_a_deleted_and_an_altered_attachment_are_named_findings_and_the_intact_ones_are_not(
    world: World, seizure: SeizureFactory, token: TokenFactory, keys_dir: Path,
) -> None:
    officer = bearer(token(user="officer-1"))
    seized = await seizure([("counterfeit", 2)], check_in=False)
    document = b"%PDF-1.4\n% quyet dinh tam giu " + uuid.uuid4().bytes + bytes(64)
    kept = b"\xff\xd8\xff\xe0 anh hien truong " + uuid.uuid4().bytes + bytes(64)
    for content, name in ((document, "quyet-dinh-tam-giu.pdf"), (kept, "hien-truong.jpg")):
        r = await world.intake.post(f"/seizures/{seized.seizure_id}/attachments", headers=officer,
                                    data={"name": name}, files={"file": (name, content, "application/octet-stream")})
        assert r.status_code == 201, r.text
    photo = b"\xff\xd8\xff\xe0 nhap kho " + uuid.uuid4().bytes + bytes(64)
    first = seized.ids(0)[0]
    r = await world.custody.post(f"/items/{first}/photos", headers=staff(token),
                                 files={"photo": ("p.jpg", photo, "image/jpeg")})
    assert r.status_code == 201, r.text
    r = await world.custody.post("/scans/check-in", headers=staff(token), json={
        "label": seized.label(0), "location_code": BIN, "photo_ids": [r.json()["photo_id"]]})
    assert r.status_code == 200, r.text

    async def published() -> bool:
        rows = await fetch(world.custody_dsn, "SELECT count(*) AS n FROM event WHERE stream_seq IS NULL")
        rows += await fetch(world.intake_dsn, "SELECT count(*) AS n FROM event WHERE stream_seq IS NULL")
        return all(r["n"] == 0 for r in rows)

    await eventually(published, what="both outboxes published")
    gone, altered = hashlib.sha256(document).hexdigest(), hashlib.sha256(photo).hexdigest()
    world.files["intake"].path_of(gone).unlink()
    world.files["custody"].path_of(altered).write_bytes(photo[:-1] + b"\x01")

    async def logs_with_both() -> dict[str, Any] | None:
        logs = {"intake": await read_stream(world.bootstrap, world.topics.intake),
                "custody": await read_stream(world.bootstrap, world.topics.custody)}
        hashes = {r.sha256 for r in file_refs(logs)}
        return logs if {gone, altered, hashlib.sha256(kept).hexdigest()} <= hashes else None

    logs = await eventually(logs_with_both, what="the events naming the three files on Kafka")
    result = run_audit(logs, {s: load_public_key((keys_dir / f"{s}.pub.pem").read_bytes()) for s in logs})
    found = await attachment_findings(file_refs(logs), world.files)
    mine = {f.kind: f for f in found if gone in f.detail or altered in f.detail}
    assert set(mine) == {"attachment_missing", "attachment_altered"}, found
    missing, changed = mine["attachment_missing"], mine["attachment_altered"]
    assert (missing.stream, missing.subject) == ("intake", f"seizure/{seized.seizure_id}")
    assert "Tệp đính kèm bị thiếu: «quyet-dinh-tam-giu.pdf»" in missing.detail
    assert "Missing attachment: “quyet-dinh-tam-giu.pdf”" in missing.detail
    assert "intake.attachment_added" in missing.detail and missing.event_id and missing.sequence
    assert (changed.stream, changed.subject) == ("custody", f"item/{first}")
    assert "Tệp đính kèm bị thay đổi" in changed.detail and "Altered attachment" in changed.detail
    assert "custody.item_received" in changed.detail
    # The intact one is no finding.
    assert not [f for f in found if hashlib.sha256(kept).hexdigest() in f.detail]

    result.findings += [missing, changed]
    page = as_html(result)
    assert "attachment_missing" in page and "Tệp đính kèm bị thiếu: «quyet-dinh-tam-giu.pdf»" in page
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(as_pdf(result))).pages)
    assert "Tệp đính kèm bị thiếu" in text and "Altered attachment" in text
