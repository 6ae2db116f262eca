"""Paperwork signed on the tablet, in a real browser: after a receipt the page offers the receipt's handover minutes
(biên bản giao nhận) covering every item of the seizure received here; who delivered and who received sign in the
signature pads with a finger (touch events on a 360x640 handheld) or the mouse (desktop); the signed PDF downloads,
its bytes are the ones whose SHA-256 the page shows and custody recorded, and the signatures are drawn in its boxes."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from tangvat_shared.keys import load_private_key
from tangvat_shared.labels import sign_location_label
from tests.browser.conftest import BINS, WAREHOUSE, WebStack, _fits_its_screen, screenshot, sign_in

RAW_KEY = re.compile(r"\b(?:paper|sign|party|err|receipt|floor)\.[a-z_]+\b")
WORDS = {"vi": {"title": "Biên bản giao nhận khi nhập kho", "signed": "Đã ký biên bản (2 tang vật)",
                "blank": "Chưa ký"},
         "en": {"title": "Handover minutes at receipt", "signed": "Minutes signed (2 items)",
                "blank": "Not signed yet"}}


@pytest.fixture
def open_page(browser: Browser, web_stack: WebStack) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_as(user: str, phone: bool, lang: str) -> Page:
        context = (browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True,
                                       timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True)
                   if phone else browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC",
                                                     accept_downloads=True))
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        # Keycloak's login page is not ours (it measured wider than 360 px now and then): signed in wide, then used
        # at 360 x 640 with touch, as the floor tests do.
        if phone:
            page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, web_stack.web, user, lang=lang, tap=phone)
        if phone:
            page.set_viewport_size({"width": 360, "height": 640})
        page.goto(f"{web_stack.web}/receipt.html")
        page.wait_for_load_state("networkidle")
        return page

    yield open_as
    for context in contexts:
        context.close()


def _receive_in_the_page(page: Page, stack: WebStack, item: dict[str, Any], phone: bool) -> None:
    """Scan the item's label and the shelf's signed label, name the deliverer, receive."""
    page.keyboard.type(stack.label(item))
    page.keyboard.press("Enter")
    expect(page.locator("#receipt-form")).to_be_visible()
    page.keyboard.type(sign_location_label(load_private_key((stack.keys / "custody.pem").read_bytes()), BINS[0]))
    page.keyboard.press("Enter")
    expect(page.locator("#location")).to_have_value(BINS[0])
    page.fill("#deliverer", "Nguyễn Văn Hùng")
    button = page.locator("#receive")
    button.tap() if phone else button.click()
    expect(page.locator("#status")).to_contain_text(item["label_code"])


def _draw(page: Page, party: str, phone: bool, wiggle: int) -> None:
    """A signature across the party's pad: touch points through the browser's touch input on the handheld (what a
    finger sends), mouse moves with the button down at a desk."""
    pad = page.locator(f'.signature-box[data-party="{party}"] canvas')
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None and box["width"] > 200, box
    points = [(box["x"] + box["width"] * f, box["y"] + box["height"] * (0.3 + 0.4 * ((n + wiggle) % 2)))
              for n, f in enumerate((0.1, 0.25, 0.4, 0.55, 0.7, 0.85))]
    if phone:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0],
                                                                                      "y": points[0][1]}]})
        for x, y in points[1:]:
            for step in range(1, 6):  # a finger moves in small steps
                px, py = points[0] if step == 0 else (x, y)
                cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": px - (5 - step) * 3,
                                                                                            "y": py}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        cdp.detach()
    else:
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y, steps=5)
        page.mouse.up()
    expect(page.locator(f'.signature-box[data-party="{party}"]')).to_have_attribute("data-signed", "yes")


def _shots(page: Page, what: str, phone: bool, lang: str) -> None:
    """Screenshots in this language and the other: nothing wider than the screen, no untranslated key."""
    device = "phone" if phone else "desktop"
    for shown in (lang, "en" if lang == "vi" else "vi"):
        if shown != lang:
            page.locator("#lang-toggle").click()
        expect(page.locator("#paperwork h2")).to_have_text(WORDS[shown]["title"])
        _fits_its_screen(page)
        keys = RAW_KEY.findall(page.locator("body").inner_text())
        assert not keys, (what, shown, keys)
        screenshot(page, f"paperwork-{what}-{device}-{shown}")
    page.locator("#lang-toggle").click()
    expect(page.locator("#paperwork h2")).to_have_text(WORDS[lang]["title"])


def _sign_and_download(page: Page, stack: WebStack, items: list[dict[str, Any]], phone: bool, lang: str,
                       tmp: Path) -> None:
    words = WORDS[lang]
    panel = page.locator("#paperwork")
    expect(panel.locator("h2")).to_have_text(words["title"])
    expect(panel.locator('.signature-box[data-party="giver"] input')).to_have_value("Nguyễn Văn Hùng")
    sign = panel.locator(".sign-form")
    # Sending with an empty pad: refused in its box, in words, before anything is sent.
    sign.tap() if phone else sign.click()
    expect(panel.locator('.signature-box[data-party="giver"] .field-error')).to_contain_text(words["blank"])
    expect(panel.locator(".paper-result")).to_have_class(re.compile(r"\berror\b"))
    _draw(page, "giver", phone, 0)
    expect(panel.locator(".paper-result")).not_to_have_class(re.compile(r"\berror\b"))  # signing drops the refusal
    panel.locator('.signature-box[data-party="receiver"] input').fill("Trần Thị Lan")
    _draw(page, "receiver", phone, 1)
    _shots(page, "receipt-signing", phone, lang)
    sign.tap() if phone else sign.click()
    expect(panel.locator(".paper-result")).to_contain_text(words["signed"])
    link = panel.locator(".signed-forms li a.signed-pdf").first
    expect(link).to_be_visible()
    shown_sha = panel.locator(".signed-forms li code").first.inner_text()
    _shots(page, "receipt-signed", phone, lang)

    with page.expect_download() as download:
        link.tap() if phone else link.click()
    path = tmp / "signed.pdf"
    download.value.save_as(path)
    pdf = path.read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == shown_sha

    seizure_id = items[0]["seizure_id"]
    with stack.client("custody", "warehouse_staff") as custody:
        signed = custody.get(f"/forms/receipt-minutes/{seizure_id}/signatures").json()
        history = custody.get(f"/items/{items[0]['item_id']}/history").json()
    assert signed[0]["pdf_sha256"] == shown_sha and signed[0]["item_count"] == 2
    assert [s["name"] for s in signed[0]["signatures"]] == ["Nguyễn Văn Hùng", "Trần Thị Lan"]
    assert history[-1]["type"] == "custody.item_received"  # the form is its own subject, not the item's step

    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages)).split())
    assert "BIÊN BẢN GIAO NHẬN TANG VẬT" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert all(i["label_code"] in text for i in items) and "Trần Thị Lan" in text
    assert sum(len(p.images) for p in reader.pages) == 2  # both signatures drawn in their boxes
    for n, image in enumerate(p for page_ in reader.pages for p in page_.images):
        (tmp / f"signature-{n}.png").write_bytes(image.data)
    assert not page.errors  # type: ignore[attr-defined]


@pytest.mark.parametrize(("phone", "lang"), [pytest.param(True, "vi", id="phone-vi"),
                                             pytest.param(False, "en", id="desktop-en")])
def test_the_receipt_s_handover_minutes_are_signed_on_the_pad_and_the_signed_pdf_downloads(
        open_page: Any, web_stack: WebStack, phone: bool, lang: str, tmp_path: Path) -> None:
    items = web_stack.register(2)
    with web_stack.client("custody", "warehouse_staff", "kho-2") as custody:
        r = custody.post("/scans/check-in", json={"label": web_stack.label(items[0]), "location_code": BINS[0],
                                                  "deliverer": "Nguyễn Văn Hùng"})
        assert r.status_code == 200, r.text
    page = open_page("kho-1", phone, lang)
    expect(page.locator("#warehouse")).to_have_value(WAREHOUSE)
    _receive_in_the_page(page, web_stack, items[1], phone)
    _sign_and_download(page, web_stack, items, phone, lang, tmp_path)
