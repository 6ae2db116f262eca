"""Warehouses and locations page (create a warehouse, build zones → shelves → bins, select and print their signed
labels as a PDF sheet or ZPL) and the item label reprint page (a reason, a format, recorded in the item's history),
at 360×640 with touch and at desktop size, in Vietnamese and English. The printed PDF is rendered to PNG with
poppler's pdftoppm, and its QR codes are read back and verified with custody's key."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tangvat_shared.keys import load_public_key
from tangvat_shared.labels import verify_location_label
from tests.browser.conftest import ARTIFACTS, WAREHOUSE, WebStack, screenshot, sign_in

PHONE = {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1100, "height": 900}}  # as the suite's other desktop tests


@dataclass
class Person:
    """What a person does on the page, counted: taps (or clicks) and keystrokes."""

    page: Page
    touch: bool
    taps: int = 0
    keys: int = 0
    log: dict[str, tuple[int, int]] = field(default_factory=dict)

    def tap(self, target: Locator) -> None:
        target.scroll_into_view_if_needed()
        target.tap() if self.touch else target.click()
        self.taps += 1

    def type(self, target: Locator, text: str) -> None:
        self.tap(target)
        target.fill(text)
        self.keys += len(text)

    def task(self, name: str) -> None:
        """Close the count of one task (the report lists taps and keystrokes per task)."""
        self.log[name] = (self.taps, self.keys)
        self.taps = self.keys = 0


def _context(browser: Browser, options: dict[str, object]) -> Iterator[BrowserContext]:
    context = browser.new_context(**options, timezone_id="UTC", accept_downloads=True)  # type: ignore[arg-type]
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, PHONE)


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, DESKTOP)


def _fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _rendered(pdf: Path, name: str) -> list[str]:
    """The PDF's first page as PNG (for a person to look at) and the QR payloads read off it."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    stem = ARTIFACTS / name
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, timeout=60)
    image = Image.open(f"{stem}.png")
    return [code.text for code in zxingcpp.read_barcodes(image)]


def _pdftotext(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def _download(person: Person, link: Locator, where: Path) -> Path:
    with person.page.expect_download() as download:
        person.tap(link)
    download.value.save_as(where)
    return where


def _build_tree(person: Person, zone_name: str) -> tuple[str, list[str]]:
    """A zone, two shelves in it and two bins in the first shelf, with the codes the page suggests."""
    page = person.page
    code = page.locator("#add-code").input_value()
    assert re.fullmatch(rf"{re.escape(page.locator('#wh').input_value())}\.[A-Z]", code), code
    person.type(page.locator("#add-name"), zone_name)
    person.tap(page.locator("#add-submit"))
    expect(page.locator(f'#tree li[data-code="{code}"]')).to_be_visible()
    zone = code
    shelves = []
    for _ in range(2):
        person.tap(page.locator(f'#tree li[data-code="{zone}"] > .loc button.add-here'))
        expect(page.locator("#add-kind")).to_have_value("shelf")
        shelf = page.locator("#add-code").input_value()
        person.tap(page.locator("#add-submit"))
        expect(page.locator(f'#tree li[data-code="{shelf}"]')).to_be_visible()
        shelves.append(shelf)
    bins = []
    for _ in range(2):
        person.tap(page.locator(f'#tree li[data-code="{shelves[0]}"] > .loc button.add-here'))
        expect(page.locator("#add-kind")).to_have_value("bin")
        bin_ = page.locator("#add-code").input_value()
        person.tap(page.locator("#add-submit"))
        expect(page.locator(f'#tree li[data-code="{shelves[0]}"] li[data-code="{bin_}"]')).to_be_visible()
        bins.append(bin_)
    return zone, [*shelves, *bins]


def _labels_print(person: Person, codes: list[str], format_: str) -> Locator:
    page = person.page
    for code in codes:
        person.tap(page.locator(f'#tree input[type=checkbox][value="{code}"]'))
    expect(page.locator("#selected-count")).to_contain_text(str(len(codes)))
    person.tap(page.locator(f"#print-{format_}"))
    link = page.locator(f"#labels-{format_}")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    return link


# One language per task (the phone in Vietnamese, the desk in English): test_layout_axe sweeps these pages at both
# sizes in both languages.
@pytest.mark.parametrize("lang", ["vi"])
def test_staff_build_a_location_tree_on_a_phone_and_print_its_labels_as_a_pdf_sheet(
    phone: BrowserContext, web_stack: WebStack, lang: str, tmp_path: Path,
) -> None:
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, web_stack.web, "kho-1", lang=lang, tap=True)
    person = Person(page, touch=True)
    page.goto(f"{web_stack.web}/warehouses.html")
    expect(page.locator("h1")).to_have_text({"vi": "Kho và vị trí", "en": "Warehouses and locations"}[lang])
    expect(page.locator("#wh")).to_have_value(WAREHOUSE)
    expect(page.locator("#new-wh")).to_be_hidden()  # creating a warehouse is an admin's
    expect(page.locator("#tree-section")).to_be_visible()
    _fits(page)
    person.task("open")

    zone, children = _build_tree(person, {"vi": "Khu hàng giả", "en": "Counterfeit zone"}[lang])
    expect(page.locator(f'#tree li[data-code="{zone}"] .badge').first).to_have_text(
        {"vi": "Khu", "en": "Zone"}[lang])
    _fits(page)
    screenshot(page, f"labels-tree-phone-{lang}")
    person.task("tree: 1 zone, 2 shelves, 2 bins")

    chosen = [zone, *children]
    link = _labels_print(person, chosen, "pdf")
    pdf = _download(person, link, tmp_path / "labels.pdf")
    person.task(f"print {len(chosen)} location labels (PDF)")
    page.locator("#print-result").scroll_into_view_if_needed()
    screenshot(page, f"labels-print-phone-{lang}")

    # The sheet: each label's QR code is custody's signature of its location, and its words are printed beside.
    payloads = _rendered(pdf, f"labels-sheet-pdf-phone-{lang}")
    custody_key = load_public_key((web_stack.keys / "custody.pub.pem").read_bytes())
    assert sorted(verify_location_label(custody_key, p) for p in payloads) == sorted(chosen)
    text = _pdftotext(pdf)
    for code in chosen:
        assert code in text
    assert "Kho: Kho Bắc Ninh" in text and ("Khu: Khu hàng giả" in text or "Khu: Counterfeit zone" in text)
    assert "Kệ" in text and "Ô" in text
    assert errors == []
    print("TAPS/KEYS", lang, "phone", person.log)


