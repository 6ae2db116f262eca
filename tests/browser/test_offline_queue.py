"""The scan station's offline queue: scans made without a network are kept with their idempotency
keys and sent once when it returns; a scan whose answer was lost is not recorded twice."""

from __future__ import annotations

import json
import uuid

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    BINS,
    WebStack,
    eventually,
    log_in_at_keycloak,
    pick_location,
    scan,
    screenshot,
    sign_in,
)


def received(web_stack: WebStack, item_id: str) -> int:
    return web_stack.custody_history(item_id).count("custody.item_received")


def test_scans_made_offline_are_sent_once_when_the_network_returns(page: Page, context: BrowserContext,
                                                                    web_stack: WebStack) -> None:
    items = web_stack.register(3)
    sign_in(page, web_stack.web, "kho-1")
    page.goto(f"{web_stack.web}/scan.html")
    pick_location(page, BINS[0])

    context.set_offline(True)
    for item in items:
        scan(page, web_stack.label(item))
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "3")
    expect(page.locator("#net-state")).to_have_text("Offline")
    expect(page.locator("#feedback")).to_have_attribute("data-kind", "queued")
    screenshot(page, "scan-station-offline")
    assert all(received(web_stack, item["item_id"]) == 0 for item in items)
    queued = json.loads(page.evaluate("localStorage.getItem('tv_scan_queue')"))
    assert len({entry["key"] for entry in queued}) == 3  # one idempotency key per scan

    context.set_offline(False)
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "0", timeout=20_000)
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(3)
    for item in items:
        assert received(web_stack, item["item_id"]) == 1

    # The queue survives a reload, and flushing it twice (the 'online' event and the timer) sends nothing twice.
    page.reload()
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "0")
    assert all(received(web_stack, item["item_id"]) == 1 for item in items)


def test_a_scan_whose_answer_was_lost_is_replayed_not_recorded_twice(page: Page, web_stack: WebStack) -> None:
    """The request reached custody but the station never saw the answer: it stays queued with its key."""
    item, other = web_stack.register(2)
    key = str(uuid.uuid4())
    body = {"label": web_stack.label(item), "location_code": BINS[1]}
    with httpx.Client(base_url=web_stack.web, timeout=30) as web:
        first = web.post("/api/custody/scans/check-in", json=body, headers={
            "Authorization": f"Bearer {web_stack.token('kho-1')}", "Idempotency-Key": key})  # an API client
    assert first.status_code == 200, first.text
    sign_in(page, web_stack.web, "kho-1")
    # The queue is left by an earlier visit: written on a page that sends nothing (the scan station's own timer
    # would send it before a reload, and the log of that page would be gone with it), then the station opens.
    page.goto(f"{web_stack.web}/item.html")
    entry = {"key": key, "action": "receive", "code": item["label_code"], "at": "2026-01-01T00:00:00Z",
             "path": "custody/scans/check-in", "body": body}
    page.evaluate("entry => localStorage.setItem('tv_scan_queue', JSON.stringify([entry]))", entry)
    page.goto(f"{web_stack.web}/scan.html")
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "0", timeout=20_000)
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(1)
    # A fresh scan after the flush still goes straight through.
    pick_location(page, BINS[1])
    scan(page, web_stack.label(other))
    expect(page.locator("#feedback")).to_have_attribute("data-kind", "ok")
    eventually(lambda: received(web_stack, other["item_id"]) == 1, what="the fresh scan")
    assert received(web_stack, item["item_id"]) == 1


def test_a_scan_made_after_the_session_ended_stays_queued_and_is_sent_after_signing_in_again(
        page: Page, context: BrowserContext, web_stack: WebStack) -> None:
    """The person signs out in another tab (the front forgets the session, Keycloak ends its own): the scan
    station's next scan is refused 401, kept in the queue with a banner in both languages, and sent once
    they have signed in again through the login page."""
    (item,) = web_stack.register(1)
    sign_in(page, web_stack.web, "kho-1", fresh=True)  # signed out below: not the shared session
    page.goto(f"{web_stack.web}/scan.html")
    expect(page.locator("#who")).to_contain_text("kho-1")
    assert page.evaluate("JSON.stringify(sessionStorage)") == "{}"  # no token in the browser's storage
    assert all(c["httpOnly"] for c in context.cookies() if c["name"] == "tangvat_session")

    other = context.new_page()
    other.goto(f"{web_stack.web}/index.html")
    other.click("#sign-out")
    other.wait_for_url(f"{web_stack.web}/**")
    expect(other.locator("#signin-button")).to_be_visible()
    other.close()

    pick_location(page, BINS[0])
    scan(page, web_stack.label(item))
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "1")
    banner = page.locator("#session-banner")
    expect(banner).to_be_visible()
    expect(banner.locator('[lang="en"]')).to_contain_text("Queued scans are kept")
    expect(banner.locator('[lang="vi"]')).to_contain_text("lượt quét đang chờ vẫn được giữ")
    screenshot(page, "scan-station-signed-out")
    assert received(web_stack, item["item_id"]) == 0

    banner.locator("a").click()  # to the login page, and back to the scan station
    log_in_at_keycloak(page, "kho-1", web_stack.identity)
    page.wait_for_url(f"{web_stack.web}/scan.html")
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "0", timeout=20_000)
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(1)
    eventually(lambda: received(web_stack, item["item_id"]) == 1, what="the queued scan")
