"""The intake office in a real browser, as an intake officer: the seizure form (client checks and intake's own
refusals beside the fields, the time entered as Vietnam time), a CSV whose every bad line is listed in words of
either language and then fixed, the seizure search ("bac ninh" finds "Bắc Ninh"), a legal status and corrections
on the seizure page; on a 360x640 touch phone in Vietnamese and at desktop size in English, and a screenshot
sweep of the three pages at the other variants."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import demo_data
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import WAREHOUSE, WebStack, eventually, screenshot, sign_in

PHONE = {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
Open = Callable[[str, str], Page]


@pytest.fixture
def officer(browser: Browser, web_stack: WebStack) -> Iterator[Open]:
    """A page of officer-1 signed in at a size ("phone" / "desktop") and a language; the device's clock on UTC, so
    Vietnam time is the page's doing."""
    contexts: list[BrowserContext] = []

    def open_as(size: str, lang: str) -> Page:
        phone = size == "phone"
        context = browser.new_context(**(PHONE if phone else DESKTOP), timezone_id="UTC")  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        # Keycloak's login page is not ours and is wider than 360 px at times (see test_floor_tasks.py).
        if phone:
            page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, web_stack.web, "officer-1", lang=lang, tap=phone)
        if phone:
            page.set_viewport_size({"width": 360, "height": 640})
        page.phone = phone  # type: ignore[attr-defined]
        return page

    yield open_as
    for context in contexts:
        context.close()


def press(page: Page, selector: str) -> None:
    target = page.locator(selector)
    target.tap() if page.phone else target.click()  # type: ignore[attr-defined]


def fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert page.errors == [], page.errors  # type: ignore[attr-defined]


def fill_seizure(page: Page, record: str) -> None:
    page.fill("#f-record_number", record)
    page.fill("#f-seized_date", "2026-11-25")
    page.fill("#f-seized_time", "08:30")
    page.fill("#f-province", "Bắc Ninh")
    page.fill("#f-address", "Chợ Võ Cường, TP Bắc Ninh")
    page.fill("#f-legal_basis", "Nghị định 98/2020/NĐ-CP")
    page.fill("#f-case_id", f"INS-{record}")
    page.check('#categories input[value="counterfeit"]')
    page.select_option("#f-offender-kind", "person")
    page.fill("#f-offender-name", "Nguyễn Thị Hoà")


def intake_knows(web_stack: WebStack, warehouse: str) -> None:
    """Intake learns custody's warehouses from Kafka: wait until a CSV to `warehouse` is no longer refused for it (a
    label twice: the probe is always refused, so it never registers anything)."""
    def known() -> bool:
        line = f"counterfeit,a,1,c,1,PROBE-1,{warehouse}\n"
        csv = "category,description,quantity,unit,value_vnd,label_code,warehouse_id\n" + line + line
        with web_stack.client("intake", "intake_officer", "officer-1") as intake:
            r = intake.post("/seizures/csv", files={"items": ("a.csv", csv)},
                            data={"seizure": json.dumps(demo_data.seizure_fields())})
        return all(d["code"] != "unknown_warehouse" for d in r.json()["error"]["details"])
    eventually(known, what="intake to know the warehouse")


def test_the_form_on_a_phone_says_each_problem_beside_its_field_and_registers_in_vietnam_time(
        officer: Open, web_stack: WebStack) -> None:
    page = officer("phone", "vi")
    page.goto(f"{web_stack.web}/seizure_new.html")
    expect(page.locator("h1")).to_have_text("Đăng ký vụ tạm giữ")
    record = f"BB-FORM-{uuid.uuid4().hex[:6].upper()}"
    page.fill("#f-province", "")
    press(page, "#register")  # nothing typed yet: the page says what is missing, in Vietnamese, beside each field
    expect(page.locator("#f-record_number-error")).to_have_text("Bắt buộc: hãy điền.")
    expect(page.locator("#f-violation_categories-error")).to_have_text("Bắt buộc: hãy điền.")
    expect(page.locator("#f-record_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-status .banner.error")).to_contain_text("cần sửa")
    fill_seizure(page, record)
    page.fill("#item-1-description", "Túi xách giả nhãn hiệu")
    page.select_option("#item-1-category", "counterfeit")
    page.fill("#item-1-brand", "Gucci")
    page.fill("#item-1-quantity", "１２")  # full-width digits: refused here already
    page.fill("#item-1-unit", "cái")
    page.fill("#item-1-value_vnd", "450000")
    page.fill("#item-1-label_code", f"{record}-1")
    page.fill("#item-1-warehouse_id", "KHO BN 01")  # a space: intake refuses the form of the code
    press(page, "#register")
    expect(page.locator("#item-1-quantity-error")).to_have_text("Phải là số nguyên viết bằng chữ số 0-9.")
    page.fill("#item-1-quantity", "12")
    press(page, "#register")
    expect(page.locator("#item-1-warehouse_id-error")).to_contain_text("Sai dạng")
    expect(page.locator("#item-1-quantity-error")).to_have_count(0)
    fits(page)
    screenshot(page, "intake-form-errors-phone-vi")

    page.fill("#item-1-warehouse_id", WAREHOUSE)
    press(page, "#add-item")
    page.select_option("#item-2-category", "smuggled")
    for field, value in (("description", "Rượu ngoại"), ("quantity", "2"), ("unit", "chai"), ("value_vnd", "900000"),
                         ("label_code", f"{record}-2"), ("warehouse_id", WAREHOUSE)):
        page.fill(f"#item-2-{field}", value)
    press(page, "#register")
    expect(page.locator("#registered")).to_contain_text(f"Đã đăng ký vụ {record} với 2 tang vật.")
    fits(page)
    screenshot(page, "intake-form-registered-phone-vi")
    href = page.locator("#registered a").get_attribute("href")
    assert href is not None
    seizure_id = href.split("id=")[1]
    with web_stack.client("intake", "intake_officer", "officer-1") as intake:
        seizure = intake.get(f"/seizures/{seizure_id}").json()
    # 08:30 typed as Vietnam time on a device whose clock is on UTC: 01:30 UTC.
    assert seizure["seized_at"].startswith("2026-11-25T01:30:00")
    assert (seizure["case_id"], seizure["offender"]["name"]) == (f"INS-{record}", "Nguyễn Thị Hoà")


