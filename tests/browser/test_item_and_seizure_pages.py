"""The item page (state, location, timeline, label) and the seizure page (counts, items, label sheet)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import BINS, WebStack, screenshot, sign_in


def test_the_item_page_shows_state_location_timeline_and_label(page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[1]})
        assert r.status_code == 200, r.text
    sign_in(page, web_stack.web, "kiem-toan-1")
    page.goto(f"{web_stack.web}/item.html?id={item['item_id']}")
    expect(page.locator('dd[data-fact="item.state"]')).to_have_text("in storage")
    expect(page.locator('dd[data-fact="item.location"]')).to_have_text(BINS[1])
    expect(page.locator('#timeline tr[data-type="custody.item_received"]')).to_have_count(1)
    expect(page.locator('#timeline tr[data-type="intake.item_registered"]')).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("kho-1")
    expect(page.locator("#label-img")).to_have_attribute("src", re.compile(r"^blob:"), timeout=10_000)
    page.wait_for_function("() => document.getElementById('label-img').naturalWidth > 0")
    screenshot(page, "item")

    # Scanning the label into the search box finds the same item (a wedge scanner types + Enter).
    page.fill("#find", web_stack.label(item))
    page.press("#find", "Enter")
    expect(page.locator("#item-heading")).to_contain_text(item["label_code"])


def test_a_warehouse_member_sees_custody_but_no_intake_only_parts(page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    sign_in(page, web_stack.web, "kho-1", lang="vi")
    page.goto(f"{web_stack.web}/item.html?id={item['item_id']}")
    expect(page.locator('dd[data-fact="item.state"]')).to_have_text("chờ nhập kho")
    expect(page.locator("#label-box")).to_be_hidden()
    expect(page.locator("h1")).to_have_text("Tang vật")
    expect(page.locator("header nav")).not_to_contain_text("Kiểm toán")
    page.goto(f"{web_stack.web}/audit.html")
    expect(page.locator("#main .banner.error")).to_be_visible()


def test_the_seizure_page_counts_lists_the_items_and_gives_the_label_sheet(page: Page, web_stack: WebStack) -> None:
    """(Registration itself, by the form and by CSV, is tests/browser/test_intake_office.py.)"""
    items = web_stack.register(3)
    sign_in(page, web_stack.web, "officer-1")
    page.goto(f"{web_stack.web}/seizure.html?id={items[0]['seizure_id']}")
    expect(page.locator('#by-category tr[data-key="counterfeit"] td')).to_have_text("3")
    expect(page.locator('#by-category tr[data-key="counterfeit"] th')).to_have_text("counterfeit")
    expect(page.locator("#items tbody tr")).to_have_count(3)
    page.click("#labels")
    link = page.locator("#labels-link")
    expect(link).to_be_visible()
    head = page.evaluate("""async () => {
        const blob = await (await fetch(document.getElementById('labels-link').href)).blob();
        return [blob.type, new TextDecoder().decode(await blob.slice(0, 5).arrayBuffer())];
    }""")
    assert head == ["application/pdf", "%PDF-"]
    screenshot(page, "seizure")
