"""Every page, with data in it, at 360×640 on a touch phone and at a desktop's size, in Vietnamese and in English:
nothing reaches past the screen's width (a wide table scrolls in its own box or stacks as cards), and axe-core
finds no accessibility violation. The pages are every static/*.html, so a page added later is checked too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.conftest import BINS, BOARD, UNIT, WebStack, eventually, screenshot, sign_in

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "services/web/tangvat_web/static"
AXE = ROOT / "node_modules/axe-core/axe.min.js"
USER = {"warehouse_staff": "kho-1", "intake_officer": "officer-1", "auditor": "kiem-toan-1",
        "board_member": BOARD[0], "admin": "admin-1"}
SIZES = {"phone": {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True},
         "desktop": {"viewport": {"width": 1280, "height": 900}}}
PAGE_ENTRY = re.compile(r'\{\s*id:\s*"(\w+)",\s*href:\s*"([\w-]+\.html)",\s*roles:\s*\[([^\]]*)\]')


def pages() -> dict[str, str]:
    """Each page (static/*.html) and who opens it: the first role app.js's PAGES gives it (auditors the rest)."""
    roles = {href: re.findall(r'"(\w+)"', listed) for _, href, listed in PAGE_ENTRY.findall(
        (STATIC / "app.js").read_text(encoding="utf-8"))}
    return {p.name: (roles.get(p.name) or ["auditor"])[0] for p in sorted(STATIC.glob("*.html"))}


@pytest.fixture(scope="module")
def data(web_stack: WebStack) -> dict[str, str]:
    """Something on every page: items in storage, moved, checked out, a discrepancy, a batch awaiting votes, an
    audit kept."""
    items = web_stack.register(4, legal=True)
    with web_stack.client("custody", "warehouse_staff") as custody:
        for n, item in enumerate(items):
            r = custody.post("/scans/check-in", json={"label": web_stack.label(item), "location_code": BINS[0],
                                                      **({"quantity_counted": 99} if n == 3 else {})})
            assert r.status_code == 200, r.text
        assert custody.post("/scans/move", json={"label": web_stack.label(items[0]),
                                                 "location_code": BINS[1]}).status_code == 200
        r = custody.post(f"/items/{items[3]['item_id']}/check-out", json={
            "holder": "Viện Khoa học hình sự — Phòng giám định kỹ thuật số", "holder_kind": "lab",
            "purpose": "Giám định nguồn gốc, xuất xứ và nhãn hiệu", "due_at": "2099-01-01T00:00:00+07:00"})
        assert r.status_code in (201, 202), r.text
    ids = [i["item_id"] for i in items[1:3]]

    def disposal_knows() -> bool:
        with web_stack.client("disposal", "board_member", BOARD[0]) as disposal:
            return all((r := disposal.get(f"/items/{i}")).status_code == 200
                       and r.json()["custody_state"] == "in_storage" and bool(r.json()["legal_status"]) for i in ids)

    eventually(disposal_knows, what="disposal's read model")
    with web_stack.client("disposal", "board_member", BOARD[1]) as disposal:
        r = disposal.post("/batches", json={"unit": UNIT, "method": "destroy", "item_ids": ids,
                                            "reason": "Hàng giả, không còn giá trị sử dụng"})
        assert r.status_code == 201, r.text
    with web_stack.client("audit", "auditor") as audit:
        r = audit.post("/audits")
        assert r.status_code in (200, 201), r.text
    return {"item.html": f"?id={items[3]['item_id']}", "seizure.html": f"?id={items[0]['seizure_id']}"}


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()




def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate("""async () => (await axe.run(document)).violations.map((v) => ({
        id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}))""")
    return found


def overflow(page: Page) -> list[str]:
    """The elements that reach past the screen's right edge (what a person would have to scroll sideways for)."""
    wide: list[str] = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter((el) => getComputedStyle(el).position !== 'absolute')
        .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join('.')}`)""")
    return wide


@pytest.mark.parametrize("size", list(SIZES))
def test_no_page_overflows_the_screen_and_axe_finds_no_violation(
        size: str, browser: Browser, contexts: list[BrowserContext], web_stack: WebStack, data: dict[str, str]) -> None:
    assert AXE.exists(), "make install puts axe-core in node_modules"
    problems: list[str] = []
    by_role: dict[str, list[str]] = {}
    for name, role in pages().items():
        by_role.setdefault(role, []).append(name)
    for role, names in by_role.items():
        options: Any = SIZES[size]
        # Signed in under the provider's own policy (its login page is not ours to bypass), then the session is
        # carried into a context that lets axe's script be injected (the pages' CSP, script-src 'self', refuses it).
        signing = browser.new_context(timezone_id="Asia/Ho_Chi_Minh", **options)
        contexts.append(signing)
        sign_in(signing.new_page(), web_stack.web, USER[role])
        context = browser.new_context(timezone_id="Asia/Ho_Chi_Minh", bypass_csp=True,
                                      storage_state=signing.storage_state(), **options)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{web_stack.web}/app.css")  # the origin, for its localStorage; no page script to redirect
        for lang in ("vi", "en"):
            page.evaluate("lang => localStorage.setItem('tv_lang', lang)", lang)
            for name in names:
                page.goto(f"{web_stack.web}/{name}{data.get(name, '')}")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(300)  # the last answer rendered
                width = page.evaluate("document.scrollingElement.scrollWidth")
                screen = SIZES[size]["viewport"]["width"]  # type: ignore[index]
                if width > screen:
                    problems.append(f"{name} {size} {lang}: {width} px wide > {screen}: {overflow(page)}")
                found = violations(page)
                if found:
                    problems.append(f"{name} {size} {lang} axe: {json.dumps(found, ensure_ascii=False)}")
                screenshot(page, f"layout-{name.removesuffix('.html')}-{size}-{lang}")
    assert problems == [], "\n".join(problems)
