"""The floor's task pages in a real browser, on a 360x640 touch handheld (Vietnamese) and at desktop size (English):
receipt with count, condition, seal, deliverer and photos; containers; transfers between warehouses; check-out and
return; legal holds; handover to the disposal team. Each test asserts what the person sees and what custody
recorded (the item, its history). A scanner is a keyboard wedge: fast keystrokes and Enter, wherever the focus is."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tangvat_shared.keys import load_private_key
from tangvat_shared.labels import sign_location_label
from tests.browser.conftest import (
    BINS,
    BOARD,
    UNIT,
    WebStack,
    _fits_its_screen,
    eventually,
    screenshot,
    sign_in,
)
from tests.support.identity import Account

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && !el.closest('.hidden'))
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.id || el.name || el.outerHTML.slice(0, 60))"""
PHOTO_ALT = {"vi": "Ảnh 1/1 chụp khi nhập kho", "en": "Photo 1 of 1 taken at receipt"}
DAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
RAW_KEY = re.compile(r"\b(?:floor|receipt|checkout|holds|containers|transfers|handover|err|state|approval)\.[a-z_]+\b")
OTHER = "KHO-HN-02"
OTHER_BIN = f"{OTHER}.B-1"
RECEIVER = "kho-hn-1"
SIZES = [pytest.param(("phone", "vi"), id="phone-vi"), pytest.param(("desktop", "en"), id="desktop-en")]
WORDS = {"vi": {"mismatch": "SAI LỆCH SỐ LƯỢNG", "seal": "NIÊM PHONG", "need_label": "Cần quét nhãn QR",
                "received": "Đã nhập kho", "too_long": "Quá dài", "forbidden": "không được xem trang này",
                "missing": "Thất lạc", "packed": "Đã đóng", "moved": "Đã chuyển thùng",
                "pending": "chờ một thủ kho khác",
                "checked_out": "Đã xuất", "returned": "Đã nhận lại", "placed": "Đã phong tỏa",
                "lifted": "Đã gỡ phong tỏa",
                "handed": "Đã bàn giao",
                "received_n": "Đã nhận 1 tang vật", "confirmed": "Đã xác nhận", "unpacked": "Đã lấy"},
         "en": {"mismatch": "QUANTITY MISMATCH", "seal": "SEAL BROKEN", "need_label": "Scan the QR label",
                "received": "Received", "too_long": "Too long", "forbidden": "may not use this page",
                "missing": "Missing", "packed": "Packed", "moved": "Moved container",
                "pending": "another staff member",
                "checked_out": "Checked out", "returned": "Returned", "placed": "Hold placed", "lifted": "Hold lifted",
                "handed": "Handed over",
                "received_n": "Received 1 item(s)", "confirmed": "Confirmed", "unpacked": "Unpacked"}}


