"""The auditor's service: an item's timeline from the streams, and every read recorded as an event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import demo_data
import httpx
import pytest

from tangvat_audit.api import build_app
from tangvat_audit.handlers import SOURCES, handlers
from tangvat_shared.db import connect
from tangvat_shared.kafka import event_topic
from tangvat_shared.relay import Relay
from tests.integration.conftest import TokenFactory, bearer
from tests.support.databases import migrated_database
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.running import running_app, running_consumer
from tests.support.tokens import verifier_for
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
async def audit_dsn(infra: Any) -> str:
    return await migrated_database(infra.pg_admin_dsn, f"audit_svc_{uuid.uuid4().hex[:6]}", "tangvat_audit")


@pytest.fixture(scope="module")
async def audit_consumer(infra: Any, audit_dsn: str) -> AsyncIterator[None]:
    async with running_consumer(infra, audit_dsn, group="audit", kafka_group=f"audit-{uuid.uuid4().hex[:6]}",
                                topics=[event_topic(s) for s in SOURCES], handlers=handlers(), dlq_topic="audit.dlq"):
        yield


@pytest.fixture(scope="module")
async def audit_client(infra: Any, audit_dsn: str, keys_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    verifier = verifier_for(keys_dir)  # the local issuer, and the suite's Keycloak
    async with running_app(build_app(audit_dsn, verifier, infra.kafka_bootstrap, keys_dir)) as client:
        yield client


async def test_an_items_timeline_comes_from_the_streams_and_each_read_is_recorded(
    intake_client: httpx.AsyncClient, intake_relay: Relay, audit_consumer: None, audit_client: httpx.AsyncClient,
    audit_dsn: str, token: TokenFactory,
) -> None:
    created = (await intake_client.post("/seizures", json=demo_data.seizure(3), headers=bearer(token()))).json()
    item = (await intake_client.get(f"{created['items_url']}?limit=1", headers=bearer(token()))).json()["items"][0]
    auditor = bearer(token("auditor", user="auditor-7"))

    async def timeline() -> list[dict[str, Any]]:
        response = await audit_client.get(f"/items/{item['item_id']}/timeline", headers=auditor)
        if response.status_code == 404:  # a unit's auditor sees the item once its registration says whose it is
            return []
        assert response.status_code == 200, response.text
        steps = list(response.json())
        # Streams arrive independently: custody's first step may be projected before intake's.
        return steps if any(s["event_type"] == "intake.item_registered" for s in steps) else []

    steps = await eventually(timeline, what="the item's registration to reach the auditor's projection")
    assert steps[0]["event_type"] == "intake.item_registered"
    assert steps[0]["stream"] == "intake" and steps[0]["sequence"] >= 1

    forbidden = await audit_client.get(f"/items/{item['item_id']}/timeline", headers=bearer(token("warehouse_staff")))
    assert forbidden.status_code == 403

    conn = await connect(audit_dsn)
    try:
        recorded = await conn.fetch(
            "SELECT body FROM event WHERE event_type = 'audit.item_timeline_viewed' AND subject = $1",
            f"item/{item['item_id']}")
    finally:
        await conn.close()
    assert recorded, "every read is recorded"
    assert {r["body"]["actorid"] for r in recorded} == {"auditor-7"}

    # An auditor of another unit finds no such item: the very answer an id nobody registered gets.
    other_unit = bearer(token("auditor", user="auditor-hn", units=("QLTT-HN",)))
    elsewhere = await audit_client.get(f"/items/{item['item_id']}/timeline", headers=other_unit)
    nobody = uuid.uuid4()
    unknown = await audit_client.get(f"/items/{nobody}/timeline", headers=other_unit)
    assert elsewhere.status_code == unknown.status_code == 404, elsewhere.text
    assert elsewhere.json() == {"error": {"code": "unknown_item", "message": f"item {item['item_id']} not found"}}
    assert unknown.json() == {"error": {"code": "unknown_item", "message": f"item {nobody} not found"}}
    national = bearer(token("auditor", user="auditor-tw", units=("*",)))
    assert (await audit_client.get(f"/items/{item['item_id']}/timeline", headers=national)).status_code == 200


async def test_unit_scope_a_departments_auditor_reads_its_teams_timelines_a_team_neither_its_siblings_nor_its_own(
    intake_client: httpx.AsyncClient, intake_relay: Relay, audit_consumer: None, audit_client: httpx.AsyncClient,
    token: TokenFactory,
) -> None:
    """The unit hierarchy on the auditor's service: QLTT-BN's auditor reads QLTT-BN-D01's item, the nation's
    (QLTT) too; the sibling team, a look-alike code and the team for its department's item get an unknown id's
    answer; a whole-log audit stays for auditors of every unit (`*`), the nation's included."""

    async def registered(unit: str) -> str:
        headers = bearer(token(user=f"h-officer-{unit.lower()}", units=(unit,)))
        created = await intake_client.post("/seizures", json=demo_data.seizure(1, unit=unit), headers=headers)
        assert created.status_code == 201, created.text
        page = await intake_client.get(f"{created.json()['items_url']}?limit=1", headers=headers)
        return str(page.json()["items"][0]["item_id"])

    team_item, department_item = await registered("QLTT-BN-D01"), await registered("QLTT-BN")

    async def timeline(item_id: str, *units: str) -> httpx.Response:
        user = "h-auditor-" + "-".join("all" if u == "*" else u.lower() for u in units)
        return await audit_client.get(f"/items/{item_id}/timeline", headers=bearer(token("auditor", user=user,
                                                                                        units=units)))

    async def projected() -> bool:  # the registrations have reached the auditor's projection
        # (an all-unit auditor gets an empty timeline before: nothing yet says whose the item is)
        for item_id in (team_item, department_item):
            steps = (await timeline(item_id, "*")).json()
            if not any(step["event_type"] == "intake.item_registered" for step in steps):
                return False
        return True

    await eventually(projected, what="both registrations in the auditor's projection")
    for units in (("QLTT-BN",), ("QLTT",), ("QLTT-BN-D01",), ("QLTT-HN", "QLTT-BN")):
        seen = await timeline(team_item, *units)
        assert seen.status_code == 200 and seen.json()[0]["data"]["seizing_unit"] == "QLTT-BN-D01", units
    for item_id, units in [(team_item, ("QLTT-BN-D02",)), (team_item, ("QLTT-BNH",)), (team_item, ("QLTT-BN-D0",)),
                           (department_item, ("QLTT-BN-D01",))]:
        nobody = uuid.uuid4()
        elsewhere, unknown = await timeline(item_id, *units), await timeline(str(nobody), *units)
        assert elsewhere.status_code == unknown.status_code == 404, (units, elsewhere.text)
        assert elsewhere.json() == {"error": {"code": "unknown_item", "message": f"item {item_id} not found"}}
    national = bearer(token("auditor", user="h-auditor-national", units=("QLTT",)))
    for whole_log in (await audit_client.post("/audits", headers=national),
                      await audit_client.get("/audits", headers=national)):
        assert whole_log.status_code == 403 and whole_log.json()["error"]["code"] == "unit_scope", whole_log.text


