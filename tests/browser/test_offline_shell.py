"""The scan station with no network and without a wedge scanner: the service worker keeps the app shell, the page
keeps the label keys and refuses a forged label at once, queued scans carry the instant they were scanned, and the
rear camera reads a label's QR code (Chromium's fake camera plays a video of one)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import segno
from chromium import CHROMIUM_ARGS, ensure_chromium
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from tests.browser.conftest import BINS, WebStack, choose, eventually, pick_location, scan, screenshot, sign_in

PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True,
                         "device_scale_factor": 2}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1100, "height": 900}}
SIZES = [pytest.param("phone", "vi", id="phone-vi"), pytest.param("desktop", "en", id="desktop-en")]


def _context(browser: Browser, size: str, **extra: Any) -> BrowserContext:
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP), timezone_id="UTC", **extra)
    context.set_default_timeout(20_000)
    return context


def _custody_events(web_stack: WebStack, item_id: str) -> list[dict[str, Any]]:
    with web_stack.client("custody", "auditor") as custody:
        answer: list[dict[str, Any]] = custody.get(f"/items/{item_id}/history").json()
        return answer


def _received(web_stack: WebStack, item_id: str) -> list[dict[str, Any]]:
    return [e for e in _custody_events(web_stack, item_id) if e["type"] == "custody.item_received"]


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]


def _tap_or_click(page: Page, selector: str, size: str) -> None:
    if size == "phone":
        page.locator(selector).tap()
    else:
        page.locator(selector).click()


def _controlled(page: Page) -> None:
    """The worker controls the page and has kept the shell, the session's answer and the label keys."""
    # A function, not an expression: polled, an expression is eval'ed in the page, and its CSP refuses eval.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("""async () => {
        const names = await caches.keys();
        const shell = names.find((n) => n.startsWith('tv-shell-'));
        if (!shell) return false;
        const cache = await caches.open(shell);
        return !!(await cache.match('/scan.html')) && !!(await cache.match('/api/session'))
            && !!(await cache.match('/api/label-keys'));
    }""")


@pytest.mark.parametrize(("size", "lang"), SIZES)
def test_the_scan_page_loads_and_queues_scans_with_no_network_and_refuses_a_forged_label_at_once(
        browser: Browser, web_stack: WebStack, size: str, lang: str) -> None:
    items = web_stack.register(2)
    genuine = [web_stack.label(item) for item in items]
    # A label for an item nobody registered, signed with a key that is not intake's.
    forged = f"TV1.{uuid.uuid4().hex}.UX9999-0001.{genuine[0].rsplit('.', 1)[1]}"
    context = _context(browser, size)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, web_stack.web, "kho-1", lang=lang, tap=size == "phone")
    page.goto(f"{web_stack.web}/scan.html")
    expect(page.locator("#offline-state")).to_have_attribute("data-ready", "true")
    _controlled(page)
    keys = json.loads(page.evaluate("localStorage.getItem('tv_label_keys')"))
    assert sorted(k["prefix"] for k in keys) == ["TV1", "TVL1"]  # intake's item labels, custody's location labels

    context.set_offline(True)
    page.reload()
    # Rendered from the worker's cache, signed in as the last known session: no "signed out", no sign-in banner.
    expect(page.locator("#scan-input")).to_be_visible()
    expect(page.locator("#who")).to_contain_text("kho-1")
    expect(page.locator("#signin-needed")).to_have_count(0)
    expect(page.locator("#net-state")).to_have_text("Ngoại tuyến" if lang == "vi" else "Offline")
    expect(page.locator("#offline-state")).to_have_attribute("data-ready", "true")
    before = datetime.now().astimezone()
    # The shelf's signed label, verified offline with custody's kept key; an altered one is refused loudly first.
    shelf = web_stack.location_label(BINS[0])
    signature = shelf.rsplit(".", 1)[1]
    scan(page, f"{shelf.rsplit('.', 2)[0]}.A-2.{signature}")  # the bin's code altered, the signature kept
    feedback = page.locator("#feedback")
    expect(feedback).to_have_attribute("data-kind", "forged")
    expect(feedback).to_contain_text("NHÃN VỊ TRÍ GIẢ" if lang == "vi" else "FORGED OR ALTERED LOCATION LABEL")
    assert page.evaluate("document.body.dataset.lastBeep") == "forged"
    expect(page.locator("#bar-location")).not_to_have_text(BINS[1])
    scan(page, shelf)
    expect(page.locator("#bar-location")).to_have_text(BINS[0])
    expect(feedback).to_have_attribute("data-kind", "info")
    expect(feedback).to_contain_text("kiểm tra khi mất mạng" if lang == "vi" else "checked offline")
    for label in genuine:
        scan(page, label)
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "2")

    scan(page, forged)
    expect(feedback).to_have_attribute("data-kind", "forged")
    expect(feedback).to_have_class("banner error forged")
    expect(feedback).to_contain_text("Nhãn giả" if lang == "vi" else "Forged or altered label")
    assert page.evaluate("document.body.dataset.lastBeep") == "forged"
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "2")  # never queued
    # An altered genuine label (one character of its code changed) is just as forged.
    parts = genuine[1].split(".")
    scan(page, ".".join([parts[0], parts[1], parts[2] + "X", parts[3]]))
    expect(page.locator("#scan-log li[data-kind=forged]")).to_have_count(3)  # the altered shelf label, two items
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "2")
    _fits(page)
    screenshot(page, f"offline-queued-{size}-{lang}")
    queued = json.loads(page.evaluate("localStorage.getItem('tv_scan_queue')"))
    assert [datetime.fromisoformat(e["body"]["scanned_at"]) >= before for e in queued] == [True, True]
    assert [e["body"].get("location_label") for e in queued] == [shelf, shelf]  # custody verifies it again
    assert all(_received(web_stack, item["item_id"]) == [] for item in items)

    context.set_offline(False)
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "0", timeout=30_000)
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(2)
    for item, entry in zip(items, queued, strict=True):
        [event] = eventually(lambda i=item: _received(web_stack, i["item_id"]), what="the queued scan recorded")
        scanned_at = datetime.fromisoformat(event["scanned_at"])
        assert scanned_at == datetime.fromisoformat(entry["body"]["scanned_at"])
        assert datetime.fromisoformat(event["occurred_at"]) >= scanned_at
        assert event["data"]["location_code"] == BINS[0]
        with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
            now = custody.get(f"/items/{item['item_id']}").json()
        assert (now["state"], now["location_code"]) == ("in_storage", BINS[0])
    screenshot(page, f"offline-flushed-{size}-{lang}")
    assert errors == []
    context.close()


def test_the_worker_never_answers_writes_or_other_api_calls_from_its_cache(browser: Browser,
                                                                           web_stack: WebStack) -> None:
    context = _context(browser, "desktop")
    page = context.new_page()
    sign_in(page, web_stack.web, "kho-1", fresh=True)  # signed out below: not the shared session
    page.goto(f"{web_stack.web}/scan.html")
    _controlled(page)
    kept = page.evaluate("""async () => {
        const cache = await caches.open((await caches.keys()).find((n) => n.startsWith('tv-shell-')));
        return (await cache.keys()).map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/api/'));
    }""")
    assert sorted(set(kept)) == ["/api/label-keys", "/api/session"]
    context.set_offline(True)
    answer = page.evaluate("""async () => {
        try { await fetch('/api/custody/warehouses/KHO-BN-01/locations'); return 'answered'; }
        catch { return 'network error'; }
    }""")
    assert answer == "network error"
    context.set_offline(False)
    # Signing out forgets the kept session: offline afterwards, the page says "signed out".
    page.goto(f"{web_stack.web}/index.html")
    page.click("#sign-out")
    page.wait_for_url(f"{web_stack.web}/**")
    expect(page.locator("#signin-button")).to_be_visible()
    context.set_offline(True)
    page.goto(f"{web_stack.web}/scan.html")
    expect(page.locator("#signin-needed")).to_be_visible()
    context.close()


def test_a_deploy_changes_the_workers_script_and_so_its_cache(web_stack: WebStack, tmp_path: Path) -> None:
    from tangvat_web import offline

    static = tmp_path / "static"
    static.mkdir()
    (static / "sw.js").write_text("/* worker */")
    (static / "scan.html").write_text("<p>one</p>")
    first = offline.worker_script(static)
    (static / "scan.html").write_text("<p>two</p>")
    second = offline.worker_script(static)
    assert first != second and b'"/scan.html"' in second and b"sw.js" not in second.split(b"\n")[0]


# --- camera ---------------------------------------------------------------------------------------------------

def _y4m(payload: str, path: Path, width: int = 640, height: int = 480) -> None:
    """A short 4:2:0 video of the payload's QR code on white (what the fake camera plays in a loop)."""
    qr = segno.make(payload, error="m")
    matrix = [list(row) for row in qr.matrix]
    modules = len(matrix) + 8  # the quiet zone
    scale = min(width, height) * 9 // 10 // modules
    left, top = (width - modules * scale) // 2, (height - modules * scale) // 2
    luma = bytearray(b"\xff" * width * height)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                y0, x0 = top + (r + 4) * scale, left + (c + 4) * scale
                for y in range(y0, y0 + scale):
                    luma[y * width + x0:y * width + x0 + scale] = b"\x00" * scale
    chroma = b"\x80" * (width // 2) * (height // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 10)


@pytest.fixture(scope="module")
def camera_item(web_stack: WebStack) -> dict[str, Any]:
    (item,) = web_stack.register(1)
    return item


@pytest.fixture(scope="module")
def camera_browser(playwright: Playwright, web_stack: WebStack, camera_item: dict[str, Any],
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    video = tmp_path_factory.mktemp("camera") / "label.y4m"
    _y4m(web_stack.label(camera_item), video)
    browser = playwright.chromium.launch(executable_path=str(ensure_chromium()), args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    yield browser
    browser.close()


@pytest.mark.parametrize(("size", "lang", "action", "target"),
                         [pytest.param("phone", "vi", "receive", BINS[1], id="phone-vi-receive"),
                          pytest.param("desktop", "en", "move", BINS[0], id="desktop-en-move")])
def test_the_rear_camera_reads_a_label_into_the_same_scan_as_the_wedge(
        camera_browser: Browser, web_stack: WebStack, camera_item: dict[str, Any], size: str, lang: str,
        action: str, target: str) -> None:
    if action == "move":  # the item on a shelf, whatever the receiving run did
        with web_stack.client("custody", "warehouse_staff") as custody:
            if custody.get(f"/items/{camera_item['item_id']}").json()["state"] == "awaiting_receipt":
                r = custody.post("/scans/check-in", json={"label": web_stack.label(camera_item),
                                                          "location_code": BINS[1]})
                assert r.status_code == 200, r.text
    context = _context(camera_browser, size, permissions=["camera"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, web_stack.web, "kho-1", lang=lang, tap=size == "phone")
    page.goto(f"{web_stack.web}/scan.html")
    if action != "receive":
        choose(page, action)
    pick_location(page, target)
    toggle = page.locator("#camera-toggle")
    expect(toggle).to_have_text("Quét bằng camera" if lang == "vi" else "Scan with camera")
    box = toggle.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= page.viewport_size["width"]  # type: ignore[index]
    _tap_or_click(page, "#camera-toggle", size)
    # Linux Chromium has no BarcodeDetector: the vendored decoders read the frames.
    expect(page.locator("body")).to_have_attribute("data-camera", "vendored")
    expect(page.locator("#camera-status")).to_have_attribute("data-code", web_stack.label(camera_item))
    expect(page.locator("#camera-status")).to_contain_text(camera_item["label_code"])
    expect(page.locator("#feedback")).to_have_attribute("data-kind", "ok")
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(1)
    _fits(page)
    screenshot(page, f"camera-{action}-{size}-{lang}")
    wanted = "custody.item_received" if action == "receive" else "custody.item_moved"
    events = eventually(lambda: [e for e in _custody_events(web_stack, camera_item["item_id"])
                                 if e["type"] == wanted], what=f"{wanted} from the camera's scan")
    assert len(events) == 1 and events[0]["data"]["location_code"] == target
    # Held in front of the camera, the label is one scan: nothing more is sent.
    page.wait_for_timeout(1500)
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(1)
    _tap_or_click(page, "#camera-toggle", size)
    expect(page.locator("#camera-box")).to_be_hidden()
    assert page.evaluate("document.body.dataset.camera") is None
    assert errors == []
    context.close()
