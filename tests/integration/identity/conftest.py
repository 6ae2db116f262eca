"""Identity tests run against the session's Keycloak (tests/support/identity.py, by tests/conftest.py)."""
