"""The board page (a vote with its reason reaching quorum, reservation, an item put on hold late and
dropped from the batch with a reason, certificate) and the auditor page (a replay's finding, the
time-travel view of a location)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import time
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import BINS, BOARD, UNIT, WAREHOUSE, WebStack, eventually, screenshot, sign_in
from tests.support.evidence import evidence_sha256


def _disposal_knows(web_stack: WebStack, item_ids: list[str]) -> bool:
    with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
        for item_id in item_ids:
            r = disposal.get(f"/items/{item_id}")
            if r.status_code != 200 or r.json()["custody_state"] != "in_storage" or not r.json()["legal_status"]:
                return False
    return True


def _batch(web_stack: WebStack, batch_id: str) -> dict[str, Any]:
    with web_stack.client("disposal", "auditor", "kiem-toan-1") as disposal:
        body: dict[str, Any] = disposal.get(f"/batches/{batch_id}").json()
        return body


def test_a_board_vote_on_the_page_reaches_quorum_and_the_certificate_follows(browser: Browser,
                                                                              web_stack: WebStack) -> None:
    items = web_stack.register(3, legal=True)
    ids = [i["item_id"] for i in items]
    held, kept = ids[2], ids[:2]
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        for item in items:
            r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[0]})
            assert r.status_code == 200, r.text
    eventually(lambda: _disposal_knows(web_stack, ids), what="disposal's read model")
    with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
        r = disposal.post("/batches", json={"unit": UNIT, "method": "destroy", "item_ids": ids,
                                            "reason": "Hàng giả, không còn giá trị sử dụng"})
        assert r.status_code == 201, r.text
        batch_id = r.json()["batch_id"]

    for member, reason in ((BOARD[1], "Đúng quy định, đồng ý tiêu hủy"), (BOARD[2], "Đồng ý")):
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        sign_in(page, web_stack.web, member)
        page.goto(f"{web_stack.web}/board.html")
        section = page.locator(f'#pending section[data-batch="{batch_id}"]')
        expect(section.locator("progress:not(.rejections)")).to_be_visible()
        section.locator('form.vote input[value="approve"]').check()  # the form chooses nothing for the member
        section.locator("form.vote textarea").fill(reason)
        section.locator("form.vote button[type=submit]").click()
        expect(section.locator('[data-role="result"].ok')).to_be_visible()  # said beside the form
        if member == BOARD[1]:
            expect(section).to_have_attribute("data-status", "proposed")
            expect(section.locator("progress:not(.rejections)")).to_have_attribute("value", "1")
            expect(section.locator("form.vote")).to_have_count(0)  # one vote per member
            screenshot(page, "board-first-vote")
        else:
            # Quorum: the reservation runs through custody and the page follows it until it settles.
            expect(section).to_have_attribute("data-status", "ready", timeout=30_000)
            expect(section.locator('[data-role="status"]')).to_have_text("ready to execute")  # in words
            expect(section.locator("h3")).to_contain_text("destruction")
            expect(section.locator('table.reservation tr[data-key="reserved"] td')).to_have_text("3")
            screenshot(page, "board-quorum")
        context.close()

    # A court holds one reserved item: a board member drops it from the batch on the page, with a reason.
    with web_stack.client("custody", "board_member", BOARD[1]) as custody:
        r = custody.post(f"/items/{held}/legal-hold", json={"reason": "Tòa án yêu cầu giữ làm chứng cứ"})
        assert r.status_code == 200, r.text
    stale = browser.new_context(viewport={"width": 1100, "height": 900})  # opened before the drop
    stale_page = stale.new_page()
    sign_in(stale_page, web_stack.web, BOARD[2])
    stale_page.goto(f"{web_stack.web}/board.html")
    expect(stale_page.locator(f'#others section[data-batch="{batch_id}"] tr[data-item="{held}"] button.drop')
           ).to_have_count(1)
    phone = browser.new_context(viewport={"width": 360, "height": 640})
    page = phone.new_page()
    sign_in(page, web_stack.web, BOARD[1], lang="vi")
    page.goto(f"{web_stack.web}/board.html")
    section = page.locator(f'#others section[data-batch="{batch_id}"]')
    section.locator("details:not(.cancel) summary").click()
    section.locator(f'tr[data-item="{held}"] button.drop').click()
    form = section.locator(f'form.drop-form[data-item="{held}"]')
    form.locator("textarea").fill("   ")
    form.locator("button[type=submit]").click()
    expect(page.locator("#status .banner.error")).to_contain_text("Cần ghi lý do")  # in words, in Vietnamese
    screenshot(page, "board-drop-form-360")
    form.locator("textarea").fill("Tòa án yêu cầu giữ làm chứng cứ")
    form.locator('input[name="deferred"]').check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#status .banner.ok")).to_contain_text("Đã rút tang vật khỏi lô")
    row = section.locator(f'tr[data-item="{held}"][data-reservation]')
    expect(row).to_have_attribute("data-reservation", "dropped")
    expect(section.locator(f'tr[data-item="{held}"] button.drop')).to_have_count(0)
    expect(section.locator(f'ul.dropped li[data-item="{held}"]')).to_contain_text("Tòa án yêu cầu giữ")
    expect(section.locator(f'ul.dropped li[data-item="{held}"] .badge')).to_have_text("hoãn")
    screenshot(page, "board-drop-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "board-drop-desktop")
    phone.close()
    # The page opened before the drop tries again: the service's refusal is shown in words.
    stale_section = stale_page.locator(f'#others section[data-batch="{batch_id}"]')
    stale_section.locator("details:not(.cancel) summary").click()
    stale_section.locator(f'tr[data-item="{held}"] button.drop').click()
    stale_form = stale_section.locator(f'form.drop-form[data-item="{held}"]')
    stale_form.locator("textarea").fill("Tòa án yêu cầu")
    stale_form.locator("button[type=submit]").click()
    expect(stale_page.locator("#status .banner.error")).to_have_text(
        "Error: This item was already dropped from the batch.")
    screenshot(stale_page, "board-drop-refused")
    stale.close()
    assert [d["item_id"] for d in _batch(web_stack, batch_id)["dropped"]] == [held]
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        eventually(lambda: custody.get(f"/items/{held}").json()["state"] == "in_storage",
                   what="custody putting the dropped item back in storage")
        assert custody.get(f"/items/{held}").json()["on_hold"] is True

    # Custody's staff hand the reserved goods to the destruction team before anything is destroyed.
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        r = custody.post("/handovers", json={"batch_id": batch_id, "warehouse_id": WAREHOUSE,
                                             "recipient": "Tổ tiêu hủy"})
        assert r.status_code == 200, r.text
    eventually(lambda: _batch(web_stack, batch_id)["handed_over"] == 2, what="disposal knowing the handover")
    # Each witness confirms from their own session; the one recording the destruction names nobody.
    for role, user in (("auditor", "kiem-toan-1"), ("board_member", BOARD[2])):
        with web_stack.client("disposal", role, user) as witness:
            r = witness.post(f"/batches/{batch_id}/execution/witnesses",
                             json={"name": f"Ông {user}", "organisation": "Sở Tài chính"})
            assert r.status_code == 200, r.text
    with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
        r = disposal.post(f"/batches/{batch_id}/execution", json={
            "executed_on": datetime.now(UTC).date().isoformat(), "place": "Bãi rác Đồng Ngo, Bắc Ninh",
            "destruction_method": "crush",
            "evidence": [{"sha256": evidence_sha256(disposal, batch_id), "name": "anh-hien-truong.jpg",
                          "kind": "photo"}],
            "confirmed_item_ids": kept})
        assert r.status_code == 200, r.text
    eventually(lambda: _batch(web_stack, batch_id)["status"] == "executed", what="the execution")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    sign_in(page, web_stack.web, "kiem-toan-1")
    page.goto(f"{web_stack.web}/board.html")
    section = page.locator(f'#others section[data-batch="{batch_id}"]')
    expect(section).to_have_attribute("data-status", "executed")
    expect(section.locator('[data-role="status"]')).to_have_text("executed")
    expect(section.locator("form.vote")).to_have_count(0)  # an auditor reads, never votes
    section.locator("button.certificate").click()
    expect(section.locator("a.certificate-link")).to_be_visible()
    assert page.evaluate("""async () => {
        const a = document.querySelector('a.certificate-link');
        const blob = await (await fetch(a.href)).blob();
        return new TextDecoder().decode(await blob.slice(0, 5).arrayBuffer());
    }""") == "%PDF-"
    screenshot(page, "board-executed")
    context.close()


def _inject_malformed_record(bootstrap: str) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("custody.events", b'{"type": "custody.item_moved", "not": "an event"}')
        finally:
            await producer.stop()

    # Its own thread and event loop: the test process's loop belongs to pytest-asyncio.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, send()).result()


def test_the_auditor_runs_a_replay_and_sees_a_finding_then_looks_back_at_a_location(
        page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[1]})
        assert r.status_code == 200, r.text
        time.sleep(1.1)  # the time-travel instant must fall strictly between the two scans
        before_move = datetime.now(UTC)
        time.sleep(1.1)
        r = custody.post("/scans/move", json={"label": web_stack.label(item), "location_code": BINS[0]})
        assert r.status_code == 200, r.text
    _inject_malformed_record(web_stack.kafka_bootstrap)

    sign_in(page, web_stack.web, "kiem-toan-1")
    page.goto(f"{web_stack.web}/audit.html")
    page.click("#run")
    expect(page.locator("#verdict")).to_have_attribute("data-clean", "false", timeout=60_000)
    finding = page.locator("#findings tbody tr").filter(has_text="custody")
    expect(finding.first).to_be_visible()
    screenshot(page, "audit-findings")

    # The run is kept: newest first in the past audits, its PDF opens exactly as issued.
    kept = page.locator("#past-audits tbody tr").first
    expect(kept).to_have_attribute("data-clean", "false")
    expect(kept).to_contain_text("kiem-toan-1")
    expect(page.locator("#past-more")).to_be_hidden()  # one page holds them all
    kept.locator("button[data-format=pdf]").click()
    link = kept.locator("a.report-link")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    screenshot(page, "audit-past")

    page.fill("#tt-location", BINS[1])
    page.fill("#tt-at", before_move.strftime("%Y-%m-%dT%H:%M:%S"))
    # Whatever the browser's own format of the field, the instant is spelled beside it in the page's words.
    expect(page.locator("#tt-at-words")).to_contain_text(f"{before_move.day} {before_move:%B %Y}")
    expect(page.locator("#tt-at-words")).to_contain_text(f"{before_move:%A}")
    expect(page.locator("#tt-at-words")).to_contain_text(f"{before_move:%H:%M}")
    page.click("#tt-form button[type=submit]")
    expect(page.locator("#tt-items")).to_contain_text(item["item_id"])
    page.fill("#tt-at", "")
    page.click("#tt-form button[type=submit]")
    expect(page.locator("#tt-items")).not_to_contain_text(item["item_id"])  # moved away since
    screenshot(page, "audit-time-travel")