def test_a_csv_lists_every_bad_line_in_words_of_either_language_then_registers_once_fixed(
        officer: Open, web_stack: WebStack, tmp_path: Path) -> None:
    intake_knows(web_stack, WAREHOUSE)
    page = officer("desktop", "en")
    page.goto(f"{web_stack.web}/seizure_new.html")
    tag = uuid.uuid4().hex[:6].upper()
    fill_seizure(page, f"BB-CSV-{tag}")
    header = "category,description,quantity,unit,value_vnd,label_code,warehouse_id\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + f"counterfeit,Túi xách,3,cái,450000,{tag}-1,{WAREHOUSE}\n"
                   f"counterfeit,Túi xách,3,cái,450000,{tag}-1,{WAREHOUSE}\n"
                   f"smuggled,Rượu,2,chai,900000,{tag}-3,KHO-KHONG-CO\n"
                   f"counterfeit,Đồng hồ,1,chiếc,không-phải-số,{tag}-4,{WAREHOUSE}\n", encoding="utf-8")
    page.set_input_files("#csv-file", str(bad))
    page.click("#csv-upload")
    rows = page.locator("#csv-errors tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-line", "3")
    expect(rows.nth(0)).to_contain_text("Same label code as line 2")
    expect(rows.nth(0)).to_contain_text(f"«{tag}-1»")
    expect(rows.nth(1)).to_have_attribute("data-line", "4")
    expect(rows.nth(1)).to_contain_text("This warehouse is not registered")
    expect(rows.nth(1)).to_contain_text("«KHO-KHONG-CO»")
    expect(rows.nth(2)).to_have_attribute("data-line", "5")
    expect(rows.nth(2)).to_contain_text("whole number written with the digits 0-9")
    expect(page.locator("#csv-errors")).not_to_contain_text("duplicate_in_file")
    expect(page.locator("#csv-result .banner.error")).to_have_text(
        "The CSV file has problems: correct the lines named and upload it again.")
    fits(page)
    screenshot(page, "intake-csv-errors-desktop-en")
    page.click("#lang-toggle")
    expect(rows.nth(0)).to_contain_text("Mã nhãn trùng với dòng 2")
    expect(rows.nth(1)).to_contain_text("Kho này chưa được đăng ký")
    expect(page.locator("#csv-errors caption")).to_have_text("Các dòng cần sửa (3)")
    screenshot(page, "intake-csv-errors-desktop-vi")

    good = tmp_path / "good.csv"
    good.write_text(header + f"counterfeit,Túi xách,3,cái,450000,{tag}-1,{WAREHOUSE}\n"
                    f"smuggled,Rượu,2,chai,900000,{tag}-3,{WAREHOUSE}\n", encoding="utf-8")
    page.set_input_files("#csv-file", str(good))
    page.click("#csv-upload")
    expect(page.locator("#csv-result #registered")).to_contain_text(f"BB-CSV-{tag}")
    expect(page.locator("#csv-errors")).to_have_count(0)


def _registered(web_stack: WebStack, **fields: Any) -> dict[str, Any]:
    body = {**demo_data.seizure_fields(), **fields, "items": demo_data.items(2, warehouse=WAREHOUSE)}
    with web_stack.client("intake", "intake_officer", "officer-1") as intake:
        r = intake.post("/seizures", json=body)
        assert r.status_code == 201, r.text
        created: dict[str, Any] = r.json()
    return created


