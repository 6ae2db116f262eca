"""A large label sheet renders in a worker: the service keeps answering `/readyz` all through it, and a sheet
larger than the limit is refused with the limit named."""

from __future__ import annotations

import asyncio
import time

import demo_data
import httpx

from tangvat_intake.label_sheet import MAX_LABELS_PER_SHEET
from tests.integration.conftest import TokenFactory, bearer

LABELS = 600  # 25 pages: seconds of CPU, like the 2,400-label sheet, at a quarter of the suite's time


async def test_readyz_answers_every_second_while_a_large_label_sheet_renders(
        intake_client: httpx.AsyncClient, token: TokenFactory) -> None:
    created = await intake_client.post("/seizures", json=demo_data.seizure(LABELS), headers=bearer(token()))
    assert created.status_code == 201, created.text
    sheet = asyncio.create_task(intake_client.get(f"{created.json()['labels_url']}?limit={LABELS}",
                                                  headers=bearer(token())))
    started = time.monotonic()
    answered: list[float] = []
    while not sheet.done():
        ready = await intake_client.get("/readyz")
        assert ready.status_code == 200, ready.text
        answered.append(time.monotonic())
    finished = time.monotonic()
    response = await sheet
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert f"/Count {LABELS // 24}".encode() in response.content
    # A liveness bound, not a speed target. Rendered on the loop, /readyz would answer once at most, after the
    # sheet is done; off it, at least once in every second of the render, and no wait is longer than a second
    # (or, on a machine so loaded that one answer can take longer, a quarter of the render).
    seconds = finished - started
    assert len(answered) >= int(seconds), f"/readyz answered {len(answered)} times in a {seconds:.1f} s render"
    gaps = [later - earlier for earlier, later in zip([started, *answered], [*answered, finished], strict=True)]
    assert max(gaps) <= max(1.0, seconds / 4), f"longest wait for /readyz {max(gaps):.2f} s of {seconds:.1f} s"


async def test_a_sheet_beyond_the_limit_is_refused_naming_the_limit(
        intake_client: httpx.AsyncClient, token: TokenFactory) -> None:
    created = await intake_client.post("/seizures", json=demo_data.seizure(1), headers=bearer(token()))
    response = await intake_client.get(f"{created.json()['labels_url']}?limit={MAX_LABELS_PER_SHEET + 1}",
                                       headers=bearer(token()))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"][0]["loc"] == ["query", "limit"]
    assert f"{MAX_LABELS_PER_SHEET}" in error["details"][0]["message"]
