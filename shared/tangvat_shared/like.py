"""Text inside a LIKE pattern: what every service's searches and scope filters escape, once (no I/O: domains and
scope rules import it)."""

from __future__ import annotations

_LIKE_SPECIAL = ("\\", "%", "_")  # the backslash first: it escapes the other two


def like_escaped(text: str) -> str:
    """`text` inside a LIKE pattern (with ESCAPE '\\', PostgreSQL's default): its `%`, `_` and `\\` match only
    themselves."""
    for special in _LIKE_SPECIAL:
        text = text.replace(special, "\\" + special)
    return text
