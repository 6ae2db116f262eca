"""The scan station on the warehouse floor: a 360x640 touch handheld with a keyboard-wedge scanner (and a desktop),
in Vietnamese and English. Each case here was seen broken: scans lost after tapping an action, refusals hidden
behind a green "sent", a scan wiping the due date, a second "open count", a close that marked items missing
without asking, a manufacturer's barcode taken for the target location."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    BINS,
    BOARD,
    UNIT,
    WAREHOUSE,
    WebStack,
    eventually,
    pick_location,
    screenshot,
    sign_in,
)

# Each task at the phone in Vietnamese and the desk in English; test_layout_axe sweeps the station's layout at both
# sizes in both languages.
CASES = [("phone", "vi"), ("desktop", "en")]
Station = Callable[[str, str], tuple[BrowserContext, Page]]


@pytest.fixture
def station(browser: Browser, web_stack: WebStack) -> Iterator[Station]:
    """Opens the scan station signed in, on a touch phone or a desktop, in one language."""
    contexts: list[BrowserContext] = []

    def open_station(size: str, lang: str) -> tuple[BrowserContext, Page]:
        phone = size == "phone"
        context = (browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True,
                                       timezone_id="UTC") if phone
                   else browser.new_context(viewport={"width": 1100, "height": 900}, timezone_id="UTC"))
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        sign_in(page, web_stack.web, "kho-2" if phone else "kho-1", lang=lang, tap=phone)
        page.goto(f"{web_stack.web}/scan.html")
        expect(page.locator("#warehouse")).to_have_value(WAREHOUSE)
        page.wait_for_load_state("networkidle")
        return context, page

    yield open_station
    for context in contexts:
        context.close()


def wedge(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does, wherever the focus is: the code's keys a few ms apart, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def press(page: Page, selector: str, size: str) -> None:
    """A tap on the phone, a click on the desktop."""
    target = page.locator(selector)
    target.tap() if size == "phone" else target.click()


def new_bin(web_stack: WebStack) -> str:
    code = f"{WAREHOUSE}.A-S{uuid.uuid4().hex[:6]}"
    with web_stack.client("custody", "admin", "admin-1") as custody:
        r = custody.post(f"/warehouses/{WAREHOUSE}/locations",
                         json={"location_code": code, "kind": "bin", "parent_code": f"{WAREHOUSE}.A"})
        assert r.status_code == 201, r.text
    return code


def check_in(web_stack: WebStack, items: list[dict[str, Any]], where: str) -> None:
    with web_stack.client("custody", "warehouse_staff", "setup-kho") as custody:
        for item in items:
            r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": where})
            assert r.status_code == 200, r.text


def item_state(web_stack: WebStack, item: dict[str, Any]) -> str:
    with web_stack.client("custody", "warehouse_staff", "setup-kho") as custody:
        state: str = custody.get(f"/items/{item['item_id']}").json()["state"]
        return state


def first_screen(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def in_first_screen(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (selector, box)


WORDS = {
    "vi": {"move": "Chuyển vị trí", "already": "đã nhận vào", "sum": "5 lượt quét đã gửi: 2 được chấp nhận, "
           "2 bị từ chối (1 nhãn giả)", "sum_already": "1 đã làm trước đó", "too_long": "quá dài",
           "progress0": "đã quét 0 / 3", "progress1": "đã quét 1 / 3", "reserved": "lô tiêu hủy",
           "report": "tìm thấy 1, thất lạc 2", "ean": "mã vạch sản phẩm (EAN/UPC)", "typed": "mã vị trí gõ tay"},
    "en": {"move": "Move", "already": "already received at", "sum": "5 sent: 2 accepted, 2 refused (1 forged)",
           "sum_already": "1 already done", "too_long": "too long", "progress0": "0 of 3", "progress1": "1 of 3",
           "reserved": "reserved for a destruction batch", "report": "1 found, 2 missing",
           "ean": "product barcode (EAN/UPC)", "typed": "location code typed by hand"},
}


@pytest.mark.parametrize(("size", "lang"), CASES, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_after_tapping_an_action_the_next_wedge_scan_is_handled_wherever_the_focus_is(
        station: Station, web_stack: WebStack, size: str, lang: str) -> None:
    a, b = web_stack.register(2)
    _, page = station(size, lang)
    words = WORDS[lang]
    # The first screen holds the action -> location bar, the scan field, the answer and the chosen action's button.
    for selector in ("#scan-bar", "#scan-input", "#feedback", '#actions button[aria-pressed="true"]'):
        in_first_screen(page, selector)
    first_screen(page, f"scan-first-screen-{size}-{lang}")
    feedback = page.locator("#feedback")

    pick_location(page, BINS[0])
    press(page, '#actions button[data-action="receive"]', size)
    wedge(page, web_stack.label(a))  # the focus is on the button just tapped
    expect(feedback).to_have_attribute("data-kind", "ok")
    expect(feedback).to_contain_text(a["label_code"])

    pick_location(page, BINS[1])
    press(page, '#actions button[data-action="move"]', size)
    expect(page.locator('#actions button[data-action="move"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#bar-action")).to_have_text(words["move"])
    expect(feedback).to_have_attribute("data-kind", "info")  # the receipt's green answer does not stay
    page.focus("#main")
    wedge(page, web_stack.label(a))
    expect(feedback).to_have_attribute("data-kind", "ok")
    expect(feedback).to_contain_text(words["move"])
    expect(feedback).to_contain_text(a["label_code"])

    press(page, '#actions button[data-action="receive"]', size)
    page.evaluate("document.activeElement.blur()")  # the focus on <body>
    wedge(page, web_stack.label(b))
    expect(feedback).to_have_attribute("data-kind", "ok")
    expect(feedback).to_contain_text(b["label_code"])
    # The scanner fires twice: the second is "already received here", not a red refusal.
    page.evaluate("document.activeElement.blur()")
    wedge(page, web_stack.label(b))
    expect(feedback).to_have_attribute("data-kind", "already")
    expect(feedback).to_contain_text(words["already"])
    expect(page.locator("#scan-log li").first).to_have_attribute("data-kind", "already")
    assert page.evaluate("document.body.dataset.lastBeep") == "already"
    screenshot(page, f"scan-focus-after-tap-{size}-{lang}")
    history = web_stack.custody_history(a["item_id"])
    assert [t for t in history if t in ("custody.item_received", "custody.item_moved")] == [
        "custody.item_received", "custody.item_moved"], history
    assert web_stack.custody_history(b["item_id"]).count("custody.item_received") == 1
    assert not page.errors  # type: ignore[attr-defined]


@pytest.mark.parametrize(("size", "lang"), CASES, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_a_flushed_queue_says_how_many_were_refused_in_red_with_the_alarm(
        station: Station, web_stack: WebStack, size: str, lang: str) -> None:
    a, b, elsewhere, victim = web_stack.register(4)
    check_in(web_stack, [elsewhere], BINS[1])  # on another shelf: receiving it at BINS[0] is refused
    genuine = web_stack.label(victim)
    forged = genuine[:-6] + ("AAAAAA" if not genuine.endswith("AAAAAA") else "BBBBBB")
    context, page = station(size, lang)
    words = WORDS[lang]
    pick_location(page, BINS[0])

    context.set_offline(True)
    for code in (web_stack.label(a), web_stack.label(a), web_stack.label(b), web_stack.label(elsewhere)):
        page.focus("#scan-input")
        wedge(page, code)
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "4")
    # Offline, the page's copy of the label keys refuses a forged label at once; one queued before the page had
    # the keys is refused by custody when the queue is sent.
    at = datetime.now(UTC).isoformat()
    page.evaluate("""entry => { const q = JSON.parse(localStorage.getItem('tv_scan_queue') || '[]');
        q.splice(3, 0, entry); localStorage.setItem('tv_scan_queue', JSON.stringify(q)); }""",
                  {"key": str(uuid.uuid4()), "action": "receive", "code": victim["label_code"], "at": at,
                   "target": BINS[0], "path": "custody/scans/check-in",
                   "body": {"label": forged, "location_code": BINS[0], "scanned_at": at}})
    context.set_offline(False)
    expect(page.locator("#queue-state")).to_have_attribute("data-size", "0", timeout=30_000)

    feedback = page.locator("#feedback")
    expect(feedback).to_have_attribute("data-kind", "error")
    expect(feedback).to_have_attribute("data-refused", "2")
    expect(feedback).to_contain_text(words["sum"])
    expect(feedback).to_contain_text(words["sum_already"])
    assert page.evaluate("document.body.dataset.lastBeep") == "forged"  # the alarm
    log = page.locator("#scan-log")
    expect(log.locator("li[data-kind=forged]")).to_have_count(1)
    expect(log.locator("li[data-kind=already]")).to_have_count(1)
    expect(log.locator("li[data-kind=ok]").filter(has_text=a["label_code"])).to_have_count(1)
    expect(log.locator("li[data-kind=error]").filter(has_text=elsewhere["label_code"])).to_have_count(1)
    color = page.evaluate("getComputedStyle(document.querySelector('#scan-log li[data-kind=forged]')).borderLeftColor")
    assert color == "rgb(163, 0, 11)", color
    screenshot(page, f"scan-flush-refused-{size}-{lang}")
    assert web_stack.custody_history(a["item_id"]).count("custody.item_received") == 1
    assert "custody.item_received" not in web_stack.custody_history(victim["item_id"])
    assert not page.errors  # type: ignore[attr-defined]


@pytest.mark.parametrize(("size", "lang"), CASES, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_a_scan_typed_into_the_check_out_form_is_a_scan_and_the_fields_keep_their_values(
        station: Station, web_stack: WebStack, size: str, lang: str) -> None:
    (item,) = web_stack.register(1)
    check_in(web_stack, [item], BINS[0])
    _, page = station(size, lang)
    words = WORDS[lang]
    press(page, '#actions button[data-action="checkout"]', size)
    expect(page.locator("#checkout-fields")).to_be_visible()
    kinds = page.locator("#holder-kind option").all_inner_texts()
    assert len(kinds) == 4 and not {"lab", "appraisal", "agency"} & set(kinds), kinds  # in words, not codes
    assert lang == "en" or "court" not in kinds, kinds
    page.fill("#holder", "T" * 201)  # longer than custody takes
    page.fill("#purpose", "Giám định tại toà")
    press(page, '.due-picks button[data-days="14"]', size)
    due = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    expect(page.locator("#due")).to_have_value(due)

    page.focus("#purpose")
    wedge(page, web_stack.label(item))  # into the purpose field
    feedback = page.locator("#feedback")
    expect(feedback).to_have_attribute("data-kind", "error")
    expect(page.locator("#holder-error")).to_be_visible()
    expect(page.locator("#holder-error")).to_contain_text(words["too_long"])
    expect(page.locator("#purpose")).to_have_value("Giám định tại toà")
    screenshot(page, f"scan-checkout-field-error-{size}-{lang}")

    page.fill("#holder", "TAND TP Bắc Ninh")
    page.focus("#due")
    wedge(page, web_stack.label(item))  # into the due-date field
    expect(feedback).to_have_attribute("data-kind", "ok")
    expect(feedback).to_contain_text(item["label_code"])
    expect(page.locator("#due")).to_have_value(due)
    expect(page.locator("#purpose")).to_have_value("Giám định tại toà")
    expect(page.locator("#holder-error")).to_be_hidden()
    screenshot(page, f"scan-checkout-{size}-{lang}")
    eventually(lambda: "custody.item_checked_out" in web_stack.custody_history(item["item_id"]),
               what="the check-out")
    with web_stack.client("custody", "warehouse_staff", "setup-kho") as custody:
        assert custody.get(f"/items/{item['item_id']}").json()["due_at"].startswith(due)
    assert not page.errors  # type: ignore[attr-defined]


def _reserved_for_destruction(web_stack: WebStack, where: str) -> dict[str, Any]:
    """An item on `where`'s shelf that the board approved destroying: custody holds it for the batch."""
    (item,) = web_stack.register(1, legal=True)
    check_in(web_stack, [item], where)

    def known() -> bool:
        with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
            return bool(disposal.get(f"/items/{item['item_id']}").json().get("custody_state") == "in_storage")

    eventually(known, what="disposal's read model")
    with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
        r = disposal.post("/batches", json={"unit": UNIT, "method": "destroy", "item_ids": [item["item_id"]],
                                            "reason": "Hàng giả, không còn giá trị sử dụng"})
        assert r.status_code == 201, r.text
        batch_id = r.json()["batch_id"]
    for voter in BOARD[1:]:
        with web_stack.client("disposal", "board_member", voter) as disposal:
            r = disposal.post(f"/batches/{batch_id}/votes", json={"decision": "approve", "reason": "Đồng ý"})
            assert r.status_code == 200, r.text
    eventually(lambda: item_state(web_stack, item) == "reserved_for_disposal", what="the item reserved")
    return item


