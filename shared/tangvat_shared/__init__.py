"""What every Tangvat service needs exactly once: events, hashing, outbox, inbox, auth, errors."""
