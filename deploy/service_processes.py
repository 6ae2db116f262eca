"""One service's background processes (`python -m tangvat_<service> <role>`): their ports, environment, keys,
migrations, pid files and logs, and waiting until one answers. deploy/stack.py runs them all; the fault, browser
and bench harnesses run them one by one."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tangvat_infra.processes import process_alive

from localinfra import REPO_ROOT, SERVICES

FILE_SERVICES = ("intake", "custody", "disposal")  # the services that keep files (tangvat_shared.files)
HTTP_PORTS = {"intake": 8001, "custody": 8002, "disposal": 8003, "audit": 8004}
METRICS_PORTS = {"intake": 9101, "custody": 9111, "disposal": 9121, "audit": 9131}
# Which entry points each service has; a consumer only where it reads other streams.
ROLES = {
    "intake": ("api", "relay", "consume"),  # custody's transfers: which warehouse holds an item now
    "custody": ("api", "relay", "consume"),
    "disposal": ("api", "relay", "consume"),
    "audit": ("api", "relay", "consume"),
}


WEB_PORT = 8005  # the pages people use (services/web), in front of every service's API


def available_services() -> list[str]:
    return [s for s in SERVICES if importlib.util.find_spec(f"tangvat_{s}") is not None]


@dataclass
class ServiceProcess:
    """One background process of a service (`python -m tangvat_<service> <role>`)."""

    service: str
    role: str
    env: Mapping[str, str]
    state: Path
    python: str = sys.executable
    extra_args: Sequence[str] = field(default_factory=tuple)
    _child: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return f"{self.service}-{self.role}"

    @property
    def pid_path(self) -> Path:
        return self.state / "pids" / f"{self.name}.pid"

    @property
    def log_path(self) -> Path:
        return self.state / "logs" / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        if self._child is not None:
            # Our own child: alive until it exits (its command line is not ours yet right after
            # the fork, so the check below would call a starting process dead).
            if self._child.poll() is None:
                return self._child.pid
            self._child = None
            return None
        try:
            pid = int(self.pid_path.read_text())
        except (OSError, ValueError):
            return None
        # Pids are recycled: the process must still be ours (its command line names our module).
        return pid if process_alive(pid, f"tangvat_{self.service}") else None

    def start(self) -> int:
        running = self.pid
        if running:
            return running
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            process = subprocess.Popen(
                [self.python, "-m", f"tangvat_{self.service}", self.role, *self.extra_args],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=REPO_ROOT,
                start_new_session=True,
            )
        self._child = process
        self.pid_path.write_text(str(process.pid))
        return process.pid

    def signal(self, sig: signal.Signals) -> None:
        pid = self.pid
        if pid:
            os.kill(pid, sig)

    def stop(self, timeout: float = 15.0) -> None:
        pid = self.pid
        if not pid:
            self.pid_path.unlink(missing_ok=True)
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pid and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.pid:
            os.kill(pid, signal.SIGKILL)
            while self.pid:
                time.sleep(0.02)
        self.pid_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (what the fault tests inflict)."""
        pid = self.pid
        if pid:
            os.kill(pid, signal.SIGKILL)
            while self.pid:
                time.sleep(0.02)

    def peak_rss_mb(self) -> float | None:
        pid = self.pid
        if not pid:
            return None
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


def service_env(
    service: str,
    infra_env: Mapping[str, str],
    keys_dir: Path,
    *,
    http_port: int | None = None,
    metrics_port: int | None = None,
) -> dict[str, str]:
    prefix = f"TANGVAT_{service.upper()}_"
    # Each service keeps its files (photos, documents, signed PDFs) in a directory of its own under the state
    # directory; the auditor reads them all to check the files the events name.
    files_root = keys_dir.parent / "files"
    files = ({f"{prefix}FILE_STORES": json.dumps({s: {"dir": str(files_root / s)} for s in FILE_SERVICES})}
             if service == "audit" else {f"{prefix}FILES_DIR": str(files_root / service)})
    return {
        **files,
        "TANGVAT_KAFKA_BOOTSTRAP": infra_env["TANGVAT_KAFKA_BOOTSTRAP"],
        "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(keys_dir / "auth.pub.pem"),
        "TANGVAT_KEYS_DIR": str(keys_dir),
        f"{prefix}DATABASE_URL": infra_env[f"{prefix}DATABASE_URL"],
        f"{prefix}HTTP_PORT": str(http_port or HTTP_PORTS[service]),
        f"{prefix}METRICS_PORT": str(metrics_port or METRICS_PORTS[service]),
        "PYTHONUNBUFFERED": "1",
        **({"TANGVAT_OIDC_ISSUER": infra_env["TANGVAT_OIDC_ISSUER"]} if "TANGVAT_OIDC_ISSUER" in infra_env else {}),
    }


def ensure_keys(keys_dir: Path) -> None:
    from tangvat_shared.keys import ensure_key_pair

    for name in ("auth", *SERVICES):
        ensure_key_pair(keys_dir, name)


def migrate(service: str, env: Mapping[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", f"tangvat_{service}", "migrate"],
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        check=True,
        stdin=subprocess.DEVNULL,
    )


def wait_http(url: str, timeout: float = 30.0, process: ServiceProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if process is not None and process.pid is None:
            tail = process.log_path.read_text(errors="replace")[-3000:] if process.log_path.exists() else ""
            raise RuntimeError(f"{process.name} exited while starting:\n{tail}")
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s")