@pytest.mark.parametrize("lang", ["en"])
def test_an_admin_creates_a_warehouse_and_its_tree_at_a_desk_and_prints_zpl(
    desktop: BrowserContext, web_stack: WebStack, lang: str, tmp_path: Path,
) -> None:
    page = desktop.new_page()
    sign_in(page, web_stack.web, "admin-1", lang=lang)
    person = Person(page, touch=False)
    page.goto(f"{web_stack.web}/warehouses.html")
    expect(page.locator("#new-wh")).to_be_visible()
    person.task("open")
    warehouse = f"KHO-T{uuid.uuid4().hex[:4].upper()}"
    person.tap(page.locator("#new-wh summary"))
    person.type(page.locator("#new-wh-id"), warehouse)
    person.type(page.locator("#new-wh-name"), "Kho Từ Sơn")
    person.tap(page.locator("#new-wh-submit"))
    expect(page.locator("#wh")).to_have_value(warehouse)
    expect(page.locator("#tree-empty")).to_be_visible()
    person.task("create a warehouse")

    zone, children = _build_tree(person, "Khu A")
    person.task("tree: 1 zone, 2 shelves, 2 bins")
    screenshot(page, f"labels-tree-desktop-{lang}")

    # A wrong level is refused in words: a bin straight in a zone is fine, a zone inside a shelf is not.
    page.select_option("#add-parent", children[0])
    page.select_option("#add-kind", "zone")
    page.click("#add-submit")
    expect(page.locator("#add-result .banner.error")).to_contain_text(
        {"vi": "Sai cấp vị trí", "en": "Wrong location level"}[lang])

    person.tap(page.locator("#select-all"))
    expect(page.locator("#selected-count")).to_contain_text("5")
    person.tap(page.locator("#print-zpl"))
    link = page.locator("#labels-zpl")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    zpl = _download(person, link, tmp_path / "labels.zpl").read_text()
    person.task("print 5 location labels (ZPL, select all)")
    screenshot(page, f"labels-print-desktop-{lang}")
    forms = re.findall(r"\^XA.*?\^XZ", zpl, flags=re.S)
    assert len(forms) == 5
    custody_key = load_public_key((web_stack.keys / "custody.pub.pem").read_bytes())
    seen = []
    for form in forms:
        fields = [chunk.partition("^FD")[2] for chunk in form.split("^FS")[:-1]]
        assert fields[0].startswith("MA,TVL1.")
        seen.append(verify_location_label(custody_key, fields[0][3:]))
        assert fields[1] == seen[-1] and fields[3] == "Kho: Kho Tu Son" and fields[4] == warehouse
        assert "^PW400" in form and "^LL240" in form
    assert sorted(seen) == sorted([zone, *children])
    print("TAPS/KEYS", lang, "desktop", person.log)


def _reprint(person: Person, reason: str, format_: str, note: str | None = None) -> None:
    page = person.page
    person.tap(page.locator(f'#reasons input[value="{reason}"] + span'))
    if note is not None:
        person.type(page.locator("#note"), note)
    person.tap(page.locator(f'#formats input[value="{format_}"] + span'))
    person.tap(page.locator("#reprint-submit"))


