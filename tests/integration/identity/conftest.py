"""Identity tests run against the repository's Keycloak (tests/support/identity.py)."""

from tests.support.identity import identity

__all__ = ["identity"]