def _png(width: int = 8, height: int = 8) -> bytes:
    """A real (tiny, blue) PNG, as a camera's photo would arrive."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x0b\x4f\x8a" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def floor(web_stack: WebStack) -> WebStack:
    """A second warehouse with a bin, and a staff member of it (the receiving end of a transfer)."""
    web_stack.identity.add_users([Account(RECEIVER, "warehouse_staff", (UNIT,), (OTHER,))])
    with web_stack.client("custody", "admin", "admin-1") as custody:
        r = custody.post("/warehouses", json={"warehouse_id": OTHER, "name": "Kho Hà Nội"})
        assert r.status_code in (201, 409), r.text
        for code, kind, parent in [(f"{OTHER}.B", "zone", None), (OTHER_BIN, "bin", f"{OTHER}.B")]:
            r = custody.post(f"/warehouses/{OTHER}/locations", json={"location_code": code, "kind": kind,
                                                                    "parent_code": parent})
            assert r.status_code in (201, 409), r.text
    return web_stack


class Person:
    """One person at one device: the page, and how they touch it (a tap on a handheld, a click at a desk)."""

    def __init__(self, page: Page, phone: bool, lang: str) -> None:
        self.page, self.phone, self.lang = page, phone, lang
        self.taps = 0
        self.keys = 0

    def tap(self, target: str | Locator) -> None:
        locator = self.page.locator(target) if isinstance(target, str) else target
        locator.tap() if self.phone else locator.click()
        self.taps += 1

    def type(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self.keys += len(text)

    def enter(self, selector: str) -> None:
        self.page.press(selector, "Enter")
        self.keys += 1

    def scan(self, code: str) -> None:
        """A keyboard-wedge scanner: the code's keystrokes fast, then Enter, into whatever has the focus."""
        self.page.keyboard.type(code)
        self.page.keyboard.press("Enter")
        self.taps += 1  # one trigger pull

    def shot(self, what: str) -> None:
        """Screenshots in this language and the other (the header's switch), each checked: nothing wider than the
        screen, every control labelled, no untranslated key showing."""
        device = "phone" if self.phone else "desktop"
        title = self.page.locator("h1").inner_text()
        for lang in (self.lang, "en" if self.lang == "vi" else "vi"):
            if lang != self.lang:
                switch = self.page.locator("#lang-toggle")
                switch.tap() if self.phone else switch.click()
                expect(self.page.locator("h1")).not_to_have_text(title)
            _fits_its_screen(self.page)
            assert self.page.evaluate(UNLABELLED) == [], what
            keys = RAW_KEY.findall(self.page.locator("body").inner_text())
            assert not keys, (what, lang, keys)
            screenshot(self.page, f"floor-{what}-{device}-{lang}")
        switch = self.page.locator("#lang-toggle")
        switch.tap() if self.phone else switch.click()
        expect(self.page.locator("h1")).to_have_text(title)

    def words(self, key: str) -> str:
        return WORDS[self.lang][key]


@pytest.fixture
def people(browser: Browser, floor: WebStack) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_as(user: str, size: tuple[str, str], path: str) -> Person:
        kind, lang = size
        phone = kind == "phone"
        context = (browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True,
                                       timezone_id="Asia/Ho_Chi_Minh")
                   if phone else browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC"))
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        sign_in(page, floor.web, user, lang=lang, tap=phone)
        page.goto(f"{floor.web}/{path}")
        page.wait_for_load_state("networkidle")
        return Person(page, phone, lang)

    yield open_as
    for context in contexts:
        context.close()


def _shelf(stack: WebStack, code: str) -> str:
    """What a location label's QR code holds: the code signed by custody."""
    return sign_location_label(load_private_key((stack.keys / "custody.pem").read_bytes()), code)


def _item(stack: WebStack, item_id: str, user: str = "setup-kho") -> dict[str, Any]:
    role = stack.identity.accounts[user].role
    with stack.client("custody", role, user) as custody:
        body: dict[str, Any] = custody.get(f"/items/{item_id}").json()
        return body


def _receive(stack: WebStack, items: list[dict[str, Any]], location: str = BINS[0]) -> None:
    with stack.client("custody", "warehouse_staff", "kho-2") as custody:
        for item in items:
            r = custody.post("/scans/check-in", json={"label": stack.label(item), "location_code": location})
            assert r.status_code == 200, r.text


def _custody_events(stack: WebStack, item_id: str) -> list[str]:
    return [t.removeprefix("custody.") for t in stack.custody_history(item_id) if t.startswith("custody.")]


