"""Each role signs in through Keycloak's own login page (board members with the one-time code of their
authenticator, computed here) and does its first task: warehouse staff receive an item at the scan station, a
board member votes on a batch, an auditor reads an item's timeline; at a desktop's size and on a 360×640 touch
phone, in English and in Vietnamese."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import (
    BINS,
    BOARD,
    UNIT,
    WebStack,
    eventually,
    log_in_at_keycloak,
    pick_location,
    scan,
    screenshot,
)

# (size, language): each role at both sizes, and both languages.
CASES = [("desktop", "en"), ("phone", "vi")]
ROLE_NAME = {("warehouse_staff", "en"): "Warehouse staff", ("warehouse_staff", "vi"): "Thủ kho",
             ("board_member", "en"): "Board member", ("board_member", "vi"): "Thành viên hội đồng",
             ("auditor", "en"): "Auditor", ("auditor", "vi"): "Kiểm toán viên"}
PASSWORD_LABEL = {"en": "Password", "vi": "Mật khẩu"}


@pytest.fixture
def device(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[BrowserContext, str, str]]:
    size, lang = request.param
    options: dict[str, Any] = ({"viewport": {"width": 1280, "height": 900}} if size == "desktop" else
                               {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True})
    context = browser.new_context(timezone_id="Asia/Ho_Chi_Minh", **options)
    context.set_default_timeout(15_000)
    yield context, size, lang
    context.close()


def press(locator: Locator, touch: bool) -> None:
    locator.tap() if touch else locator.click()


def arrive_signed_out(context: BrowserContext, web: str, page_name: str, lang: str) -> Page:
    """Open a role's page before signing in: it asks for a sign-in instead of showing anything."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(f"{web}/index.html")
    page.evaluate("lang => localStorage.setItem('tv_lang', lang)", lang)
    page.goto(f"{web}/{page_name}")
    expect(page.locator("#signin-needed")).to_be_visible()
    expect(page.locator("#sign-in")).to_be_visible()
    return page


def sign_in_from_the_page(page: Page, web_stack: WebStack, user: str, role: str, page_name: str, size: str,
                          lang: str) -> None:
    touch = size == "phone"
    press(page.locator("#signin-needed a"), touch)
    expect(page.locator("body")).to_contain_text(PASSWORD_LABEL[lang])  # Keycloak's page, in the page's language
    log_in_at_keycloak(page, user, web_stack.identity, tap=touch, shot=f"roles-{role}-{size}-{lang}")
    page.wait_for_url(f"{web_stack.web}/{page_name}")  # back where the person started
    expect(page.locator("#who")).to_contain_text(user)
    expect(page.locator("#who")).to_contain_text(ROLE_NAME[(role, lang)])
    expect(page.locator("#sign-out")).to_be_visible()
    assert page.evaluate("JSON.stringify(sessionStorage)") == "{}"


@pytest.mark.parametrize("device", CASES, indirect=True, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_warehouse_staff_sign_in_and_receive_an_item(device: tuple[BrowserContext, str, str],
                                                     web_stack: WebStack) -> None:
    context, size, lang = device
    (item,) = web_stack.register(1)
    page = arrive_signed_out(context, web_stack.web, "scan.html", lang)
    user = "kho-1" if size == "desktop" else "kho-2"
    sign_in_from_the_page(page, web_stack, user, "warehouse_staff", "scan.html", size, lang)
    pick_location(page, BINS[0])
    scan(page, web_stack.label(item))
    expect(page.locator("#feedback")).to_have_attribute("data-kind", "ok")
    expect(page.locator("#feedback")).to_contain_text(item["label_code"])
    screenshot(page, f"roles-warehouse_staff-{size}-{lang}-received")
    eventually(lambda: "custody.item_received" in web_stack.custody_history(item["item_id"]),
               what="the item received")
    assert not page.errors  # type: ignore[attr-defined]


def _proposed_batch(web_stack: WebStack) -> str:
    items = web_stack.register(2, legal=True)
    ids = [i["item_id"] for i in items]
    with web_stack.client("custody", "warehouse_staff") as custody:
        for item in items:
            r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[0]})
            assert r.status_code == 200, r.text

    def disposal_knows() -> bool:
        with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
            return all((r := disposal.get(f"/items/{i}")).status_code == 200
                       and r.json()["custody_state"] == "in_storage" and bool(r.json()["legal_status"]) for i in ids)

    eventually(disposal_knows, what="disposal's read model")
    with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
        r = disposal.post("/batches", json={"unit": UNIT, "method": "destroy", "item_ids": ids,
                                            "reason": "Hàng giả, không còn giá trị sử dụng"})
        assert r.status_code == 201, r.text
        return str(r.json()["batch_id"])


@pytest.mark.parametrize("device", CASES, indirect=True, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_a_board_member_signs_in_with_a_one_time_code_and_votes(device: tuple[BrowserContext, str, str],
                                                                web_stack: WebStack) -> None:
    context, size, lang = device
    batch_id = _proposed_batch(web_stack)
    member = BOARD[1] if size == "desktop" else BOARD[2]
    page = arrive_signed_out(context, web_stack.web, "board.html", lang)
    sign_in_from_the_page(page, web_stack, member, "board_member", "board.html", size, lang)
    section = page.locator(f'#pending section[data-batch="{batch_id}"]')
    expect(section.locator("progress:not(.rejections)")).to_be_visible()
    press(section.locator('form.vote input[value="approve"]'), size == "phone")  # nothing is chosen for them
    section.locator("form.vote textarea").fill("Đúng quy định, đồng ý tiêu hủy" if lang == "vi" else "Lawful; approve")
    press(section.locator("form.vote button[type=submit]"), size == "phone")
    expect(section.locator('[data-role="result"].ok')).to_be_visible()  # said beside the form
    expect(section.locator("progress:not(.rejections)")).to_have_attribute("value", "1")
    screenshot(page, f"roles-board_member-{size}-{lang}-voted")
    with web_stack.client("disposal", "auditor") as disposal:
        votes = disposal.get(f"/batches/{batch_id}").json()["votes"]
    assert [v["member"] for v in votes] == [member]  # the vote is the signed-in person's, by their identity
    assert not page.errors  # type: ignore[attr-defined]


@pytest.mark.parametrize("device", CASES, indirect=True, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_an_auditor_signs_in_and_reads_an_items_timeline(device: tuple[BrowserContext, str, str],
                                                         web_stack: WebStack) -> None:
    context, size, lang = device
    (item,) = web_stack.register(1)
    with web_stack.client("custody", "warehouse_staff", "kho-1") as custody:
        r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[1]})
        assert r.status_code == 200, r.text
    page_name = f"item.html?id={item['item_id']}"
    page = arrive_signed_out(context, web_stack.web, page_name, lang)
    sign_in_from_the_page(page, web_stack, "kiem-toan-1", "auditor", page_name, size, lang)
    expect(page.locator("#item")).to_be_visible()
    expect(page.locator('dd[data-fact="item.state"]')).to_have_text("in storage" if lang == "en" else "đang lưu kho")
    expect(page.locator('#timeline tr[data-type="custody.item_received"]')).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("kho-1")
    screenshot(page, f"roles-auditor-{size}-{lang}-timeline")
    assert not page.errors  # type: ignore[attr-defined]