@pytest.mark.parametrize(("size", "lang"), CASES, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_a_count_opens_once_resumes_after_a_reload_and_asks_before_marking_items_missing(
        station: Station, web_stack: WebStack, size: str, lang: str) -> None:
    where = new_bin(web_stack)
    found, lost = web_stack.register(2)
    check_in(web_stack, [found, lost], where)
    reserved = _reserved_for_destruction(web_stack, where)
    _, page = station(size, lang)
    words = WORDS[lang]
    press(page, '#actions button[data-action="count"]', size)
    pick_location(page, where)

    # Two quick taps on "open": one count.
    box = page.locator("#count-open").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if size == "phone":
        page.touchscreen.tap(x, y)
        page.touchscreen.tap(x, y)
    else:
        page.mouse.dblclick(x, y)
    expect(page.locator("#count-close")).to_be_enabled()
    expect(page.locator("#count-open")).to_be_disabled()
    with web_stack.client("custody", "warehouse_staff", "setup-kho") as custody:
        counts = [c for c in custody.get(f"/warehouses/{WAREHOUSE}/counts").json() if c["location_code"] == where]
    assert len(counts) == 1, counts

    page.reload()  # the station finds the count still open: "open" stays off, progress goes on
    expect(page.locator("#count-open")).to_be_disabled()
    expect(page.locator("#count-state")).to_contain_text(words["progress0"])
    wedge(page, web_stack.label(found))
    expect(page.locator("#count-state")).to_contain_text(words["progress1"])

    press(page, "#count-close", size)
    dialog = page.locator("#count-confirm")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#confirm-missing li")).to_have_count(2)
    expect(dialog.locator("li[data-reserved=true]")).to_have_count(1)
    expect(dialog.locator("li[data-reserved=true]")).to_contain_text(reserved["label_code"])
    expect(dialog.locator("li[data-reserved=true]")).to_contain_text(words["reserved"])
    screenshot(page, f"scan-count-confirm-{size}-{lang}")
    press(page, "#confirm-cancel", size)  # keep counting: nothing is closed
    expect(dialog).to_be_hidden()
    assert item_state(web_stack, lost) == "in_storage"
    expect(page.locator("#count-close")).to_be_enabled()

    press(page, "#count-close", size)
    press(page, "#confirm-close", size)
    report = page.locator("#count-report")
    expect(report).to_be_visible()
    expect(report).to_contain_text(words["report"])
    expect(report).to_have_attribute("data-kind", "error")
    expect(page.locator("#feedback")).to_have_attribute("data-kind", "error")
    expect(page.locator("#count-open")).to_be_enabled()
    screenshot(page, f"scan-count-report-{size}-{lang}")
    assert item_state(web_stack, lost) == "missing"
    assert item_state(web_stack, found) == "in_storage"
    assert not page.errors  # type: ignore[attr-defined]


def location_label(web_stack: WebStack, code: str) -> str:
    with web_stack.client("custody", "warehouse_staff", "setup-kho") as custody:
        labels = custody.get(f"/warehouses/{WAREHOUSE}/location-labels").json()
    label: str = next(entry["label"] for entry in labels if entry["location_code"] == code)
    return label


@pytest.mark.parametrize(("size", "lang"), CASES, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_a_manufacturers_barcode_or_a_typed_location_code_is_refused_and_never_becomes_the_location(
        station: Station, web_stack: WebStack, size: str, lang: str) -> None:
    (item,) = web_stack.register(1)
    signed = location_label(web_stack, BINS[0])
    _, page = station(size, lang)
    words = WORDS[lang]
    feedback = page.locator("#feedback")
    # A signed location label sets the target location; the receipt names it by its label.
    wedge(page, signed)
    expect(page.locator("#bar-location")).to_have_text(BINS[0])
    expect(feedback).to_have_attribute("data-kind", "info")
    wedge(page, web_stack.label(item))
    expect(feedback).to_have_attribute("data-kind", "ok")
    altered = signed[:-4] + ("AAAA" if not signed.endswith("AAAA") else "BBBB")
    wedge(page, altered)
    expect(feedback).to_have_attribute("data-kind", "forged")
    expect(page.locator("#bar-location")).to_have_text(BINS[0])

    page.evaluate("document.activeElement.blur()")
    wedge(page, "8934563138165")
    expect(feedback).to_have_attribute("data-kind", "error")
    expect(feedback).to_contain_text(words["ean"])
    assert page.evaluate("document.body.dataset.lastBeep") == "error"
    expect(page.locator("#location")).to_have_value(BINS[0])
    expect(page.locator("#bar-location")).to_have_text(BINS[0])
    screenshot(page, f"scan-ean-refused-{size}-{lang}")
    page.focus("#scan-input")
    wedge(page, BINS[1])
    expect(feedback).to_contain_text(words["typed"])
    expect(page.locator("#location")).to_have_value(BINS[0])
    with web_stack.client("custody", "warehouse_staff", "setup-kho") as custody:
        assert custody.get(f"/items/{item['item_id']}").json()["location_code"] == BINS[0]
    assert not page.errors  # type: ignore[attr-defined]
