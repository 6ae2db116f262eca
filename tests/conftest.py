"""Session-wide fixtures: the real Kafka and PostgreSQL every integration test runs against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.infra_fixtures import Infra, session_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    """Kafka + PostgreSQL for the whole session; `infra.kafka`/`infra.postgres` can kill/restart."""
    with session_infra() as started:
        yield started
