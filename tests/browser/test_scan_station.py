"""The scan station in a real browser: a keyboard-wedge scanner types each code and presses Enter."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    BINS,
    WAREHOUSE,
    WebStack,
    choose,
    eventually,
    pick_location,
    scan,
    screenshot,
    sign_in,
)


def test_a_staff_member_receives_moves_checks_out_and_returns_an_item(page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    label = web_stack.label(item)
    sign_in(page, web_stack.web, "kho-1")
    page.goto(f"{web_stack.web}/scan.html")
    expect(page.locator("#warehouse")).to_have_value(WAREHOUSE)
    feedback = page.locator("#feedback")

    pick_location(page, BINS[0])
    scan(page, label)
    expect(feedback).to_have_attribute("data-kind", "ok")
    expect(feedback).to_contain_text(item["label_code"])

    choose(page, "move")
    pick_location(page, BINS[1])
    scan(page, label)
    expect(page.locator("#scan-log li").first).to_have_attribute("data-kind", "ok")
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(2)

    choose(page, "checkout")
    page.fill("#holder", "TAND TP Bắc Ninh")
    page.select_option("#holder-kind", "court")
    page.fill("#purpose", "Giám định tại toà")
    page.fill("#due", "2030-01-31")
    scan(page, label)
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(3)
    expect(page.locator("#scan-log li").first).to_have_attribute("data-kind", "ok")

    choose(page, "return")
    pick_location(page, BINS[0])
    scan(page, label)
    expect(page.locator("#scan-log li[data-kind=ok]")).to_have_count(4)
    expect(page.locator("#scan-log li").first).to_have_attribute("data-kind", "ok")
    screenshot(page, "scan-station")

    history = web_stack.custody_history(item["item_id"])
    assert [t.removeprefix("custody.") for t in history if t.startswith("custody.")][-4:] == [
        "item_received", "item_moved", "item_checked_out", "item_returned"], history
    assert not page.errors  # type: ignore[attr-defined]


def test_a_forged_label_is_refused_loudly(page: Page, web_stack: WebStack) -> None:
    (item,) = web_stack.register(1)
    genuine = web_stack.label(item)
    forged = genuine[:-6] + ("AAAAAA" if not genuine.endswith("AAAAAA") else "BBBBBB")
    sign_in(page, web_stack.web, "kho-1")
    page.goto(f"{web_stack.web}/scan.html")
    pick_location(page, BINS[0])
    scan(page, forged)
    feedback = page.locator("#feedback")
    expect(feedback).to_have_attribute("data-kind", "forged")
    expect(feedback).to_contain_text("FORGED")
    assert page.evaluate("document.body.dataset.lastBeep") == "forged"
    screenshot(page, "scan-station-forged")
    # Check-out names the item by id: the label is still checked by custody before anything happens.
    choose(page, "checkout")
    page.fill("#holder", "Viện khoa học hình sự")
    page.fill("#purpose", "Giám định")
    page.fill("#due", "2030-01-31")
    scan(page, forged)
    expect(page.locator("#scan-log li").first).to_have_attribute("data-kind", "forged")
    assert "custody.item_checked_out" not in web_stack.custody_history(item["item_id"])


def test_a_high_value_check_out_waits_for_a_second_person(browser_context_pair: tuple[BrowserContext, BrowserContext],
                                                          web_stack: WebStack) -> None:
    (item,) = web_stack.register(1, value_vnd=250_000_000)
    label = web_stack.label(item)
    first_ctx, second_ctx = browser_context_pair
    first = first_ctx.new_page()
    sign_in(first, web_stack.web, "kho-1")
    first.goto(f"{web_stack.web}/scan.html")
    pick_location(first, BINS[0])
    scan(first, label)
    expect(first.locator("#feedback")).to_have_attribute("data-kind", "ok")
    choose(first, "checkout")
    first.fill("#holder", "TAND tỉnh Bắc Ninh")
    first.fill("#purpose", "Xét xử")
    first.fill("#due", "2030-01-31")
    scan(first, label)
    expect(first.locator("#feedback")).to_have_attribute("data-kind", "pending")
    # The requester may not confirm their own request.
    expect(first.locator("#approvals li button[data-do=confirm]")).to_be_disabled()

    second = second_ctx.new_page()
    sign_in(second, web_stack.web, "kho-2")
    second.goto(f"{web_stack.web}/scan.html")
    second.locator("#approvals li button[data-do=confirm]").first.click()
    expect(second.locator("#feedback")).to_have_attribute("data-kind", "ok")
    expect(second.locator("#approvals li button[data-do=confirm]")).to_have_count(0)  # no longer waiting
    screenshot(second, "scan-station-second-person")
    eventually(lambda: "custody.item_checked_out" in web_stack.custody_history(item["item_id"]),
               what="the confirmed check-out")
