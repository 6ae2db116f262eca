"""The staff's home page (what needs doing in my warehouse, refreshed without a reload), finding an item by its
printed label code, by a scanned label or by words of its description, and the item page (state and location
large, a check-out's holder, purpose and due date, the timeline in words): on a 360×640 touch phone and at a
desktop's size, in Vietnamese and in English."""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import BINS, WAREHOUSE, WebStack, screenshot, sign_in

# The whole task at the phone in Vietnamese and the desk in English; test_layout_axe sweeps every page at both sizes
# in both languages.
CASES = [("phone", "vi"), ("desktop", "en")]
HIGH_VALUE = 180_000_000
TITLE = {"vi": "Việc cần làm", "en": "To do"}
CHECKED_OUT = {"vi": "đã xuất tạm", "en": "checked out"}
MOVED = {"vi": "Chuyển vị trí", "en": "Moved"}
RAW = re.compile(r"\b(custody|intake|disposal)\.[a-z_]+|\b[a-z]+_[a-z_]+\b")


@pytest.fixture
def device(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[BrowserContext, str, str]]:
    size, lang = request.param
    options: dict[str, Any] = ({"viewport": {"width": 1280, "height": 900}} if size == "desktop" else
                               {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True})
    context = browser.new_context(timezone_id="Asia/Ho_Chi_Minh", **options)
    context.set_default_timeout(15_000)
    yield context, size, lang
    context.close()


def new_page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def press(page: Page, selector: str, touch: bool) -> None:
    page.locator(selector).tap() if touch else page.locator(selector).click()


def fits(page: Page) -> None:
    width = page.viewport_size["width"]  # type: ignore[index]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url


def _bin(web_stack: WebStack) -> str:
    """A bin of this test's own: a count opened on it blocks no other test's moves."""
    code = f"{WAREHOUSE}.A-H{uuid.uuid4().hex[:6].upper()}"
    with web_stack.client("custody", "warehouse_staff") as custody:
        r = custody.post(f"/warehouses/{WAREHOUSE}/locations", json={"location_code": code, "kind": "bin",
                                                                     "parent_code": f"{WAREHOUSE}.A"})
        assert r.status_code == 201, r.text
    return code


def _receive(web_stack: WebStack, item: dict[str, Any], where: str, **extra: Any) -> None:
    with web_stack.client("custody", "warehouse_staff") as custody:
        r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": where, **extra})
        assert r.status_code == 200, r.text


def _received_days_ago(web_stack: WebStack, item: dict[str, Any], days: int) -> None:
    """Custody's own record of the receipt moved back in time, in its database (as a month on the shelf would)."""
    async def age() -> None:
        conn = await asyncpg.connect(web_stack.databases["custody"])
        try:
            done = await conn.execute("UPDATE item SET received_at = received_at - make_interval(days => $2), "
                                      "registered_at = registered_at - make_interval(days => $2) WHERE item_id = $1",
                                      uuid.UUID(str(item["item_id"])), days)
            assert done == "UPDATE 1", done
        finally:
            await conn.close()
    # Playwright's sync API runs an event loop on this thread: the query runs on its own.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, age()).result()


def _ask_check_out(web_stack: WebStack, item: dict[str, Any], due: datetime, user: str = "kho-2") -> str:
    with web_stack.client("custody", "warehouse_staff", user) as custody:
        r = custody.post(f"/items/{item['item_id']}/check-out", json={
            "holder": "Tòa án nhân dân tỉnh Bắc Ninh", "holder_kind": "court",
            "purpose": "Làm chứng cứ tại phiên tòa", "due_at": due.isoformat()})
        assert r.status_code in (201, 202), r.text
        return str(r.json().get("approval_id", ""))


