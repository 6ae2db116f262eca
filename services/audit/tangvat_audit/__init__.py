"""The auditor: replays the Kafka log alone and proves (or disproves) every item's lifecycle."""
