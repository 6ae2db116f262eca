"""Intake: registers seizures and their items, labels them, and records their legal status."""

SERVICE = "intake"