# --- receipt -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_receipt_records_count_seal_deliverer_and_photos_and_shows_the_mismatch(
        people: Any, floor: WebStack, size: tuple[str, str]) -> None:
    (item,) = floor.register(1)
    me = people("kho-1", size, "receipt.html")
    page = me.page

    # The printed code typed by hand finds the item, but receiving needs the signed label.
    me.type("#item", item["label_code"])
    me.enter("#item")
    expect(page.locator("#item-card")).to_contain_text(item["description"])
    expect(page.locator("#status")).to_contain_text(me.words("need_label"))
    expect(page.locator("#receipt-form")).to_be_hidden()

    me.scan(floor.label(item))
    expect(page.locator("#receipt-form")).to_be_visible()
    me.scan(BINS[0])  # a barcode spelling only the code is no location label: refused in words
    expect(page.locator("#status")).to_have_attribute("data-kind", "error")
    expect(page.locator("#location")).to_have_value("")
    me.scan(_shelf(floor, BINS[0]))  # the shelf's signed label sets where it goes
    expect(page.locator("#location")).to_have_value(BINS[0])
    me.type("#counted", str(item["quantity"] - 1))
    me.tap('label:has(#seal-no)')
    mismatch = page.locator("#mismatch")
    expect(mismatch).to_contain_text(me.words("mismatch"))
    expect(mismatch).to_contain_text(me.words("seal"))
    page.set_input_files("#photo-input", files=[{"name": "thung.png", "mimeType": "image/png", "buffer": _png()}])
    me.taps += 2  # "take photo", the shutter
    expect(page.locator('#photo-list li[data-state="ok"]')).to_have_count(1)

    # A deliverer longer than the API takes: said next to the field, in words.
    me.type("#deliverer", "x" * 201)
    me.tap("#receive")
    expect(page.locator("#deliverer-error")).to_contain_text(me.words("too_long"))
    me.shot("receipt-mismatch")
    me.type("#deliverer", "Đội QLTT số 1 — Nguyễn Văn An")
    me.tap("#receive")
    expect(page.locator("#status")).to_contain_text(item["label_code"])
    expect(page.locator("#status")).to_contain_text(me.words("received"))
    expect(page.locator("#status")).to_have_attribute("data-kind", "error")  # received, with discrepancies: red
    me.shot("receipt-done")

    got = _item(floor, item["item_id"])
    assert (got["state"], got["location_code"], got["deliverer"]) == ("in_storage", BINS[0],
                                                                      "Đội QLTT số 1 — Nguyễn Văn An")
    events = _custody_events(floor, item["item_id"])
    assert events.count("discrepancy_recorded") == 2 and "item_received" in events, events
    with floor.client("custody", "warehouse_staff", "kho-1") as custody:
        photos = custody.get(f"/items/{item['item_id']}/photos").json()
        assert len(photos) == 1 and photos[0]["received_at"] is not None and photos[0]["media_type"] == "image/png"

    # The item page shows who delivered it and the receipt's photo, a thumbnail with words for those who cannot see it.
    page.goto(f"{floor.web}/item.html?id={item['item_id']}")
    expect(page.locator('dd[data-fact="item.deliverer"]')).to_have_text("Đội QLTT số 1 — Nguyễn Văn An")
    thumb = page.locator(f'#photos img[data-photo="{photos[0]["photo_id"]}"]')
    expect(thumb).to_have_attribute("alt", re.compile(PHOTO_ALT[me.lang] + ".*" + re.escape(item["label_code"])))
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 8  # the photo's own pixels, loaded
    other = "en" if me.lang == "vi" else "vi"
    toggle = page.locator("#lang-toggle")
    toggle.tap() if me.phone else toggle.click()  # not one of the task's taps
    expect(thumb).to_have_attribute("alt", re.compile(PHOTO_ALT[other]))
    toggle.tap() if me.phone else toggle.click()
    expect(thumb).to_have_attribute("alt", re.compile(PHOTO_ALT[me.lang]))
    me.shot("item-evidence")
    print(f"receipt {size}: taps={me.taps} keys={me.keys}")
    assert not page.errors  # type: ignore[attr-defined]


