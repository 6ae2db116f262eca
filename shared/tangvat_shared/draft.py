"""The one draft type: an event a domain decided on, before the command kernel records it.

Its own module, free of I/O, so that a pure domain can return drafts without importing the kernel
(`tangvat_shared.command`, which records them through the outbox and so imports asyncpg)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Draft:
    """An event decided but not yet recorded: its type, its subject and its JSON-ready data."""

    type: str
    subject: str
    data: dict[str, Any]