def test_search_bac_ninh_then_a_legal_status_and_corrections_on_a_phone(officer: Open, web_stack: WebStack) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    record = f"BB-TIM-{tag}"
    created = _registered(web_stack, record_number=record, province="Bắc Ninh", address="Thôn Đông, Bắc Ninh",
                          seized_at="2026-12-01T09:00:00+07:00")
    _registered(web_stack, record_number=f"BB-HN-{tag}", province="Hà Nội", address="Phố Huế, Hà Nội",
                seized_at="2026-12-01T10:00:00+07:00")
    page = officer("phone", "vi")
    page.goto(f"{web_stack.web}/seizures.html")
    page.fill("#s-q", "bac ninh")
    press(page, "#search")
    row = page.locator(f'#results tr[data-seizure="{created["seizure_id"]}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("Bắc Ninh")
    expect(row).to_contain_text("01/12/2026")  # Vietnam time on a UTC device
    expect(row).to_contain_text("chưa có quyết định")
    expect(page.locator("#results")).not_to_contain_text(f"BB-HN-{tag}")
    fits(page)
    screenshot(page, "intake-search-phone-vi")

    press(page, f'#results tr[data-seizure="{created["seizure_id"]}"] a')
    expect(page.locator("#legal-state")).to_have_text("Chưa có quyết định tịch thu hay lệnh trả lại.")
    press(page, "#legal-save")  # no decision chosen: none is pre-selected, and the page says so
    expect(page.locator("#l-status-error")).to_have_text("Bắt buộc: hãy điền.")
    page.locator('#legal-form input[value="confiscated"]').check()
    page.fill("#l-decision_number", f"QĐ-{tag}/QĐ-XPHC")
    page.fill("#l-decided_on", "2026-12-02")
    page.fill("#l-issued_by", "Chi cục trưởng Chi cục QLTT Bắc Ninh")
    press(page, "#legal-save")
    expect(page.locator("#legal-result .banner.ok")).to_have_text("Đã ghi: đã có quyết định tịch thu.")
    expect(page.locator("#legal-state")).to_contain_text(f"quyết định số QĐ-{tag}/QĐ-XPHC")
    expect(page.locator("#legal-form")).to_be_hidden()
    fits(page)
    screenshot(page, "intake-legal-status-phone-vi")

    page.locator("#correct-box summary").tap()
    page.select_option("#c-field", "province")
    expect(page.locator("#c-value")).to_have_value("Bắc Ninh")
    page.fill("#c-value", "Bắc Giang")
    press(page, "#correct-save")
    expect(page.locator("#c-reason-error")).to_have_text("Bắt buộc: hãy điền.")
    page.fill("#c-reason", "Ghi nhầm tỉnh trong biên bản")
    press(page, "#correct-save")
    expect(page.locator("#correct-result .banner.ok")).to_have_text(
        "Đã ghi đính chính «Tỉnh/thành phố»: Bắc Ninh → Bắc Giang.")
    expect(page.locator("#details")).to_contain_text("Bắc Giang")

    press(page, "#items tbody tr:first-child td[data-col=correct] button")
    page.select_option("#ic-field", "quantity")
    page.fill("#ic-value", "7")
    page.fill("#ic-reason", "Đếm lại tại kho")
    press(page, "#ic-save")
    expect(page.locator("#correct-result .banner.ok")).to_contain_text("«Số lượng»")
    expect(page.locator("#item-dialog")).to_be_hidden()
    fits(page)
    screenshot(page, "intake-corrections-phone-vi")
    with web_stack.client("intake", "intake_officer", "officer-1") as intake:
        seizure = intake.get(f"/seizures/{created['seizure_id']}").json()
        items = intake.get(f"/seizures/{created['seizure_id']}/items").json()["items"]
    assert (seizure["legal_status"], seizure["province"]) == ("confiscated", "Bắc Giang")
    assert items[0]["quantity"] == 7


@pytest.mark.parametrize(("size", "lang"), [("desktop", "vi"), ("phone", "en")])
def test_the_office_pages_at_the_other_sizes_and_languages(officer: Open, web_stack: WebStack, size: str,
                                                           lang: str) -> None:
    created = _registered(web_stack, record_number=f"BB-SW-{uuid.uuid4().hex[:6].upper()}")
    page = officer(size, lang)
    english = lang == "en"
    for path, heading in (("seizure_new.html", "Register a seizure" if english else "Đăng ký vụ tạm giữ"),
                          ("seizures.html?q=bac%20ninh", "Find seizures" if english else "Tìm vụ tạm giữ"),
                          (f"seizure.html?id={created['seizure_id']}", "Seizure" if english else "Vụ tạm giữ")):
        page.goto(f"{web_stack.web}/{path}")
        expect(page.locator("h1")).to_have_text(heading)
        page.wait_for_load_state("networkidle")
        if path.startswith("seizures"):
            expect(page.locator("#found")).to_be_visible()
        if path.startswith("seizure.html"):
            expect(page.locator("#legal-state")).to_have_text(
                "No confiscation decision or release order yet." if english
                else "Chưa có quyết định tịch thu hay lệnh trả lại.")
        fits(page)
        screenshot(page, f"intake-{path.split('.')[0]}-{size}-{lang}")
