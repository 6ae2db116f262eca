"""The item page (state, location, timeline, label) and the seizure page (counts, CSV upload, label sheet)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import BINS, WAREHOUSE, WebStack, screenshot, sign_in

GOOD_CSV = (
    "category,description,quantity,unit,value_vnd,label_code,warehouse_id\n"
    f"counterfeit,Túi xách giả nhãn hiệu,3,cái,450000,WEBCSV-{{n}}-1,{WAREHOUSE}\n"
    f"unknown_origin,Son môi không rõ nguồn gốc,12,thỏi,240000,WEBCSV-{{n}}-2,{WAREHOUSE}\n"
    f"counterfeit,Đồng hồ giả,1,chiếc,900000,WEBCSV-{{n}}-3,{WAREHOUSE}\n"
)
BAD_CSV = (
    "category,description,quantity,unit,value_vnd,label_code,warehouse_id\n"
    f"counterfeit,Túi xách,3,cái,450000,WEBBAD-1,{WAREHOUSE}\n"
    f"counterfeit,Túi xách,-2,cái,450000,WEBBAD-2,{WAREHOUSE}\n"
    f"counterfeit,Túi xách,1,cái,không-phải-số,WEBBAD-3,{WAREHOUSE}\n"
)


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


def test_the_seizure_page_lists_row_errors_then_registers_and_gives_the_label_sheet(
        page: Page, web_stack: WebStack, tmp_path: Path) -> None:
    sign_in(page, web_stack.web, "officer-1")
    page.goto(f"{web_stack.web}/seizure.html")
    fields = page.input_value("#fields").replace('"record_number": ""', '"record_number": "BB-WEB-001"')
    for key, value in (("province", "Bắc Ninh"), ("address", "Võ Cường, Bắc Ninh"), ("legal_basis", "NĐ 98/2020")):
        fields = fields.replace(f'"{key}": ""', f'"{key}": "{value}"')
    page.fill("#fields", fields)

    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    page.set_input_files("#csv", str(bad))
    page.click("#upload")
    errors = page.locator("#row-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(page.locator("#row-errors")).to_contain_text("quantity")
    expect(page.locator("#row-errors")).to_contain_text("value_vnd")
    screenshot(page, "seizure-row-errors")

    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV.format(n=tmp_path.name[-6:]), encoding="utf-8")
    page.set_input_files("#csv", str(good))
    page.click("#upload")
    expect(page.locator("#upload-result .banner.ok")).to_be_visible()
    expect(page.locator('#by-category tr[data-key="counterfeit"] td')).to_have_text("2")
    expect(page.locator('#by-category tr[data-key="unknown_origin"] td')).to_have_text("1")
    expect(page.locator('#by-category tr[data-key="unknown_origin"] th')).to_have_text("unknown origin")
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
