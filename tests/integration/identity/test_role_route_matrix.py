"""Role x route with the identity provider's tokens: an admin of every unit and warehouse, signed in through the
repository's Keycloak, walks every operation of intake, custody and disposal and is refused all the work — only
the registry (warehouses, their locations, boards) admits it; a warehouse's staff is refused intake's and
disposal's work."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tangvat_custody.api import build_app as build_custody
from tangvat_disposal.api import build_app as build_disposal
from tangvat_intake.api import build_app as build_intake
from tangvat_shared.http import PUBLIC_PATHS
from tangvat_shared.keys import generate_private_key
from tangvat_shared.oidc import OidcKeys, OidcTokenVerifier
from tests.support.apps import UNUSED_DSN
from tests.support.identity import Account, Identity

REGISTRY = {("custody", "POST", "/warehouses"), ("custody", "POST", "/warehouses/{warehouse_id}/locations"),
            ("custody", "GET", "/warehouses/{warehouse_id}/locations"), ("disposal", "PUT", "/boards/{unit}"),
            # The registry's signed location labels: the warehouses an admin sets up, their labels looked up, printed.
            ("custody", "GET", "/warehouses"), ("custody", "GET", "/labels/location-lookup"),
            ("custody", "GET", "/warehouses/{warehouse_id}/location-labels"),
            ("custody", "GET", "/warehouses/{warehouse_id}/location-labels.pdf"),
            ("custody", "GET", "/warehouses/{warehouse_id}/location-labels.zpl")}
ACCOUNTS = [Account("matrix-admin", "admin", ("*",), ("*",), totp_secret="matrix-totp-admin"),
            Account("matrix-staff", "warehouse_staff", ("*",), ("*",))]


def _apps(identity: Identity) -> dict[str, FastAPI]:
    verifier = OidcTokenVerifier(OidcKeys(identity.issuer), audience="tangvat")
    key = generate_private_key()
    return {"intake": build_intake(UNUSED_DSN, verifier, key),
            "custody": build_custody(UNUSED_DSN, verifier, key.public_key()),
            "disposal": build_disposal(UNUSED_DSN, verifier)}


def _operations(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(method, path template, a concrete URL) of every documented operation that needs a caller."""
    for path, operations in app.openapi()["paths"].items():
        if path in PUBLIC_PATHS:
            continue
        url = re.sub(r"\{[a-z_]*id\}", str(uuid.uuid4()), path)
        url = re.sub(r"\{[a-z_]+\}", "KHO-BN-01", url)
        for method in operations:
            yield method.upper(), path, url


def _admitted(app: FastAPI, token: str) -> set[tuple[str, str]]:
    """The operations whose role check let the caller through (anything but 401/403: the app is not started,
    so an admitted request fails further on, and never reaches a database)."""
    client = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
    admitted = set()
    for method, path, url in _operations(app):
        response = client.request(method, url, json={})
        assert response.status_code != 401, (method, path, response.text)
        if response.status_code != 403:
            admitted.add((method, path))
        else:
            assert response.json()["error"]["code"] == "role_required", (method, path, response.text)
    return admitted


@pytest.fixture(scope="module")
def accounts(identity: Identity) -> Identity:
    identity.add_users(ACCOUNTS)
    return identity


def test_role_required_an_admin_of_every_scope_is_refused_all_work_but_the_registry(accounts: Identity) -> None:
    token = accounts.access_token("matrix-admin")
    admitted = {(service, method, path) for service, app in _apps(accounts).items()
                for method, path in _admitted(app, token)}
    assert admitted == REGISTRY


def test_role_required_staff_of_every_warehouse_do_no_intake_or_disposal_work(accounts: Identity) -> None:
    token = accounts.access_token("matrix-staff")
    apps = _apps(accounts)
    intake = _admitted(apps["intake"], token)
    # A scanner tells a genuine label from a forged one; a damaged label of the warehouse's items is reprinted
    # (recorded), and the item's intake history shows the reprints.
    assert intake == {("POST", "/labels/verify"), ("POST", "/items/{item_id}/label-reprints"),
                      ("GET", "/items/{item_id}/label-reprints"),
                      ("GET", "/items/{item_id}/label-reprints/{reprint_id}/label"),
                      ("GET", "/items/{item_id}/history"),
                      # The item page's photos at intake, for the staff of the warehouse holding it.
                      ("GET", "/items/{item_id}/attachments"), ("GET", "/items/{item_id}/attachments/{sha256}")}
    assert _admitted(apps["disposal"], token) == set()
    # Staff list the warehouses they work in (GET /warehouses) but register none, and place or lift no hold.
    assert not _admitted(apps["custody"], token) & {("POST", "/warehouses"), ("POST", "/items/{item_id}/legal-hold"),
                                                    ("POST", "/items/{item_id}/legal-hold/lift")}