async def test_an_audit_run_over_http_is_recorded_with_the_hash_of_its_report(
    intake_relay: Relay, audit_client: httpx.AsyncClient, audit_dsn: str, token: TokenFactory
) -> None:
    response = await audit_client.post("/audits", headers=bearer(token("auditor", user="auditor-7", units=("*",))))
    assert response.status_code == 200
    report = response.json()
    assert report["streams"]["intake"]["events"] > 0
    conn = await connect(audit_dsn)
    try:
        body = await conn.fetchval(
            "SELECT body FROM event WHERE event_type = 'audit.report_exported' ORDER BY id DESC LIMIT 1")
    finally:
        await conn.close()
    assert body["data"]["report_sha256"] == report["report_sha256"]
    assert body["data"]["findings"] == len(report["findings"])


async def _recorded(audit_dsn: str, event_type: str, subject: str) -> list[dict[str, Any]]:
    conn = await connect(audit_dsn)
    try:
        rows = await conn.fetch("SELECT body FROM event WHERE event_type = $1 AND subject = $2 ORDER BY id",
                                event_type, subject)
    finally:
        await conn.close()
    return [r["body"] for r in rows]


async def test_past_audits_are_kept_listed_newest_first_and_shown_as_issued_each_read_recorded(
    intake_relay: Relay, audit_client: httpx.AsyncClient, audit_dsn: str, token: TokenFactory
) -> None:
    import hashlib
    import io

    from pypdf import PdfReader

    auditor = bearer(token("auditor", user="auditor-9", units=("*",)))
    first = (await audit_client.post("/audits", headers=auditor)).json()
    second = (await audit_client.post("/audits?until=2020-01-01T00:00:00Z", headers=auditor)).json()

    page = await audit_client.get("/audits?limit=1", headers=auditor)
    assert page.status_code == 200
    assert [r["id"] for r in page.json()["reports"]] == [second["id"]]  # newest first
    assert page.json()["next_after"] == second["id"]
    rest = (await audit_client.get(f"/audits?after={second['id']}&limit=200", headers=auditor)).json()
    assert first["id"] in [r["id"] for r in rest["reports"]] and second["id"] not in [r["id"] for r in rest["reports"]]
    listed = next(r for r in rest["reports"] if r["id"] == first["id"])
    assert listed["ran_by"] == {"user_id": "auditor-9", "role": "auditor"}
    assert listed["clean"] == first["clean"] and listed["findings"] == len(first["findings"])
    assert listed["report_sha256"] == first["report_sha256"] and listed["until"] is None
    assert page.json()["reports"][0]["until"].startswith("2020-01-01T00:00:00")

    shown = await audit_client.get(f"/audits/{first['id']}", headers=auditor)
    assert shown.status_code == 200
    stored = shown.json()["report"]
    assert stored == {k: v for k, v in first.items() if k not in ("id", "report_sha256")}
    conn = await connect(audit_dsn)
    try:
        exact = await conn.fetchval("SELECT report_json FROM audit_report WHERE report_id = $1::uuid", first["id"])
    finally:
        await conn.close()
    assert hashlib.sha256(exact.encode()).hexdigest() == first["report_sha256"]

    html = await audit_client.get(shown.json()["links"]["html"], headers=auditor)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<h1>Tangvat audit</h1>" in html.text
    pdf = await audit_client.get(shown.json()["links"]["pdf"], headers=auditor)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert ("Verdict: CLEAN" if first["clean"] else f"Verdict: {len(first['findings'])} FINDING(S)") in text

    listed_events = await _recorded(audit_dsn, "audit.reports_listed", "reports")
    assert {(e["actorid"], e["data"]["reports_shown"]) for e in listed_events} >= {("auditor-9", 1)}
    viewed = await _recorded(audit_dsn, "audit.report_viewed", f"report/{first['id']}")
    assert sorted(e["data"]["format"] for e in viewed) == ["html", "json", "pdf"]
    assert {e["data"]["report_sha256"] for e in viewed} == {first["report_sha256"]}


