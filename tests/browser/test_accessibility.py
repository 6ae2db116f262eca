"""Every page: labelled controls, a language switch, keyboard-only use of the scan station."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import BINS, WebStack, choose, pick_location, screenshot, sign_in

PAGES = ("index", "scan", "item", "seizure", "board", "audit")
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && !el.closest('.hidden'))
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.id || el.name || el.outerHTML.slice(0, 60))"""


def test_every_control_has_a_label_and_the_language_switches(page: Page, web_stack: WebStack) -> None:
    page.goto(f"{web_stack.web}/index.html")
    page.evaluate("localStorage.setItem('tv_lang', 'vi')")
    page.reload()
    expect(page.locator("#signin-button")).to_have_text("Đăng nhập / Sign in")
    assert page.evaluate(UNLABELLED) == []
    screenshot(page, "index-signed-out")
    sign_in(page, web_stack.web, "admin-1", lang="vi")
    screenshot(page, "signin")
    for name in PAGES:
        page.goto(f"{web_stack.web}/{name}.html")
        page.wait_for_load_state("networkidle")
        assert page.evaluate(UNLABELLED) == [], name
        assert page.evaluate("document.documentElement.lang") == "vi"
    page.goto(f"{web_stack.web}/scan.html")
    expect(page.locator("h1")).to_have_text("Trạm quét")
    page.click("#lang-toggle")
    expect(page.locator("h1")).to_have_text("Scan station")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()  # the choice is remembered
    expect(page.locator("h1")).to_have_text("Scan station")


def test_the_scan_station_works_from_the_keyboard_alone(page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    sign_in(page, web_stack.web, "kho-1")
    page.goto(f"{web_stack.web}/scan.html")
    expect(page.locator("#scan-input")).to_be_focused()  # ready for the scanner on arrival
    # The target location: typed by a person (slowly) into its field, Tab leaves it.
    page.focus("#location")
    page.keyboard.type(BINS[0], delay=120)
    page.keyboard.press("Tab")
    expect(page.locator("#bar-location")).to_have_text(BINS[0])
    # Focus is elsewhere now: the scanner's keys still reach the scan field.
    page.keyboard.type(web_stack.label(item))
    page.keyboard.press("Enter")
    expect(page.locator("#feedback")).to_have_attribute("data-kind", "ok")
    # Tab from "receive" to "move" and press it with Space.
    page.focus('#actions button[data-action="receive"]')
    page.keyboard.press("Tab")
    expect(page.locator('#actions button[data-action="move"]')).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator('#actions button[data-action="move"]')).to_have_attribute("aria-pressed", "true")
    page.focus("#location")
    page.keyboard.press("Control+A")
    page.keyboard.type(BINS[1], delay=120)
    page.keyboard.press("Tab")
    expect(page.locator("#bar-location")).to_have_text(BINS[1])
    page.keyboard.type(web_stack.label(item))
    page.keyboard.press("Enter")
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(2)
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused != "none"  # a visible focus ring


def test_an_inventory_count_is_opened_scanned_and_closed(page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[0]})
        assert r.status_code == 200, r.text
    sign_in(page, web_stack.web, "kho-1")
    page.goto(f"{web_stack.web}/scan.html")
    choose(page, "count")
    pick_location(page, BINS[0])
    page.click("#count-open")
    expect(page.locator("#count-close")).to_be_enabled()
    count_id = page.evaluate("localStorage.getItem('tv_scan_count')")
    page.fill("#scan-input", web_stack.label(item))
    page.press("#scan-input", "Enter")
    expect(page.locator("#scan-log li").first).to_have_attribute("data-kind", "ok")
    page.click("#count-close")
    page.click("#confirm-close")  # the confirmation of what closing marks missing
    expect(page.locator("#count-close")).to_be_disabled()
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        count = custody.get(f"/counts/{count_id}").json()
    assert count["closed_by"] == "kho-1" and count["scanned"] == 1, count


def test_api_documentation_renders_from_the_service_itself_under_its_policy(page: Page, web_stack: WebStack) -> None:
    """/docs of the front and of a service: Swagger UI from the process itself (no CDN on a closed network), its
    inline script admitted by hash, no request leaving the origin and no policy violation."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for name in ("web", "custody"):
        origin = web_stack.urls[name].rstrip("/")
        requested.clear()
        page.goto(f"{origin}/docs")
        expect(page).to_have_title(re.compile("API"))
        expect(page.locator(".swagger-ui .info .title")).to_be_visible()
        expect(page.locator(".opblock").first).to_be_visible()
        screenshot(page, f"docs-{name}")
        assert requested and all(u.startswith(origin) for u in requested), requested
    assert refused == []