# --- check-out and return -------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_check_out_with_due_date_picks_waits_for_a_second_person_and_the_item_comes_back(
        people: Any, floor: WebStack, size: tuple[str, str]) -> None:
    (item,) = floor.register(1, value_vnd=250_000_000)
    _receive(floor, [item])
    label = floor.label(item)
    me = people("kho-1", size, "checkout.html")
    page = me.page
    me.scan(label)
    expect(page.locator("#item-card")).to_contain_text(item["label_code"])
    expect(page.locator("#out-form")).to_be_visible()
    me.type("#holder", "TAND tỉnh Bắc Ninh")
    me.type("#purpose", "Xét xử vụ án")
    # Sending without a due date: the API's field error shows next to the date, in words.
    me.tap("#check-out")
    expect(page.locator("#due-error")).to_be_visible()
    # A scan while the due date has the focus neither types into it nor is lost.
    me.tap("#due")
    me.scan(label)
    expect(page.locator("#due")).to_have_value("")
    expect(page.locator("#item")).to_have_value(item["label_code"])
    me.tap('#due-picks button[data-days="14"]')
    due = page.input_value("#due")
    assert due, "the +14 days pick fills the date"
    # The browser shows the date its own way (mm/dd/yyyy in en-US): beside it, the date in the page's words.
    picked = date.fromisoformat(due)
    spelled = (f"{picked:%d/%m/%Y}" if me.lang == "vi" else f"{picked.day} {picked:%B %Y}")
    weekday = (DAYS_VI[picked.weekday()] if me.lang == "vi" else f"{picked:%A}")
    expect(page.locator("#due-words")).to_contain_text(spelled)
    expect(page.locator("#due-words")).to_contain_text(weekday)
    expect(page.locator("#due-words")).to_contain_text("Hạn trả" if me.lang == "vi" else "Due")
    me.tap("#check-out")
    expect(page.locator("#status")).to_have_attribute("data-kind", "warn")
    expect(page.locator("#status")).to_contain_text(me.words("pending"))
    mine = page.locator(f'#approvals li:has-text("{item["label_code"]}")')
    expect(mine.locator('button[data-do="confirm"]')).to_be_disabled()  # not by the one who asked
    me.shot("checkout-pending")

    other = people("kho-2", ("desktop", me.lang), "checkout.html")
    theirs = other.page.locator(f'#approvals li:has-text("{item["label_code"]}")')
    expect(theirs).to_contain_text("TAND tỉnh Bắc Ninh")
    other.tap(theirs.locator('button[data-do="confirm"]'))
    expect(other.page.locator("#status")).to_contain_text(other.words("confirmed"))
    got = eventually(lambda: (i := _item(floor, item["item_id"]))["state"] == "checked_out" and i, what="checked out")
    assert got["holder"] == "TAND tỉnh Bắc Ninh" and got["holder_kind"] == "court"
    assert got["due_at"].startswith(due), (got["due_at"], due)

    # Back: the page turns to "return" for a checked-out item.
    me.scan(label)
    expect(page.locator("#mode-back")).to_be_checked()
    me.type("#location", BINS[1])  # picked from the list (typed here), sent as a code
    me.type("#return-condition", "nguyên vẹn")
    me.tap("#return")
    expect(page.locator("#status")).to_contain_text(me.words("returned"))
    me.shot("checkout-returned")
    assert _item(floor, item["item_id"])["location_code"] == BINS[1]
    # Returned in other words than the record's condition: a discrepancy beside the return.
    events = [e for e in _custody_events(floor, item["item_id"]) if e != "discrepancy_recorded"]
    assert events[-2:] == ["item_checked_out", "item_returned"], events
    print(f"checkout {size}: taps={me.taps} keys={me.keys} (+1 tap by the second person)")
    assert not page.errors  # type: ignore[attr-defined]


