"""The web front's sign-in against the repository's Keycloak: Authorization Code with PKCE through the real
login form (and its one-time-code form), the session's token refreshed silently, a session ended at the
provider ending here, sign-out revoking the refresh token, a code from another sign-in refused."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tangvat_infra.keycloak import DEMO_PASSWORD
from tangvat_web.signin import SignIn

from tangvat_shared.auth import Role
from tangvat_shared.errors import InvalidInput, Unauthenticated
from tangvat_shared.oidc import OidcKeys, OidcTokenVerifier
from tests.support.identity import Identity

PUBLIC = "http://127.0.0.1:9"  # the front's address: the provider redirects there, the test reads the redirect


def _form_action(page: str) -> str:
    match = re.search(r'<form[^>]*\baction="([^"]+)"', page)
    assert match, page[:2000]
    return html.unescape(match.group(1))


def log_in(url: str, username: str, *, code: str | None = None) -> dict[str, str]:
    """What a browser does on Keycloak's pages; the query the provider sends back to the front. Its cookies are
    Secure, which a browser sends to 127.0.0.1 over plain HTTP and httpx does not: they are carried by hand."""
    cookies: dict[str, str] = {}

    def keep(answer: httpx.Response) -> httpx.Response:
        for header in answer.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return answer

    def jar() -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        page = keep(browser.get(url))
        assert page.status_code == 200, page.text[:500]
        answer = keep(browser.post(_form_action(page.text), headers=jar(),
                                   data={"username": username, "password": DEMO_PASSWORD}))
        if code is not None:
            assert answer.status_code == 200 and 'name="otp"' in answer.text, answer.text[:3000]
            answer = keep(browser.post(_form_action(answer.text), headers=jar(), data={"otp": code}))
        assert answer.status_code == 302, answer.text[-3000:]
        location = answer.headers["location"]
    assert location.startswith(f"{PUBLIC}/signin/callback?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
async def signin(identity: Identity) -> AsyncIterator[SignIn]:
    identity.allow_redirects_to(PUBLIC)
    verifier = OidcTokenVerifier(OidcKeys(identity.issuer), audience="tangvat")
    front = SignIn(identity.issuer, "tangvat-web", PUBLIC, verifier)
    yield front
    await front.close()


async def test_signing_in_with_pkce_then_silent_refresh_until_the_provider_ends_the_session(
        identity: Identity, signin: SignIn) -> None:
    lifespan = identity.admin("GET", "")["accessTokenLifespan"]
    identity.admin("PUT", "", {"accessTokenLifespan": 20})  # inside the front's refresh margin: every call refreshes
    try:
        url, state = await signin.start("/scan.html", "vi")
        query = parse_qs(urlsplit(url).query)
        assert query["code_challenge_method"] == ["S256"] and query["ui_locales"] == ["vi"]
        assert "code_verifier" not in query  # the verifier stays on the server
        back = log_in(url, "staff-bn")
        assert back["state"] == state
        session_id, next_path = await signin.finish(back["code"], state, state)
        assert next_path == "/scan.html"

        first = await signin.bearer(session_id)
        second = await signin.bearer(session_id)
        assert first.principal.user_id == second.principal.user_id == "staff-bn"
        assert first.principal.roles == frozenset({Role.WAREHOUSE_STAFF})
        assert first.access_token != second.access_token  # refreshed silently, no sign-in page

        with pytest.raises(InvalidInput) as replayed:  # a code is good once
            await signin.finish(back["code"], state, state)
        assert replayed.value.code == "signin_expired"

        identity.admin("POST", f"/users/{identity.user_id('staff-bn')}/logout")  # e.g. an administrator's action
        with pytest.raises(Unauthenticated) as ended:
            await signin.bearer(session_id)
        assert ended.value.code == "session_ended"
        with pytest.raises(Unauthenticated) as gone:
            await signin.bearer(session_id)
        assert gone.value.code == "signed_out"
    finally:
        identity.admin("PUT", "", {"accessTokenLifespan": lifespan})


async def test_a_board_member_signs_in_with_the_one_time_code_and_signing_out_revokes_the_refresh_token(
        identity: Identity, signin: SignIn) -> None:
    url, state = await signin.start(None, "en")
    back = log_in(url, "board1-bn", code=identity.one_time_code("board1-bn"))
    session_id, next_path = await signin.finish(back["code"], state, state)
    assert next_path == "/"
    session = await signin.bearer(session_id)
    assert session.principal.roles == frozenset({Role.BOARD_MEMBER})

    end = await signin.end(session_id)
    assert urlsplit(end).path.endswith("/protocol/openid-connect/logout")
    assert parse_qs(urlsplit(end).query)["post_logout_redirect_uri"] == [f"{PUBLIC}/"]
    with pytest.raises(Unauthenticated) as signed_out:
        await signin.bearer(session_id)
    assert signed_out.value.code == "signed_out"
    async with httpx.AsyncClient(timeout=30) as client:
        refresh = await client.post(f"{identity.issuer}/protocol/openid-connect/token", data={
            "grant_type": "refresh_token", "client_id": "tangvat-web", "refresh_token": session.refresh_token})
    assert refresh.status_code == 400, refresh.text  # revoked at sign-out, not left to its timeout


async def test_a_code_from_another_sign_in_or_without_the_browsers_state_is_refused(
        identity: Identity, signin: SignIn) -> None:
    url, state = await signin.start("//evil.example/steal", None)
    _, other_state = await signin.start("/", None)
    back = log_in(url, "auditor")
    with pytest.raises(InvalidInput) as injected:  # the browser holds another sign-in's state
        await signin.finish(back["code"], state, other_state)
    assert injected.value.code == "signin_expired"
    url, state = await signin.start("//evil.example/steal", None)
    back = log_in(url, "auditor")
    with pytest.raises(InvalidInput):
        await signin.finish(back["code"], state, None)  # no state cookie at all
    url, state = await signin.start("https://evil.example/", None)
    session_id, next_path = await signin.finish(log_in(url, "auditor")["code"], state, state)
    assert next_path == "/"  # never an open redirect
    assert (await signin.bearer(session_id)).principal.user_id == "auditor"
