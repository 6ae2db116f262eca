"""The board page's witnesses of a ready destruction: each signed-in witness confirms (and withdraws) their own
attendance, on a desktop and on a 360x640 touch phone, in English and Vietnamese; the person custody handed the
goods to is refused in words; the recorder sees who has confirmed, and the record's witnesses once executed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import BINS, BOARD, UNIT, WAREHOUSE, WebStack, eventually, screenshot, sign_in
from tests.support.evidence import evidence_sha256

AUDITOR = "kiem-toan-1"


def _batch(web_stack: WebStack, batch_id: str) -> dict[str, Any]:
    with web_stack.client("disposal", "auditor", AUDITOR) as disposal:
        body: dict[str, Any] = disposal.get(f"/batches/{batch_id}").json()
        return body


def _ready_destruction(web_stack: WebStack, receiver: str) -> str:
    """A destruction the board approved, reserved and handed over by custody to `receiver` (a person of ours)."""
    items = web_stack.register(2, legal=True)
    ids = [i["item_id"] for i in items]
    with web_stack.client("custody", "warehouse_staff", "kho-2") as custody:
        for item in items:
            r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[1]})
            assert r.status_code == 200, r.text

    def known() -> bool:
        with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
            return all(disposal.get(f"/items/{i}").json().get("custody_state") == "in_storage" for i in ids)

    eventually(known, what="disposal's read model")
    with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
        r = disposal.post("/batches", json={"unit": UNIT, "method": "destroy", "item_ids": ids,
                                            "reason": "Hàng giả, không còn giá trị sử dụng"})
        assert r.status_code == 201, r.text
        batch_id: str = r.json()["batch_id"]
    for voter in BOARD[1:]:
        with web_stack.client("disposal", "board_member", voter) as disposal:
            r = disposal.post(f"/batches/{batch_id}/votes", json={"decision": "approve", "reason": "Đồng ý"})
            assert r.status_code == 200, r.text
    eventually(lambda: _batch(web_stack, batch_id)["status"] == "ready", what="the batch ready")
    with web_stack.client("custody", "warehouse_staff", "kho-2") as custody:
        r = custody.post("/handovers", json={"batch_id": batch_id, "warehouse_id": WAREHOUSE,
                                             "recipient": "Tổ tiêu hủy", "recipient_user_id": receiver})
        if r.status_code == 202:  # above the two-person threshold: a second person confirms
            with web_stack.client("custody", "warehouse_staff", "kho-1") as second:
                r = second.post(f"/approvals/{r.json()['approval_id']}/confirm")
        assert r.status_code == 200, r.text
    eventually(lambda: _batch(web_stack, batch_id)["handed_over"] == 2, what="disposal knowing the handover")
    return batch_id


def _signed_in(browser: Browser, web_stack: WebStack, user: str, *, phone: bool = False, lang: str = "en"
               ) -> tuple[Any, Page]:
    context = (browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True,
                                   timezone_id="UTC") if phone
               else browser.new_context(viewport={"width": 1100, "height": 900}, timezone_id="UTC"))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    sign_in(page, web_stack.web, user, lang=lang, tap=phone)
    page.goto(f"{web_stack.web}/board.html")
    return context, page


def test_witnesses_confirm_and_withdraw_their_own_attendance_and_the_recorder_sees_who_confirmed(
        browser: Browser, web_stack: WebStack) -> None:
    receiver = BOARD[2]
    batch_id = _ready_destruction(web_stack, receiver)
    where = f'#others section[data-batch="{batch_id}"]'

    # A board member on a desktop: confirms with their name, sees themselves listed, withdraws, confirms again.
    context, page = _signed_in(browser, web_stack, BOARD[1])
    section = page.locator(where)
    expect(section).to_have_attribute("data-status", "ready")
    expect(section.locator('[data-role="witness-count"]')).to_have_text(
        "0 confirmed attending (at least 2 different people needed)")
    form = section.locator("form.witness")
    expect(form).to_contain_text(f"You confirm as yourself ({BOARD[1]})")
    screenshot(page, "board-witness-form")
    form.locator('input[name="name"]').fill("Trần Thị B")
    form.locator('input[name="organisation"]').fill("Sở Tài chính Bắc Ninh")
    form.locator("button[type=submit]").click()
    expect(page.locator("#status .banner.ok")).to_have_text("Your attendance as a witness is recorded.")
    mine = section.locator(f'li[data-witness="{BOARD[1]}"]')
    expect(mine).to_contain_text("Trần Thị B (Sở Tài chính Bắc Ninh)")
    expect(mine.locator(".badge")).to_have_text("you")
    expect(section.locator("form.witness")).to_have_count(0)
    screenshot(page, "board-witness-confirmed")
    section.locator("button.withdraw-witness").click()
    expect(page.locator("#status .banner.ok")).to_have_text("Your attendance was withdrawn.")
    expect(section.locator(f'li[data-witness="{BOARD[1]}"]')).to_have_count(0)
    expect(section.locator('[data-role="no-witness"]')).to_have_text("Nobody has confirmed attending yet.")
    assert _batch(web_stack, batch_id)["witnesses"] == []
    section.locator('form.witness input[name="name"]').fill("Trần Thị B")
    section.locator("form.witness button[type=submit]").click()
    expect(section.locator(f'li[data-witness="{BOARD[1]}"]')).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()

    # The person custody handed the goods to may not witness their destruction: refused in words.
    context, page = _signed_in(browser, web_stack, receiver)
    section = page.locator(where)
    section.locator('form.witness input[name="name"]').fill("Lê Văn C")
    section.locator("form.witness button[type=submit]").click()
    expect(page.locator("#status .banner.error")).to_have_text(
        "Error: You held or received this batch's goods, so you cannot witness their destruction.")
    expect(section.locator(f'li[data-witness="{receiver}"]')).to_have_count(0)
    screenshot(page, "board-witness-in-chain")
    context.close()

    # An auditor on a phone, in Vietnamese, by touch: a missing name is said in words, then they confirm.
    context, page = _signed_in(browser, web_stack, AUDITOR, phone=True, lang="vi")
    section = page.locator(where)
    section.locator("form.witness button[type=submit]").tap()
    expect(page.locator("#status .banner.error")).to_have_text("Lỗi: Cần ghi họ và tên của nhân chứng.")
    expect(section.locator('form.witness input[name="name"]')).to_be_focused()
    section.locator('form.witness input[name="name"]').fill("Nguyễn Văn A")
    screenshot(page, "board-witness-form-360")
    section.locator("form.witness button[type=submit]").tap()
    expect(page.locator("#status .banner.ok")).to_have_text("Đã ghi nhận bạn tham dự với tư cách nhân chứng.")
    expect(section.locator(f'li[data-witness="{AUDITOR}"] .badge')).to_have_text("bạn")
    expect(section.locator("button.withdraw-witness")).to_have_text("Rút xác nhận tham dự")
    expect(section.locator('[data-role="witness-count"]')).to_have_text(
        "2 người đã xác nhận tham dự (cần ít nhất 2 người khác nhau)")
    section.locator("button.withdraw-witness").scroll_into_view_if_needed()
    screenshot(page, "board-witness-confirmed-360")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    context.close()

    # The recorder sees who has confirmed before recording; once recorded, the record's witnesses stand.
    context, page = _signed_in(browser, web_stack, BOARD[0])
    section = page.locator(where)
    expect(section.locator("ul.witness-list li")).to_have_count(2)
    expect(section.locator(f'li[data-witness="{BOARD[1]}"]')).to_contain_text("Trần Thị B")
    expect(section.locator(f'li[data-witness="{AUDITOR}"]')).to_contain_text("Nguyễn Văn A")
    expect(section.locator("button.withdraw-witness")).to_have_count(0)  # only a witness withdraws themselves
    screenshot(page, "board-witnesses-recorder")
    with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
        r = disposal.post(f"/batches/{batch_id}/execution", json={
            "executed_on": datetime.now(UTC).date().isoformat(), "place": "Bãi rác Đồng Ngo, Bắc Ninh",
            "destruction_method": "crush",
            "evidence": [{"sha256": evidence_sha256(disposal, batch_id), "name": "anh-hien-truong.jpg",
                          "kind": "photo"}]})
        assert r.status_code == 200, r.text
    eventually(lambda: _batch(web_stack, batch_id)["status"] == "executed", what="the execution")
    page.reload()
    expect(section).to_have_attribute("data-status", "executed")
    expect(section.locator("div.witnesses h4")).to_have_text("Witnesses named in the record")
    expect(section.locator("ul.witness-list li")).to_have_count(2)
    expect(section.locator("form.witness")).to_have_count(0)
    screenshot(page, "board-witnesses-executed")
    context.close()
    # After the record nobody withdraws.
    with httpx.Client(base_url=web_stack.urls["disposal"], timeout=60,
                      headers={"Authorization": f"Bearer {web_stack.token(AUDITOR)}"}) as disposal:
        r = disposal.delete(f"/batches/{batch_id}/execution/witnesses/me")
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_ready", r.text