# --- legal holds ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_board_member_places_and_lifts_a_hold_and_staff_are_neither_shown_nor_allowed(
        people: Any, floor: WebStack, size: tuple[str, str]) -> None:
    (item,) = floor.register(1)
    _receive(floor, [item])
    staff = people("kho-1", size, "holds.html")
    expect(staff.page.locator("#main")).to_contain_text(staff.words("forbidden"))
    expect(staff.page.locator('header.top nav a[href="holds.html"]')).to_have_count(0)
    with floor.client("custody", "warehouse_staff", "kho-1") as custody:
        r = custody.post(f"/items/{item['item_id']}/legal-hold", json={"reason": "thử"})
        assert r.status_code == 403, r.text

    board = people(BOARD[1], size, "holds.html")
    page = board.page
    board.type("#item", item["label_code"])
    board.enter("#item")
    expect(page.locator("#hold-state")).to_be_visible()
    board.tap("#place")  # no reason: said next to the field
    expect(page.locator("#reason-error")).to_be_visible()
    board.type("#reason", "Quyết định tạm đình chỉ số 12/QĐ-TA của TAND tỉnh")
    board.tap("#place")
    expect(page.locator("#status")).to_contain_text(board.words("placed"))
    expect(page.locator("#lift")).to_be_visible()
    board.shot("holds-placed")
    assert _item(floor, item["item_id"])["on_hold"] is True
    board.type("#reason", "Đã có quyết định huỷ bỏ biện pháp")
    board.tap("#lift")
    expect(page.locator("#status")).to_contain_text(board.words("lifted"))
    assert _item(floor, item["item_id"])["on_hold"] is False
    assert _custody_events(floor, item["item_id"])[-2:] == ["legal_hold_placed", "legal_hold_lifted"]
    print(f"holds {size}: taps={board.taps} keys={board.keys}")
    assert not page.errors  # type: ignore[attr-defined]


# --- containers -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_container_is_created_packed_moved_and_unpacked(people: Any, floor: WebStack, size: tuple[str, str]) -> None:
    items = floor.register(2)
    _receive(floor, items)
    code = f"THUNG-{uuid.uuid4().hex[:6].upper()}"
    me = people("kho-1", size, "containers.html")
    page = me.page
    me.tap('label:has(#task-create)')
    me.type("#container", code)
    me.tap("#do")
    expect(page.locator("#status")).to_contain_text(code)
    expect(page.locator("#task-pack")).to_be_checked()
    for item in items:
        me.scan(floor.label(item))
    expect(page.locator("#items li")).to_have_count(2)
    me.tap("#do")
    expect(page.locator("#status")).to_contain_text(me.words("packed"))
    # What the container holds, under the form: each item's printed code a link to its page, and what it is.
    contents = page.locator("#contents-list li")
    expect(contents).to_have_count(2)
    for item in items:
        row = page.locator(f'#contents-list li[data-item="{item["item_id"]}"]')
        expect(row.locator("a.code")).to_have_text(item["label_code"])
        expect(row.locator("a.code")).to_have_attribute("href", f"item.html?id={item['item_id']}")
        expect(row).to_contain_text(item["description"])
    expect(page.locator("#contents-heading")).to_contain_text(code)
    me.tap('label:has(#task-move)')
    me.scan(_shelf(floor, BINS[1]))
    expect(page.locator("#location")).to_have_value(BINS[1])
    me.tap("#do")
    expect(page.locator("#status")).to_contain_text(me.words("moved"))
    me.tap('label:has(#task-unpack)')
    me.scan(floor.label(items[0]))
    me.tap("#do")
    expect(page.locator("#status")).to_contain_text(me.words("unpacked"))
    expect(contents).to_have_count(1)
    expect(page.locator(f'#contents-list li[data-item="{items[1]["item_id"]}"]')).to_be_visible()
    expect(page.locator("#contents-where")).to_contain_text(BINS[1])
    me.shot("containers")
    first, second = (_item(floor, i["item_id"]) for i in items)
    assert (first["location_code"], second["location_code"]) == (BINS[1], BINS[1])
    assert first["container_id"] is None and second["container_id"] is not None
    assert _custody_events(floor, items[0]["item_id"])[-3:] == ["item_packed", "item_moved", "item_unpacked"]
    print(f"containers {size}: taps={me.taps} keys={me.keys}")
    assert not page.errors  # type: ignore[attr-defined]


