"""Schemathesis checks of our own, loaded by `make fuzz` (SCHEMATHESIS_HOOKS=fuzz_checks).

A schema-valid request may still break a domain rule (a forged label, a due date in the past, a
transfer to the warehouse it comes from), which every service answers 422 with the rule's code:
schemathesis.toml lets `positive_data_acceptance` take that 422. What it must never be is the
request validation refusing what the OpenAPI document allows: that is the document lying about
the API, and this check fails it.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response


def _cross_field_rule(detail: dict[str, Any]) -> bool:
    # A model validator over the whole body ("give exactly one of label or container_code", "two different
    # warehouses") states a rule across fields that JSON Schema cannot always say: a rule, not a lie.
    return detail.get("type") == "value_error" and detail["loc"] in ([], ["body"])


def _validation_details(body: Any) -> list[dict[str, Any]]:
    """The entries of a 422 that come from the request validation (pydantic's `type` and `loc` on each)."""
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    if not isinstance(details, list):
        return []
    return [d for d in details if isinstance(d, dict) and "type" in d and isinstance(d.get("loc"), list)
            and not _cross_field_rule(d)]


NAME = "schema_valid_request_passes_validation"


@schemathesis.check
def schema_valid_request_passes_validation(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if ctx.config.custom_kwargs.get(NAME, {}).get("exempt"):
        return None  # an operation schemathesis.toml names, with its reason (`--checks all` overrides `enabled`)
    try:
        body = response.json()
    except ValueError:
        return None
    refused = _validation_details(body)
    if refused:
        fields = "; ".join(f"{'.'.join(map(str, d['loc']))}: {d.get('message', '')}" for d in refused[:5])
        raise AssertionError(f"The request validation refused a request the OpenAPI document allows ({fields})")
    return None
