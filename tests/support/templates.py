"""Request templates: a path or JSON body whose strings name a scene's things ("{item}", "{bin}")."""

from __future__ import annotations

from typing import Any


def fill(value: Any, names: dict[str, Any]) -> Any:
    """`value` with every string formatted from `names`, through nested lists and objects."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return value
