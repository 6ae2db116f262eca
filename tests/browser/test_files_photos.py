"""Photos and documents at intake in the pages: an intake officer on a phone (360×640, touch) takes a photo of the
seizure (the file input offers the camera) and sees it on the seizure page; an auditor at a desk sees it too.
Screenshots phone + desktop, Vietnamese + English."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import WebStack, screenshot, sign_in

PHONE = {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True, "timezone_id": "UTC"}


def _photo() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 60, 40))
    for x in range(0, 640, 40):
        for y in range(0, 480, 40):
            if (x + y) // 40 % 2:
                image.paste((40, 90, 160), (x, y, x + 40, y + 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _shows_the_photo(page: Page, name: str) -> None:
    thumb = page.locator("#files li", has_text=name).locator("img")
    expect(thumb).to_have_attribute("src", re.compile(r"^blob:"), timeout=10_000)
    page.wait_for_function("[...document.querySelectorAll('#files img')].every(i => i.complete && i.naturalWidth)")


def _fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_officer_photographs_a_seizure_on_a_phone_and_it_shows_on_the_seizure_page(
    browser: Browser, web_stack: WebStack,
) -> None:
    (item,) = web_stack.register(1)
    seizure_id = item["seizure_id"]
    context = browser.new_context(**PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, web_stack.web, "officer-1", lang="vi", tap=True)
    page.goto(f"{web_stack.web}/seizure.html?id={seizure_id}")
    expect(page.locator("#files-heading")).to_have_text("Ảnh và tài liệu")
    expect(page.locator("#files-empty")).to_have_text("Chưa có ảnh hay tài liệu.")
    field = page.locator("#file-input")
    assert field.get_attribute("capture") == "environment"  # a phone offers its camera
    # A file that is not a photo nor a PDF is refused in words, nothing added.
    field.set_input_files({"name": "ghi-chu.txt", "mimeType": "text/plain", "buffer": b"khong phai anh"})
    page.locator("#files-add").tap()
    expect(page.locator("#files-status")).to_contain_text("Chỉ nhận ảnh JPEG, PNG, WebP hoặc tài liệu PDF.")
    field.set_input_files({"name": "hien-truong.jpg", "mimeType": "image/jpeg", "buffer": _photo()})
    page.fill("#file-name", "Ảnh hiện trường kho")
    page.locator("#files-add").tap()
    expect(page.locator("#files-status")).to_contain_text("Đã thêm «Ảnh hiện trường kho».")
    _shows_the_photo(page, "Ảnh hiện trường kho")
    expect(page.locator("#files-empty")).to_be_hidden()
    _fits(page, 360)
    page.locator("#files-section").scroll_into_view_if_needed()
    screenshot(page, "files-seizure-phone-vi")
    page.evaluate("localStorage.setItem('tv_lang', 'en')")
    page.reload()
    expect(page.locator("#files-heading")).to_have_text("Photos and documents")
    _shows_the_photo(page, "Ảnh hiện trường kho")
    expect(page.locator("label[for=file-input]")).to_have_text("Take a photo or choose a file (JPEG, PNG, WebP, PDF)")
    _fits(page, 360)
    page.locator("#files-section").scroll_into_view_if_needed()
    screenshot(page, "files-seizure-phone-en")
    context.close()

    # An auditor at a desk reads the seizure with its photo (and adds nothing: no form).
    context = browser.new_context(viewport={"width": 1100, "height": 900}, timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, web_stack.web, "kiem-toan-1", lang="vi")
    page.goto(f"{web_stack.web}/seizure.html?id={seizure_id}")
    _shows_the_photo(page, "Ảnh hiện trường kho")
    expect(page.locator("#files-form")).to_be_hidden()
    screenshot(page, "files-seizure-desktop-vi")
    page.evaluate("localStorage.setItem('tv_lang', 'en')")
    page.reload()
    _shows_the_photo(page, "Ảnh hiện trường kho")
    expect(page.locator("#files-heading")).to_have_text("Photos and documents")
    screenshot(page, "files-seizure-desktop-en")
    context.close()
