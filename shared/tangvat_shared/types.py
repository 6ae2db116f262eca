"""Field types every schema uses: text without NUL bytes, money as integer VND."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refusing it here keeps it a 422, not a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, Field(max_length=2000), AfterValidator(_no_nul)]
ShortText = Annotated[str, Field(max_length=200), AfterValidator(_no_nul), AfterValidator(_non_blank)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# Money is integer VND: no float, no NaN; capped at 2**53-1 so every JSON reader keeps it exact.
MoneyVnd = Annotated[StrictInt, Field(ge=0, le=2**53 - 1)]
Quantity = Annotated[StrictInt, Field(ge=1, le=10**9)]
