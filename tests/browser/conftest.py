"""The browser suite's stack: its own Kafka and PostgreSQL, every service as a real process (as `make up`
runs them) plus the web front, the session's Keycloak as the identity provider every service trusts, and
Debian's headless Chromium driven by Playwright.

Own infrastructure, because the services publish to the fixed topic names (`intake.events`, ...) that
the auditor's replay reads, and the auditor test injects a bad record there. People sign in through
Keycloak's own login page (password, and the one-time code the test computes for board members and
admins); set-up calls to the services carry the same accounts' tokens from the provider.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import demo_data
import httpx
import pytest
from chromium import CHROMIUM_ARGS, ensure_chromium
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from service_processes import ServiceProcess, ensure_keys, migrate, service_env, wait_http

from localinfra import LocalStack, free_port
from tangvat_shared.keys import load_private_key
from tangvat_shared.labels import sign_label, sign_location_label
from tests.support.identity import Account, Identity, running_identity

ARTIFACTS = Path(__file__).parent / "artifacts"
# The machine may be busy (other suites, benchmarks): generous waits, still bounded.
expect.set_options(timeout=15_000)
UNIT = "QLTT-BN"
WAREHOUSE = "KHO-BN-01"
BINS = (f"{WAREHOUSE}.A-1", f"{WAREHOUSE}.A-2")
BOARD = ["board-chair", "board-2", "board-3"]
# Everyone the browser tests sign in as (created in the realm by the stack fixture), and who sets up data.
ACCOUNTS = [
    Account("kho-1", "warehouse_staff", (UNIT,), (WAREHOUSE,)),
    Account("kho-2", "warehouse_staff", (UNIT,), (WAREHOUSE,)),
    Account("setup-kho", "warehouse_staff", (UNIT,), (WAREHOUSE,)),
    Account("officer-1", "intake_officer", (UNIT,), (WAREHOUSE,)),
    Account("kiem-toan-1", "auditor", ("*",), ("*",)),
    *(Account(member, "board_member", (UNIT,), (WAREHOUSE,), totp_secret=f"browser-totp-{member}") for member in BOARD),
    Account("admin-1", "admin", (), (), totp_secret="browser-totp-admin-1"),
]
SETUP = {"warehouse_staff": "setup-kho", "auditor": "kiem-toan-1", "intake_officer": "officer-1",
         "admin": "admin-1", "board_member": BOARD[0]}
ROLES = {"intake": ("api", "relay", "consume"), "custody": ("api", "relay", "consume"),
         "disposal": ("api", "relay", "consume"),
         "audit": ("api",)}  # the auditor's replays and exports; its timeline projection is not used here


@dataclass
class WebStack:
    """The running services, the web front's URL, the identity provider, and helpers to set up data."""

    keys: Path
    urls: dict[str, str]
    identity: Identity
    kafka_bootstrap: str = ""
    databases: dict[str, str] = field(default_factory=dict)  # each service's own PostgreSQL database
    processes: list[ServiceProcess] = field(default_factory=list)

    @property
    def web(self) -> str:
        return self.urls["web"]

    def token(self, user: str) -> str:
        """The account's access token from Keycloak (the CLI client's password grant, its code computed)."""
        return self.identity.bearer(user)

    def client(self, service: str, role: str, user: str | None = None) -> httpx.Client:
        user = user or SETUP[role]
        assert self.identity.accounts[user].role == role, (user, role)
        return httpx.Client(base_url=self.urls[service], timeout=60,
                            headers={"Authorization": f"Bearer {self.token(user)}"})

    def label(self, item: dict[str, Any]) -> str:
        key = load_private_key((self.keys / "intake.pem").read_bytes())
        return sign_label(key, uuid.UUID(str(item["item_id"])), item["label_code"])

    def location_label(self, code: str) -> str:
        """What a location label's QR code holds: the location code signed by custody."""
        return sign_location_label(load_private_key((self.keys / "custody.pem").read_bytes()), code)

    def register(self, n: int, *, value_vnd: int | None = None, legal: bool = False,
                 perishable: bool = False) -> list[dict[str, Any]]:
        """A seizure at intake whose items custody already knows; returns intake's item rows."""
        body = demo_data.seizure(n, warehouse=WAREHOUSE, categories=[("counterfeit", 1)])
        for item in body["items"]:
            item["perishable"] = perishable
            if value_vnd is not None:
                item["value_vnd"] = value_vnd
        with self.client("intake", "intake_officer", "officer-1") as intake:
            created = intake.post("/seizures", json=body)
            assert created.status_code == 201, created.text
            seizure_id = created.json()["seizure_id"]
            if legal:
                r = intake.post(f"/seizures/{seizure_id}/legal-status", json={
                    "status": "confiscated", "decision_number": "QĐ-123/2022", "decided_on": "2022-09-01",
                    "issued_by": "Chi cục QLTT Bắc Ninh"})
                assert r.status_code == 201, r.text
            items: list[dict[str, Any]] = intake.get(f"/seizures/{seizure_id}/items").json()["items"]
        with self.client("custody", "warehouse_staff") as custody:
            for item in items:
                eventually(lambda i=item: custody.get(f"/items/{i['item_id']}").status_code == 200,
                           what="custody to know the item")
        return items

    def custody_history(self, item_id: str) -> list[str]:
        with self.client("custody", "auditor") as custody:
            return [e["type"] for e in custody.get(f"/items/{item_id}/history").json()]


