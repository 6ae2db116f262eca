"""Every word of the pages exists in Vietnamese and in English, every error code a service can answer has words
(so a new code without them fails here), and so does every value of the enums the services answer with."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from enum import StrEnum
from functools import cache
from pathlib import Path

import pytest

from tangvat_custody.domain_requests import ApprovalKind, ApprovalStatus
from tangvat_disposal.domain import BatchStatus, Reservation, Rule
from tangvat_shared.auth import Role
from tangvat_shared.events import custody, disposal, intake
from tangvat_shared.events.registry import all_specs
from tangvat_shared.transitions import ItemState

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "services/web/tangvat_web/static"
SOURCES = [ROOT / "shared/tangvat_shared", *sorted((ROOT / "services").glob("*/tangvat_*"))]
# Loads i18n.js and every area file (i18n/<area>.js, which Object.assign into the tables) in one context.
DUMP = """const fs = require("fs"), vm = require("vm"); const ctx = { window: {} }; vm.createContext(ctx);
for (const f of JSON.parse(process.argv[1])) vm.runInContext(fs.readFileSync(f, "utf8"), ctx, { filename: f });
process.stdout.write(JSON.stringify(ctx.window.TV_STRINGS));"""
# An error code given by name: `code="..."` (a raise) or `code = "..."` (an error class), `error_body("...", ...)`,
# and the generic HTTP errors' table in tangvat_shared.http.
NAMED_CODE = re.compile(r'\bcode\s*=\s*"([a-z0-9_]+)"|error_body\(\s*"([a-z0-9_]+)"')
HTTP_TABLE = re.compile(r'\b[45]\d\d: "([a-z_]+)"')
COMPOSED_CODE = re.compile(r'\bcode\s*=\s*f"([^"]*)"')
# The codes built from a value (`code=f"approval_{status.value}"`): each template with the values it can take.
COMPOSED = {"approval_{status.value}": [f"approval_{s.value}" for s in ApprovalStatus],
            "item_{state.value}": [f"item_{s.value}" for s in ItemState],
            # The shared content rules (tangvat_shared.content.accept), with a photo's or any file's codes.
            **{f"{{code_prefix}}_{what}": [f"photo_{what}", f"file_{what}"] for what in ("empty", "too_large", "type")}}
# Codes no pattern above names: the front's own (app.js answers `network`), the generic HTTP error's default.
FRONT = ["network", "upstream_unavailable", "internal", "foreign_origin", "unknown_host", "signin_cancelled",
         "http_error"]


def files() -> list[Path]:
    return [STATIC / "i18n.js", *sorted((STATIC / "i18n").glob("*.js"))]


@cache
def tables() -> dict[str, dict[str, str]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run([node, "-e", DUMP, json.dumps([str(f) for f in files()])], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    loaded: dict[str, dict[str, str]] = json.loads(out)
    return loaded


def error_codes() -> set[str]:
    codes: set[str] = set(FRONT)
    for source in SOURCES:
        for path in source.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes |= {next(g for g in m.groups() if g) for m in NAMED_CODE.finditer(text)}
            if path.name == "http.py":
                codes |= set(HTTP_TABLE.findall(text))
            for template in COMPOSED_CODE.findall(text):
                assert template in COMPOSED, f"{path}: the code f{template!r} is built from a value: list its values"
                codes |= set(COMPOSED[template])
    return codes


def test_every_key_is_in_both_languages() -> None:
    vi, en = tables()["vi"], tables()["en"]
    assert sorted(set(vi) - set(en)) == [], "only in Vietnamese"
    assert sorted(set(en) - set(vi)) == [], "only in English"
    assert [k for k in vi if not vi[k].strip() or not en[k].strip()] == [], "empty words"


def test_every_area_file_extends_both_tables_with_the_same_keys() -> None:
    for path in files()[1:]:
        text = path.read_text(encoding="utf-8")
        assert "Object.assign(window.TV_STRINGS.vi" in text and "Object.assign(window.TV_STRINGS.en" in text, path


def test_the_scan_finds_the_error_codes_it_should() -> None:
    codes = error_codes()
    assert {"unknown_item", "count_in_progress", "invalid_label", "due_in_past", "already_voted",
            "duplicate_label", "invalid_input", "not_found", "approval_rejected", "csrf_header_missing"} <= codes
    assert len(codes) > 80


def test_every_error_code_a_service_can_answer_has_words_in_both_languages() -> None:
    for lang in ("vi", "en"):
        missing = sorted(c for c in error_codes() if f"err.{c}" not in tables()[lang])
        assert missing == [], f"err.* missing in {lang}"


ENUMS: list[tuple[str, type[StrEnum]]] = [
    ("state", ItemState), ("category", intake.Category), ("legal_status", intake.LegalStatus),
    ("agency", intake.Agency), ("offender", intake.OffenderKind), ("holder_kind", custody.HolderKind),
    ("discrepancy", custody.DiscrepancyKind), ("unavailable", custody.UnavailableReason),
    ("approval", ApprovalKind), ("approval_status", ApprovalStatus), ("batch", BatchStatus), ("res", Reservation),
    ("rule", Rule), ("method", disposal.Method), ("decision", disposal.Decision),
    ("destruction", disposal.DestructionMethod), ("outcome", disposal.ExecutionOutcome), ("role", Role),
    ("state_line", ItemState), ("reprint_reason", intake.ReprintReason), ("label_format", intake.LabelFormat),
]


@pytest.mark.parametrize(("prefix", "enum"), ENUMS, ids=[p for p, _ in ENUMS])
def test_every_value_of_an_enum_has_words(prefix: str, enum: type[StrEnum]) -> None:
    for lang in ("vi", "en"):
        assert sorted(v.value for v in enum if f"{prefix}.{v.value}" not in tables()[lang]) == [], lang


def test_every_registered_event_type_has_words_and_vietnamese_pages_get_no_english_for_them() -> None:
    vi, en = tables()["vi"], tables()["en"]
    for spec in all_specs():
        key = f"event.{spec.type}"
        assert key in vi and key in en, key
        assert vi[key] != en[key] and vi[key] != spec.type, key


# A key a page names literally: data-i18n* attributes of the HTML, TV.t("...") calls of the scripts.
USED_KEY = re.compile(r'data-i18n(?:-placeholder|-label)?="([\w.]+)"|\bTV\.t\(\s*"([\w.]+)"\s*[,)]')


def test_every_word_a_page_names_exists_in_both_languages() -> None:
    vi, en = tables()["vi"], tables()["en"]
    missing = []
    for path in sorted([*STATIC.glob("*.html"), *STATIC.glob("*.js")]):
        for match in USED_KEY.finditer(path.read_text(encoding="utf-8")):
            key = next(g for g in match.groups() if g)
            if key not in vi or key not in en:
                missing.append(f"{path.name}: {key}")
    assert missing == []


def test_every_page_of_the_menu_is_named_in_the_shared_words() -> None:
    """The header of every page lists every page the role may use: their names are in i18n.js itself, which every
    page loads (an area file is loaded only by its own pages)."""
    shared = subprocess.run([shutil.which("node") or "node", "-e", DUMP, json.dumps([str(STATIC / "i18n.js")])],
                            check=True, capture_output=True, text=True, timeout=60).stdout
    words = json.loads(shared)
    ids = re.findall(r'\{\s*id:\s*"(\w+)"', (STATIC / "app.js").read_text(encoding="utf-8"))
    assert ids
    for lang in ("vi", "en"):
        assert [i for i in ids if f"nav.{i}" not in words[lang]] == [], lang