# --- transfers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_transfer_is_dispatched_received_in_part_and_closed_naming_what_is_missing(
        people: Any, floor: WebStack, size: tuple[str, str]) -> None:
    items = floor.register(2)
    _receive(floor, items)
    me = people("kho-1", size, "transfers.html")
    page = me.page
    me.scan(floor.label(items[0]))
    me.type("#item", items[1]["label_code"])  # typed: a dispatch names items by id
    me.enter("#item")
    expect(page.locator("#dispatch-items li")).to_have_count(2)
    me.type("#to", OTHER)
    me.type("#carrier", "Xe 99C-123.45")
    me.tap("#dispatch")
    expect(page.locator("#dispatched")).to_be_visible()
    transfer_id = page.locator("#dispatched").inner_text().split(":")[-1].strip()
    uuid.UUID(transfer_id)
    me.shot("transfers-dispatched")

    them = people(RECEIVER, size, f"transfers.html?id={transfer_id}")
    there = them.page
    expect(there.locator("#transfer-items li")).to_have_count(2)
    them.scan(floor.label(items[0]))
    expect(there.locator(f'#transfer-items li[data-item="{items[0]["item_id"]}"]')).to_have_attribute(
        "data-arrived", "yes")
    them.scan(_shelf(floor, OTHER_BIN))
    expect(there.locator("#location")).to_have_value(OTHER_BIN)
    them.tap("#receive")
    expect(there.locator("#status")).to_contain_text(them.words("received_n"))
    expect(there.locator("#status")).to_contain_text(OTHER_BIN)
    them.tap("#close")
    expect(there.locator("#close-question")).to_contain_text(items[1]["label_code"])
    them.tap("#close-yes")
    expect(there.locator("#missing")).to_contain_text(them.words("missing"))
    expect(there.locator("#missing")).to_contain_text(items[1]["label_code"])
    them.shot("transfers-closed")
    arrived = _item(floor, items[0]["item_id"], RECEIVER)
    assert (arrived["state"], arrived["location_code"]) == ("in_storage", OTHER_BIN)
    assert _item(floor, items[1]["item_id"], RECEIVER)["state"] == "missing"
    print(f"transfers {size}: dispatch taps={me.taps} keys={me.keys}; receive taps={them.taps} keys={them.keys}")
    assert not page.errors and not there.errors  # type: ignore[attr-defined]


def test_a_transfer_above_the_threshold_leaves_only_once_a_second_person_confirms_it(
        people: Any, floor: WebStack) -> None:
    # Two items of 60 million: 120 million leaving together is above custody's threshold (100 million).
    items = floor.register(2, value_vnd=60_000_000)
    _receive(floor, items)
    me = people("kho-1", ("phone", "vi"), "transfers.html")
    page = me.page
    for item in items:
        me.scan(floor.label(item))
    expect(page.locator("#dispatch-items li")).to_have_count(2)
    me.type("#to", OTHER)
    me.type("#carrier", "Xe 99C-123.45")
    me.tap("#dispatch")
    expect(page.locator("#status")).to_have_attribute("data-kind", "warn")
    expect(page.locator("#status")).to_contain_text(me.words("pending"))
    mine = page.locator(f'#approvals li:has-text("{items[0]["label_code"]}")')
    expect(mine).to_contain_text("120.000.000")
    expect(mine.locator('button[data-do="confirm"]')).to_be_disabled()  # not by the one who asked
    me.shot("transfers-pending")
    assert all(_item(floor, i["item_id"])["state"] == "in_storage" for i in items)  # nothing left yet

    other = people("kho-2", ("desktop", "en"), "transfers.html")
    theirs = other.page.locator(f'#approvals li:has-text("{items[0]["label_code"]}")')
    expect(theirs).to_contain_text(items[1]["label_code"])
    expect(theirs).to_contain_text("kho-1")
    other.tap(theirs.locator('button[data-do="confirm"]'))
    expect(other.page.locator("#status")).to_contain_text(other.words("confirmed"))
    expect(theirs).to_have_count(0)  # no longer waiting
    for item in items:  # on its way: an auditor (every warehouse) sees it
        eventually(lambda i=item: _item(floor, i["item_id"], "kiem-toan-1")["state"] == "in_transit",
                   what="the confirmed dispatch")
    assert all("item_transfer_dispatched" in _custody_events(floor, i["item_id"]) for i in items)
    print(f"transfer with a second person: taps={me.taps} keys={me.keys} (+1 tap by the second person)")
    assert not page.errors and not other.page.errors  # type: ignore[attr-defined]


