"""Session-wide fixtures: the real Kafka and PostgreSQL every integration test runs against, the keys and
tokens, and the three-service world disposal's integration tests and the end-to-end tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.infra_fixtures import Infra, session_infra
from tests.support.identity import identity
from tests.support.idp_tokens import idp_tokens
from tests.support.tokens import auth_key, keys_dir, local_token, token
from tests.support.world import seizure, world, world_topics

# fixtures, by import (`identity`, the session's one Keycloak, serves the identity tests and the browser suite)
__all__ = ["auth_key", "identity", "idp_tokens", "keys_dir", "local_token", "seizure", "token", "world",
           "world_topics"]


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    """Kafka + PostgreSQL for the whole session; `infra.kafka`/`infra.postgres` can kill/restart."""
    with session_infra() as started:
        yield started
