"""Every service's domain (its `domain*.py`, and a `domain/` or `rules/` package) is pure rules: it imports no
I/O (database, Kafka, HTTP), no outbox or command kernel, and none of its service's store, schemas, service,
routes or handlers, neither itself nor through what it imports. A rule that needs one of those is in the
wrong module: the service loads, the domain decides, the store saves."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Packages that do I/O, and the shared modules that reach it (the kernel records through the outbox).
BANNED = ("asyncpg", "aiokafka", "fastapi", "starlette", "httpx", "uvicorn", "psycopg",
          "tangvat_shared.outbox", "tangvat_shared.command", "tangvat_shared.idempotency", "tangvat_shared.db",
          "tangvat_shared.http", "tangvat_shared.consumer", "tangvat_shared.relay", "tangvat_shared.kafka",
          "tangvat_shared.runtime", "tangvat_shared.health")
# A service's own modules that are not rules.
NOT_RULES = ("store", "store_counts", "store_approvals", "store_photos", "schemas", "service", "api", "handlers",
             "settings", "__main__")


HINT = " (a domain returns plain values and Drafts, `from tangvat_shared.draft import Draft`; the service loads, saves)"


def domain_modules() -> list[Path]:
    found: set[Path] = set()
    for package in sorted((ROOT / "services").glob("*/tangvat_*")):
        found.update(package.glob("domain*.py"))
        for sub in ("domain", "rules"):
            found.update((package / sub).rglob("*.py"))
    return sorted(found)


def module_name(path: Path, root: Path = ROOT) -> str:
    """services/custody/tangvat_custody/rules/dates.py -> tangvat_custody.rules.dates"""
    service = root / "services" / path.relative_to(root / "services").parts[0]
    parts = path.relative_to(service).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def _banned(name: str, package: str) -> bool:
    own = (f"{package}.{m}" for m in NOT_RULES)
    return any(name == b or name.startswith(b + ".") for b in (*BANNED, *own))


def imported_names(path: Path) -> list[str]:
    return imported_names_under(ROOT, path)


def imported_names_under(root: Path, path: Path) -> list[str]:
    """Every module a file imports by name (relative imports resolved against its package)."""
    name = module_name(path, root)
    package = name.rsplit(".", 1)[0] if path.name != "__init__.py" else name
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]  # `from pkg import store`
    return names


DOMAINS = [pytest.param(p, id=str(p.relative_to(ROOT))) for p in domain_modules()]


def test_every_service_has_a_domain() -> None:
    services = {p.relative_to(ROOT / "services").parts[0] for p in domain_modules()}
    assert {"intake", "custody", "disposal"} <= services


@pytest.mark.parametrize("path", DOMAINS)
def test_a_domain_imports_no_io_store_or_schemas(path: Path) -> None:
    package = module_name(path).split(".")[0]
    offending = sorted({n for n in imported_names(path) if _banned(n, package)})
    assert offending == [], f"{path.relative_to(ROOT)} imports {offending}{HINT}"


_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("path", DOMAINS)
def test_a_domain_reaches_no_io_through_what_it_imports(path: Path) -> None:
    name = module_name(path)
    package = name.split(".")[0]
    # A fresh interpreter: this one has every service loaded already.
    loaded = json.loads(subprocess.run([sys.executable, "-c", _PROBE, name], check=True, capture_output=True,
                                       text=True, cwd=ROOT).stdout)
    banned = {*BANNED, *(f"{package}.{m}" for m in NOT_RULES)}
    offending = sorted(n for n in loaded if n in banned)
    assert offending == [], f"importing {name} loads {offending}{HINT}"


def test_the_check_sees_every_way_of_importing(tmp_path: Path) -> None:
    package = tmp_path / "services" / "demo" / "tangvat_demo"
    package.mkdir(parents=True)
    domain = package / "domain.py"
    domain.write_text("import asyncpg.pool\nfrom fastapi import Request\nfrom . import store\n"
                      "from .schemas import ItemIn\nfrom tangvat_demo import service\n"
                      "from tangvat_shared.outbox import emit\nfrom tangvat_shared.errors import Conflict\n")
    names = imported_names_under(tmp_path, domain)
    assert sorted({n for n in names if _banned(n, "tangvat_demo")}) == [
        "asyncpg.pool", "fastapi", "fastapi.Request", "tangvat_demo.schemas", "tangvat_demo.schemas.ItemIn",
        "tangvat_demo.service", "tangvat_demo.store", "tangvat_shared.outbox", "tangvat_shared.outbox.emit"]