# --- handover to the disposal team ------------------------------------------------------------------------------

def _ready_batch(stack: WebStack) -> tuple[str, list[dict[str, Any]]]:
    """Two high-value items received, in a destruction batch the board approved and custody reserved."""
    items = stack.register(2, legal=True, value_vnd=80_000_000)
    _receive(stack, items, BINS[1])
    ids = [i["item_id"] for i in items]

    def known() -> bool:
        with stack.client("disposal", "board_member", BOARD[0]) as disposal:
            return all(disposal.get(f"/items/{i}").json().get("custody_state") == "in_storage" for i in ids)

    eventually(known, what="disposal's read model")
    with stack.client("disposal", "board_member", BOARD[0]) as disposal:
        r = disposal.post("/batches", json={"unit": UNIT, "method": "destroy", "item_ids": ids,
                                            "reason": "Hàng giả, không còn giá trị sử dụng"})
        assert r.status_code == 201, r.text
        batch_id: str = r.json()["batch_id"]
    for voter in BOARD[1:]:
        with stack.client("disposal", "board_member", voter) as disposal:
            r = disposal.post(f"/batches/{batch_id}/votes", json={"decision": "approve", "reason": "Đồng ý"})
            assert r.status_code == 200, r.text
    eventually(lambda: all(_item(stack, i)["state"] == "reserved_for_disposal" for i in ids), what="reserved")
    return batch_id, items


@pytest.mark.parametrize("size", SIZES)
def test_a_handover_above_the_threshold_is_confirmed_by_a_second_person(
        people: Any, floor: WebStack, size: tuple[str, str]) -> None:
    batch_id, items = _ready_batch(floor)
    me = people("kho-1", size, f"handover.html?batch={batch_id}")
    page = me.page
    expect(page.locator("#batch")).to_have_value(batch_id)
    me.type("#recipient", "Tổ tiêu hủy — Chi cục QLTT")
    me.tap("#hand-over")
    expect(page.locator("#status")).to_have_attribute("data-kind", "warn")
    expect(page.locator("#status")).to_contain_text(me.words("pending"))
    mine = page.locator(f'#approvals li:has-text("{items[0]["label_code"]}")')
    expect(mine.locator('button[data-do="confirm"]')).to_be_disabled()
    me.shot("handover-pending")
    other = people("kho-2", ("desktop", me.lang), "handover.html")
    theirs = other.page.locator(f'#approvals li:has-text("{items[0]["label_code"]}")')
    other.tap(theirs.locator('button[data-do="confirm"]'))
    expect(other.page.locator("#status")).to_contain_text(other.words("handed"))
    other.shot("handover-confirmed")
    assert {_item(floor, i["item_id"])["state"] for i in items} == {"handed_over"}
    print(f"handover {size}: taps={me.taps} keys={me.keys} (+1 tap by the second person)")
    assert not page.errors  # type: ignore[attr-defined]
