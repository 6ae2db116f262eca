"""The auditor's replay, run on request as the command-line auditor would (`python -m tangvat_audit replay`)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tangvat_shared.errors import Conflict


@dataclass
class AuditRuns:
    """One replay at a time; the latest report kept on disk so a restart still shows it."""

    directory: Path
    kafka_bootstrap: str
    keys_dir: Path
    timeout: float
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def latest_path(self) -> Path:
        return self.directory / "latest.json"

    def latest(self) -> dict[str, Any] | None:
        try:
            loaded: dict[str, Any] = json.loads(self.latest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return loaded

    async def run(self, requested_by: str) -> dict[str, Any]:
        if self._lock.locked():
            raise Conflict("an audit replay is already running", code="audit_running")
        async with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            run_id = uuid.uuid4().hex
            report = self.directory / f"{run_id}.json"
            started = time.time()
            env = {**os.environ, "TANGVAT_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
                   "TANGVAT_KEYS_DIR": str(self.keys_dir)}
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tangvat_audit", "replay", "--json", str(report),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                env=env)
            try:
                output, _ = await asyncio.wait_for(process.communicate(), self.timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
                raise
            # Exit 0: clean; 1: findings; anything else: the replay itself failed.
            if process.returncode not in (0, 1) or not report.exists():
                result: dict[str, Any] = {"run_id": run_id, "ok": False, "exit_code": process.returncode,
                                          "output": output.decode(errors="replace")[-4000:]}
            else:
                result = {"run_id": run_id, "ok": True, "report": json.loads(report.read_text(encoding="utf-8"))}
            result.update(requested_by=requested_by, started_at=started, seconds=round(time.time() - started, 2))
            self.latest_path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            return result