def eventually(probe: Callable[[], Any], *, timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll `probe` until it returns something truthy (never a bare sleep in a test)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: last {value!r}")
        time.sleep(0.1)


def _setup_world(stack: WebStack) -> None:
    with stack.client("custody", "admin", "admin-1") as custody:
        r = custody.post("/warehouses", json={"warehouse_id": WAREHOUSE, "name": "Kho Bắc Ninh"})
        assert r.status_code == 201, r.text
        for code, kind, parent in [(f"{WAREHOUSE}.A", "zone", None), (BINS[0], "bin", f"{WAREHOUSE}.A"),
                                   (BINS[1], "bin", f"{WAREHOUSE}.A")]:
            r = custody.post(f"/warehouses/{WAREHOUSE}/locations",
                             json={"location_code": code, "kind": kind, "parent_code": parent})
            assert r.status_code == 201, r.text
    with stack.client("disposal", "admin", "admin-1") as disposal:
        r = disposal.put(f"/boards/{UNIT}", json={"members": BOARD, "quorum": 2, "rejections_to_reject": 2})
        assert r.status_code == 200, r.text


def _lost_port_race(process: ServiceProcess) -> bool:
    log = process.log_path.read_text(errors="replace") if process.log_path.exists() else ""
    return process.pid is None and "address already in use" in log.lower()


def _started(build: Callable[[int], list[ServiceProcess]], attempts: int = 5) -> tuple[int, list[ServiceProcess]]:
    """A service's processes started on a free port and its API ready. free_port() releases the port it found,
    so on a busy machine another process can bind it (or a metrics port) before the service does: then the
    service starts again on other ports."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        processes = build(port)
        for process in processes:
            process.start()
        api = next(p for p in processes if p.role == "api")
        try:
            wait_http(f"http://127.0.0.1:{port}/readyz", timeout=60, process=api)
            if not any(_lost_port_race(p) for p in processes):
                return port, processes
        except RuntimeError:
            if attempt == attempts or not any(_lost_port_race(p) for p in processes):
                raise
        for process in processes:
            process.stop(timeout=5)
            process.log_path.unlink(missing_ok=True)
    raise AssertionError(f"no free port held in {attempts} attempts")


@pytest.fixture(scope="package")
def web_stack(identity: Identity) -> Iterator[WebStack]:
    ensure_chromium()
    identity.add_users(ACCOUNTS)
    root = Path(tempfile.mkdtemp(prefix="tangvat-web-"))
    root.chmod(0o755)  # the postgres OS user must traverse it
    infra = LocalStack(root / "infra", free_port(), free_port(), free_port())
    stack = WebStack(root / "keys", {}, identity)
    try:
        infra_env = {**infra.up(), "TANGVAT_OIDC_ISSUER": identity.issuer}
        stack.kafka_bootstrap = infra_env["TANGVAT_KAFKA_BOOTSTRAP"]
        stack.databases = {service: infra_env[f"TANGVAT_{service.upper()}_DATABASE_URL"] for service in ROLES}
        ensure_keys(stack.keys)
        for service, roles in ROLES.items():
            migrate(service, service_env(service, infra_env, stack.keys, http_port=1, metrics_port=1))

            def service_processes(port: int, service: str = service, roles: tuple[str, ...] = tuple(roles)
                                  ) -> list[ServiceProcess]:
                env = service_env(service, infra_env, stack.keys, http_port=port, metrics_port=free_port())
                return [ServiceProcess(service, role, env, root) for role in roles]

            port, processes = _started(service_processes)
            stack.urls[service] = f"http://127.0.0.1:{port}"
            stack.processes += processes

        def web_processes(port: int) -> list[ServiceProcess]:
            stack.urls["web"] = f"http://127.0.0.1:{port}"
            identity.allow_redirects_to(stack.urls["web"])
            return [ServiceProcess("web", "api", {
                "TANGVAT_KAFKA_BOOTSTRAP": infra_env["TANGVAT_KAFKA_BOOTSTRAP"],
                "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(stack.keys / "auth.pub.pem"),
                "TANGVAT_KEYS_DIR": str(stack.keys),
                "TANGVAT_OIDC_ISSUER": identity.issuer,
                "TANGVAT_WEB_HTTP_PORT": str(port),
                "TANGVAT_WEB_PUBLIC_URL": stack.urls["web"],
                "TANGVAT_WEB_INTAKE_URL": stack.urls["intake"],
                "TANGVAT_WEB_CUSTODY_URL": stack.urls["custody"],
                "TANGVAT_WEB_DISPOSAL_URL": stack.urls["disposal"],
                "TANGVAT_WEB_AUDITOR_URL": stack.urls["audit"],
                "PYTHONUNBUFFERED": "1",
            }, root)]

        stack.processes += _started(web_processes)[1]
        _setup_world(stack)
        yield stack
    finally:
        for process in reversed(stack.processes):
            process.stop(timeout=5)
        infra.down()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright, web_stack: WebStack) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(ensure_chromium()), args=list(CHROMIUM_ARGS))
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, timezone_id="UTC")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


# Each account's session cookie from its first sign-in in this package: a test that is not about signing in starts
# from it (as a person whose browser kept the cookie), and signs in through Keycloak only if that session ended.
_SESSIONS: dict[tuple[str, str], list[Any]] = {}
SESSION_COOKIE = "tangvat_session"


def sign_in(page: Page, web: str, user: str, *, lang: str = "en", identity: Identity | None = None,
            tap: bool = False, fresh: bool = False) -> None:
    """As a person does: the start page's sign-in button, Keycloak's login page (username, password, and the
    one-time code from their authenticator for the roles that need one), back on the start page signed in.
    Unless `fresh`, the account's session from an earlier sign-in of this package is taken up when it is alive."""
    kept = None if fresh else _SESSIONS.get((web, user))
    if kept:
        page.context.add_cookies(kept)
        # The language first, on a file of the origin with no script (a signed-in start page moves on at once).
        page.goto(f"{web}/app.css")
        page.evaluate("lang => localStorage.setItem('tv_lang', lang)", lang)
        page.goto(f"{web}/index.html")
        signed_in = page.locator("#signed-in").filter(has_text=user)
        page.locator(f'#signed-in:has-text("{user}"), #signin-button:visible').first.wait_for()
        if signed_in.is_visible():
            return
        _SESSIONS.pop((web, user), None)  # ended (signed out elsewhere): through the login page again
    else:
        page.goto(f"{web}/index.html")
        page.evaluate("lang => localStorage.setItem('tv_lang', lang)", lang)
        page.reload()
    button = page.locator("#signin-button")
    if tap:
        button.tap()
    else:
        button.click()
    log_in_at_keycloak(page, user, identity or running_identity(), tap=tap)
    expect(page.locator("#signed-in")).to_contain_text(user)
    _SESSIONS[(web, user)] = [c for c in page.context.cookies(web) if c["name"] == SESSION_COOKIE]


def log_in_at_keycloak(page: Page, user: str, identity: Identity, *, tap: bool = False,
                       shot: str | None = None) -> None:
    """Fill Keycloak's login form (and its one-time-code form when it asks); `shot` names screenshots of both."""
    page.wait_for_selector("#username")
    _fits_its_screen(page)
    page.fill("#username", user)
    page.fill("#password", identity.accounts[user].password)
    if shot:
        screenshot(page, f"{shot}-keycloak-login")
    submit = page.locator("#kc-login")
    submit.tap() if tap else submit.click()
    if identity.totp_secret(user) is not None:
        page.wait_for_selector("#otp")
        _fits_its_screen(page)
        code = identity.one_time_code(user)
        assert code is not None
        page.fill("#otp", code)
        if shot:
            screenshot(page, f"{shot}-keycloak-otp")
        otp_submit = page.locator("#kc-login")
        otp_submit.tap() if tap else otp_submit.click()


def _fits_its_screen(page: Page) -> None:
    """Nothing on the page reaches past the screen's width: a handheld never scrolls a form sideways.
    Measured once the page has loaded its style sheets and fonts. #username is parsed, and visible, while
    Keycloak's style sheets are still arriving; until its login.css applies, PatternFly's `.card-pf` is 10 px wider
    than the screen (held back on purpose: 370 at 360, 422 at 412, 1290 at 1280 — the widths seen under load), and
    once it applies the page fits. A layout forced before then is not the page a person sees."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], page.url


def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type the code, press Enter."""
    page.fill("#scan-input", code)
    page.press("#scan-input", "Enter")


def choose(page: Page, action: str) -> None:
    """The scan station's action: a button (aria-pressed) reachable with Tab, tapped or clicked."""
    button = page.locator(f'#actions button[data-action="{action}"]')
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


def pick_location(page: Page, code: str) -> None:
    """The scan station's target location picked in its list (a typed code is not a signed location label)."""
    page.fill("#location", code)
    page.dispatch_event("#location", "change")
    expect(page.locator("#bar-location")).to_have_text(code)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def browser_context_pair(browser: Browser) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    """Two people at two stations: separate contexts, separate sessionStorage."""
    pair = tuple(browser.new_context(viewport={"width": 1100, "height": 900}, timezone_id="UTC") for _ in range(2))
    for context in pair:
        context.set_default_timeout(15_000)
    yield pair[0], pair[1]
    for context in pair:
        context.close()
