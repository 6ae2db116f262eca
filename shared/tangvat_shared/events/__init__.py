"""Event data schemas per service and the registry of event types."""
