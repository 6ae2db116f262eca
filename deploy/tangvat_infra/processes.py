"""Child processes and pid files: running commands, telling live processes from dead ones."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import random
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Coroutine, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class InfraError(RuntimeError):
    """Local infrastructure could not be installed, started or reached."""


def run(cmd: Sequence[str | Path], *, input: str | None = None, **kwargs: Any) -> str:
    """Run a command to completion without our stdin; raise with its output on failure."""
    args = [str(c) for c in cmd]
    stdin = None if input is not None else subprocess.DEVNULL
    proc = subprocess.run(args, check=False, input=input, stdin=stdin, capture_output=True, text=True, **kwargs)
    stdout: str = proc.stdout
    if proc.returncode != 0:
        output = (stdout + proc.stderr).strip()[-4000:]
        raise InfraError(f"{shlex.join(args)} exited {proc.returncode}:\n{output}")
    return stdout


def process_alive(pid: int, marker: str) -> bool:
    """Whether `pid` runs and is ours (its command line names `marker`): pids get reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # A zombie is dead although kill(pid, 0) succeeds; in a container nobody may reap it.
    state = stat.rpartition(")")[2].split()[0]
    return state not in ("Z", "X") and marker.encode() in cmdline


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_gone(pids: Iterable[int], marker: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    pids = list(pids)
    while any(process_alive(pid, marker) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def send_signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} not found)"
    return f"--- {path} ---\n" + "\n".join(text.splitlines()[-lines:])


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when called inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    """A port nobody listens on now, below the ephemeral range: outgoing connections (which
    take ephemeral ports all the time) cannot grab it before our server binds it."""
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    for _ in range(100):
        port = random.randrange(20000, max(ephemeral_low, 20001))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        bound: int = s.getsockname()[1]
        return bound
