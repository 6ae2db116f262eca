"""Helpers the test suites share: databases, tokens, Kafka readers, waiting."""