@pytest.mark.parametrize("device", CASES, indirect=True, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_the_home_page_lists_what_needs_doing_and_refreshes_without_a_reload(
        device: tuple[BrowserContext, str, str], web_stack: WebStack) -> None:
    context, size, lang = device
    touch = size == "phone"
    awaiting, late, short = web_stack.register(3)
    (valuable,) = web_stack.register(1, value_vnd=HIGH_VALUE)
    bin_ = _bin(web_stack)
    (stale,) = web_stack.register(1, perishable=True)
    for item in (valuable, late, stale):
        _receive(web_stack, item, BINS[0])
    _received_days_ago(web_stack, stale, 40)  # past custody's limit (30 days): no API ages an item
    _receive(web_stack, short, bin_, quantity_counted=short["quantity"] + 5)  # a discrepancy at receipt
    with web_stack.client("custody", "warehouse_staff") as custody:
        count = custody.post("/counts", json={"warehouse_id": WAREHOUSE, "location_code": bin_})
        assert count.status_code == 201, count.text
    approval = _ask_check_out(web_stack, valuable, datetime.now(UTC) + timedelta(days=14))
    assert approval
    _ask_check_out(web_stack, late, datetime.now(UTC) + timedelta(seconds=2))
    time.sleep(2.5)  # the check-out's due date passes: it becomes overdue (a due date is never in the past)

    page = new_page(context)
    sign_in(page, web_stack.web, "kho-1", lang=lang, tap=touch)  # staff land on the home page
    expect(page).to_have_url(re.compile(r"/home\.html$"))
    expect(page.locator("h1")).to_have_text(TITLE[lang])
    row = page.locator(f'#sec-approvals li:has(a[href="item.html?id={valuable["item_id"]}"])')
    expect(row).to_contain_text(valuable["label_code"])
    expect(row).to_contain_text(valuable["description"])
    expect(row).to_contain_text("Tòa án nhân dân tỉnh Bắc Ninh")
    expect(row).to_contain_text("Làm chứng cứ tại phiên tòa")
    expect(row).to_contain_text("kho-2")
    expect(row).to_contain_text("180.000.000" if lang == "vi" else "180,000,000")
    expect(row).to_contain_text("tòa án" if lang == "vi" else "court")
    expect(page.locator(f'#sec-overdue a[href="item.html?id={late["item_id"]}"]')).to_have_text(late["label_code"])
    expect(page.locator("#sec-overdue")).to_contain_text("quá" if lang == "vi" else "late")
    expect(page.locator(f'#sec-counts li:has-text("{bin_}")')).to_contain_text("0/1")
    perishables = page.locator("#sec-perishables")
    expect(perishables).to_contain_text("Hàng dễ hỏng quá thời hạn lưu" if lang == "vi"
                                        else "Perishables past their storage limit")
    old_one = perishables.locator(f'li:has(a[href="item.html?id={stale["item_id"]}"])')
    expect(old_one).to_contain_text(stale["label_code"])
    expect(old_one).to_contain_text(stale["description"])
    expect(old_one).to_contain_text("đang lưu kho" if lang == "vi" else "in storage")  # the state in words
    expect(old_one).to_contain_text(BINS[0])
    expect(page.locator(f'#sec-discrepancies a[href="item.html?id={short["item_id"]}"]')).to_have_count(1)
    expect(page.locator("#sec-discrepancies")).to_contain_text("số lượng khác" if lang == "vi" else "quantity differs")
    with web_stack.client("custody", "warehouse_staff") as custody:
        waiting = custody.get(f"/warehouses/{WAREHOUSE}/summary").json()["states"]["awaiting_receipt"]
    expect(page.locator("#sec-awaiting")).to_have_attribute("data-count", re.compile(r"^\d+$"))
    assert int(page.locator("#sec-awaiting").get_attribute("data-count") or 0) >= min(waiting, 1)
    assert awaiting  # one of them: the section counts every item awaiting receipt there
    body = page.locator("#todo").inner_text()
    assert not RAW.search(body), RAW.search(body)
    fits(page)
    screenshot(page, f"home-todo-{size}-{lang}")

    # Something new needs doing: it appears without a reload (the page polls), and goes once done.
    page.evaluate("window.__same_page = true")
    another = web_stack.register(1)[0]
    assert another
    page.wait_for_function("n => +document.getElementById('sec-awaiting').dataset.count >= n", arg=waiting + 1,
                           timeout=25_000)
    with web_stack.client("custody", "warehouse_staff") as custody:
        assert custody.post(f"/counts/{count.json()['count_id']}/close").status_code == 200
    expect(page.locator(f'#sec-counts li:has-text("{bin_}")')).to_have_count(0, timeout=25_000)
    assert page.evaluate("window.__same_page") is True
    # Hidden (another app in front): the polling pauses, and resumes on return.
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    expect(page.locator("body")).to_have_attribute("data-poll", "paused")
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    expect(page.locator("body")).to_have_attribute("data-poll", "on")

    # Each row leads to where it is done: the item's page.
    press(page, f'#sec-overdue a[href="item.html?id={late["item_id"]}"]', touch)
    expect(page.locator("#big-state")).to_have_text(CHECKED_OUT[lang])
    expect(page.locator("#state-line")).to_have_class(re.compile("error"))  # overdue, in red, with what to do
    expect(page.locator('dd[data-fact="item.purpose"]')).to_have_text("Làm chứng cứ tại phiên tòa")
    expect(page.locator('dd[data-fact="item.holder"]')).to_contain_text("Tòa án nhân dân tỉnh Bắc Ninh")
    expect(page.locator('dd[data-fact="item.due"]')).not_to_be_empty()
    fits(page)
    screenshot(page, f"home-item-overdue-{size}-{lang}")
    with web_stack.client("custody", "warehouse_staff", "kho-2") as custody:
        custody.post(f"/approvals/{approval}/reject")
    assert not page.errors  # type: ignore[attr-defined]


@pytest.mark.parametrize("device", CASES, indirect=True, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_an_item_is_found_by_its_printed_code_a_scan_or_its_description_and_its_page_speaks_words(
        device: tuple[BrowserContext, str, str], web_stack: WebStack) -> None:
    context, size, lang = device
    touch = size == "phone"
    item, other = web_stack.register(2)
    _receive(web_stack, item, BINS[0])
    with web_stack.client("custody", "warehouse_staff") as custody:
        r = custody.post("/scans/move", json={"label": web_stack.label(item), "location_code": BINS[1]})
        assert r.status_code == 200, r.text
    page = new_page(context)
    sign_in(page, web_stack.web, "kho-1", lang=lang, tap=touch)
    expect(page).to_have_url(re.compile(r"/home\.html$"))

    # The printed code, typed as read off the label: one tap on the field, the code, Enter.
    press(page, "#search", touch)
    page.keyboard.type(item["label_code"].lower())
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"item\.html\?id="))
    expect(page.locator("#item-heading")).to_contain_text(item["label_code"])
    expect(page.locator("#big-state")).to_have_text("đang lưu kho" if lang == "vi" else "in storage")
    expect(page.locator("#big-location")).to_have_text(BINS[1])
    expect(page.locator("#state-line")).to_contain_text("Đã nhập kho lúc" if lang == "vi" else "Received at")
    expect(page.locator("#state-line")).to_contain_text(BINS[1])
    expect(page.locator('#timeline tr[data-type="custody.item_moved"] td').nth(1)).to_contain_text(MOVED[lang])
    timeline = page.locator("#timeline").inner_text()
    assert not RAW.search(timeline), RAW.search(timeline)
    assert (page.locator("#big-state").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
            > 1.5 * page.locator("#timeline td").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    fits(page)
    screenshot(page, f"home-item-{size}-{lang}")

    # A full scanned label finds it too; a forged one is refused in red, nothing looked up.
    page.fill("#find", web_stack.label(other))
    page.press("#find", "Enter")
    expect(page.locator("#item-heading")).to_contain_text(other["label_code"])
    forged = web_stack.label(other)[:-4] + ("AAAA" if not web_stack.label(other).endswith("AAAA") else "BBBB")
    page.fill("#find", forged)
    page.press("#find", "Enter")
    expect(page.locator("#status .banner.error")).to_contain_text("giả" if lang == "vi" else "orged")
    expect(page.locator("#item")).to_be_hidden()

    # Words of the description: the matching items of my warehouse, each a link.
    words = item["description"].split()[0]
    page.fill("#find", words)
    press(page, '#find-form button[type="submit"]', touch)
    expect(page.locator("#results-list li").first).to_be_visible()
    for href in page.locator("#results-list a.code").evaluate_all("els => els.map((a) => a.getAttribute('href'))"):
        assert href.startswith("item.html?id=")
    fits(page)
    screenshot(page, f"home-search-results-{size}-{lang}")
    page.fill("#find", "KHÔNG-CÓ-MÃ-NÀY-%_")
    page.press("#find", "Enter")
    expect(page.locator("#no-results")).to_be_visible()
    assert not page.errors  # type: ignore[attr-defined]


def _plain(text: str) -> str:
    """Vietnamese typed without its marks, as on a keyboard without a Vietnamese input method."""
    folded = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return folded.replace("đ", "d").replace("Đ", "D")


def test_an_auditor_finds_items_of_every_warehouse_by_code_or_words_and_sees_the_seizure_as_a_link(
        page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    sign_in(page, web_stack.web, "kiem-toan-1", lang="vi")
    # Scope `*`: the printed code and words of the description, typed without diacritics, find it.
    page.goto(f"{web_stack.web}/item.html")
    page.fill("#find", item["label_code"].lower())
    page.press("#find", "Enter")
    expect(page.locator("#item-heading")).to_contain_text(item["label_code"])
    marked = " ".join(item["description"].split()[:2])  # "Túi xách": other items share it, so a list or one
    page.goto(f"{web_stack.web}/item.html")
    page.fill("#find", _plain(marked).lower())
    page.press("#find", "Enter")
    expect(page.locator("main")).to_contain_text(marked)
    page.goto(f"{web_stack.web}/item.html?id={item['item_id']}")
    link = page.locator("#seizure-link")
    expect(link).to_have_attribute("href", f"seizure.html?id={item['seizure_id']}")
    link.click()
    expect(page).to_have_url(re.compile(r"seizure\.html\?id="))
    expect(page.locator("#items tbody tr")).to_have_count(1)