async def test_past_audits_answer_401_403_404_422_with_a_machine_readable_error(
    audit_client: httpx.AsyncClient, token: TokenFactory
) -> None:
    auditor = bearer(token("auditor", units=("*",)))
    unknown = uuid.uuid4()
    for path in ("/audits", f"/audits/{unknown}", f"/audits/{unknown}/report.pdf", f"/audits/{unknown}/report.html"):
        missing = await audit_client.get(path)
        assert missing.status_code == 401, path
        assert (await audit_client.get(path, headers={"Authorization": "Bearer nonsense"})).status_code == 401
        staff = await audit_client.get(path, headers=bearer(token("warehouse_staff")))
        assert staff.status_code == 403, path
        assert staff.json()["error"]["code"]
        # An auditor of some units never replays the whole log nor reads its reports: 403 whatever exists.
        scoped = await audit_client.get(path, headers=bearer(token("auditor", units=("QLTT-BN",))))
        assert scoped.status_code == 403 and scoped.json()["error"]["code"] == "unit_scope", path
    scoped = await audit_client.post("/audits", headers=bearer(token("auditor", units=("QLTT-BN",))))
    assert scoped.status_code == 403 and scoped.json()["error"]["code"] == "unit_scope"
    for path in (f"/audits/{unknown}", f"/audits/{unknown}/report.pdf", f"/audits/{unknown}/report.html"):
        absent = await audit_client.get(path, headers=auditor)
        assert absent.status_code == 404, path
        assert absent.json()["error"]["code"] == "not_found"
    for path in ("/audits/not-a-uuid", "/audits?limit=0", "/audits?after=nope", "/audits/not-a-uuid/report.pdf"):
        invalid = await audit_client.get(path, headers=auditor)
        assert invalid.status_code == 422, path
        assert invalid.json()["error"]["code"] == "invalid_input"