@pytest.mark.parametrize(("size", "lang", "user"), [("phone", "vi", "kho-1"), ("desktop", "en", "officer-1")])
def test_a_damaged_item_label_is_reprinted_with_its_words_and_recorded_in_its_history(
    phone: BrowserContext, desktop: BrowserContext, web_stack: WebStack, size: str, lang: str, user: str,
    tmp_path: Path,
) -> None:
    (item,) = web_stack.register(1)
    page = (phone if size == "phone" else desktop).new_page()
    sign_in(page, web_stack.web, user, lang=lang, tap=size == "phone")
    person = Person(page, touch=size == "phone")
    page.goto(f"{web_stack.web}/reprint.html")
    # Ready for the scanner once the field has the focus; what is left of the damaged label is scanned (a wedge
    # scanner types it and Enter).
    expect(page.locator("#find")).to_be_focused()
    page.fill("#find", web_stack.label(item))
    page.press("#find", "Enter")
    expect(page.locator("#item-heading")).to_contain_text(item["label_code"])
    expect(page.locator("#no-reprints")).to_be_visible()
    _fits(page)
    person.task("find the item (scan)")

    # "Other" without a note is refused in words before anything is recorded.
    _reprint(person, "other", "pdf")
    expect(page.locator("#reprint-result .banner.error")).to_contain_text(
        {"vi": "phải ghi rõ lý do", "en": "say why"}[lang])
    screenshot(page, f"labels-reprint-refused-{size}-{lang}")
    person.taps = person.keys = 0

    _reprint(person, "damaged", "pdf")
    expect(page.locator("#reprint-result .banner.ok")).to_contain_text("1")
    pdf = _download(person, page.locator("#reprint-file"), tmp_path / "reprint.pdf")
    person.task("reprint a damaged label (PDF)")
    expect(page.locator('#reprints tr[data-reprint="1"]')).to_contain_text(
        {"vi": "Nhãn hỏng", "en": "Label damaged"}[lang])
    _fits(page)
    screenshot(page, f"labels-reprint-{size}-{lang}")

    payloads = _rendered(pdf, f"labels-reprint-pdf-{size}-{lang}")
    assert payloads == [web_stack.label(item)]
    text = _pdftotext(pdf)
    assert item["label_code"] in text and item["description"][:12] in text
    assert "BB " in text and f"Kho: {WAREHOUSE}" in text and "In lại lần 1" in text

    _reprint(person, "other", "zpl", note="nhãn bị ướt")
    expect(page.locator("#reprint-result .banner.ok")).to_contain_text("2")
    zpl = _download(person, page.locator("#reprint-file"), tmp_path / "reprint.zpl").read_text()
    person.task("reprint for another reason with a note (ZPL)")
    fields = [chunk.partition("^FD")[2] for chunk in zpl.split("^FS")[:-1]]
    assert fields[0] == f"MA,{web_stack.label(item)}" and fields[1] == item["label_code"]
    assert fields[-1].startswith("In lai lan 2")
    expect(page.locator("#reprints tbody tr")).to_have_count(2)
    expect(page.locator('#reprints tr[data-reprint="2"]')).to_contain_text("nhãn bị ướt")

    # Recorded where the item's history is read: intake's history of the item names who, why and how.
    with web_stack.client("intake", "intake_officer", "officer-1") as intake:
        history = intake.get(f"/items/{item['item_id']}/history").json()
    reprinted = [(e["actor_id"], e["data"]["reason"], e["data"]["format"]) for e in history
                 if e["type"] == "intake.label_reprinted"]
    assert reprinted == [(user, "damaged", "pdf"), (user, "other", "zpl")]
    # ... and on the item page's timeline, in words, for the staff of its warehouse as for intake's officers.
    page.goto(f"{web_stack.web}/item.html?id={item['item_id']}")
    rows = page.locator('#timeline tr[data-type="intake.label_reprinted"]')
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text({"vi": "In lại nhãn", "en": "Label reprinted"}[lang])
    expect(rows.first).to_contain_text(user)
    expect(page.locator("#reprint-link")).to_have_attribute("href", f"reprint.html?id={item['item_id']}")
    _fits(page)
    screenshot(page, f"labels-item-history-{size}-{lang}")
    print("TAPS/KEYS", size, lang, person.log)


AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"


def test_the_labels_pages_have_no_accessibility_violations_at_360_px(browser: Browser, web_stack: WebStack) -> None:
    """axe-core on both pages with their content shown (CSP bypassed only to inject axe itself)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    (item,) = web_stack.register(1)
    context = browser.new_context(**PHONE, timezone_id="UTC", bypass_csp=True)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        sign_in(page, web_stack.web, "kho-1", lang="vi", tap=True)
        for url, ready in ((f"{web_stack.web}/warehouses.html", "#tree li"),
                           (f"{web_stack.web}/reprint.html?id={item['item_id']}", "#item-heading")):
            page.goto(url)
            expect(page.locator(ready).first).to_be_visible()
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate("async () => (await axe.run()).violations.map(v => [v.id, v.nodes.length])")
            assert violations == [], (url, violations)
            _fits(page)
    finally:
        context.close()
