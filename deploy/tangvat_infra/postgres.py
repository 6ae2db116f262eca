"""A PostgreSQL cluster in a directory of our own, and per-service roles and databases."""

from __future__ import annotations

import logging
import os
import pwd
import secrets
import shutil
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from tangvat_infra.processes import (
    InfraError,
    children,
    process_alive,
    read_pid,
    run,
    run_async,
    send_signal,
    tail,
    wait_gone,
)

log = logging.getLogger("tangvat.localinfra")

POSTGRES_IMAGE = "postgres:15"
# Sized for 2 cores; the Docker fixtures pass the same settings.
POSTGRES_SETTINGS = {
    "max_connections": "200",
    "shared_buffers": "256MB",
    "effective_cache_size": "2GB",
    "max_worker_processes": "4",
    "max_parallel_workers": "2",
    "max_parallel_workers_per_gather": "1",
    "max_parallel_maintenance_workers": "1",
}


def dsn(host: str, port: int, user: str, password: str, database: str) -> str:
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return f"postgresql://{credentials}@{host}:{port}/{quote(database, safe='')}"


async def _execute_formatted(conn: Any, template: str, *args: str) -> None:
    """Utility statements take no bind parameters: format() quotes them on the server."""
    params = ", ".join(f"${i}::text" for i in range(2, len(args) + 2))
    await conn.execute(await conn.fetchval(f"SELECT format($1::text, {params})", template, *args))


async def _ensure_service_databases(admin_dsn: str, passwords: Mapping[str, str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        for name, password in passwords.items():
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
            verb = "ALTER" if exists else "CREATE"
            await _execute_formatted(conn, f"{verb} ROLE %I LOGIN PASSWORD %L", name, password)
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await _execute_formatted(conn, "CREATE DATABASE %I OWNER %I", name, name)
            # The owner keeps its rights; other roles (other services) cannot even connect.
            await _execute_formatted(conn, "REVOKE ALL ON DATABASE %I FROM PUBLIC", name)
    finally:
        await conn.close()


def ensure_service_databases(admin_dsn: str, passwords: Mapping[str, str]) -> dict[str, str]:
    """For each name a LOGIN role owning a database of that name, closed to every other role.

    Idempotent; a role's password is reset to the one given. Returns each name's DSN.
    """
    run_async(_ensure_service_databases(admin_dsn, passwords))
    url = urlsplit(admin_dsn)
    host, port = url.hostname or "127.0.0.1", url.port or 5432
    return {name: dsn(host, port, name, password, name) for name, password in passwords.items()}


def _as_postgres_user() -> dict[str, Any]:
    """subprocess arguments running a command as the `postgres` OS user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise InfraError("running as root, but there is no `postgres` OS user") from None
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _grant_traversal(path: Path, uid: int) -> None:
    """postgres must be able to traverse every parent of its data directory."""
    for parent in reversed(path.parents):
        st = parent.stat()
        if st.st_uid != uid and not st.st_mode & 0o001:
            log.warning("adding o+x to %s so that postgres can reach %s", parent, path)
            parent.chmod(st.st_mode & 0o7777 | 0o001)


class PostgresCluster:
    """A PostgreSQL cluster owned by us in `data_dir` (PGDATA is `data_dir/pgdata`)."""

    def __init__(self, data_dir: Path, port: int, bin_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.bin_dir = bin_dir
        self.pgdata = self.data_dir / "pgdata"
        self.password_path = self.data_dir / "superuser.password"
        self.log_path = self.data_dir / "postgres.log"

    @property
    def admin_dsn(self) -> str:
        password = self.password_path.read_text().strip()
        return dsn("127.0.0.1", self.port, "postgres", password, "postgres")

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        pid = read_pid(self.pgdata / "postmaster.pid")
        return pid if pid is not None and process_alive(pid, str(self.pgdata)) else None

    def start(self) -> None:
        """initdb on first use, start unless running; return once it accepts connections."""
        if self.pid is None:
            self._prepare()
            try:
                self._pg_ctl("start", "-l", str(self.log_path), "-t", "120")
            except InfraError as exc:
                raise InfraError(f"{exc}\n{tail(self.log_path)}") from None
        run([self.bin_dir / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)])

    def stop(self) -> None:
        """Fast shutdown: roll back open transactions, checkpoint, exit."""
        if self.pid is not None:
            self._pg_ctl("stop", "-m", "fast", "-t", "60")

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crash would; the next start runs crash recovery."""
        pid = self.pid
        if pid is None:
            return
        backends = children(pid)
        send_signal(pid, signal.SIGKILL)
        # Orphaned backends exit once they notice; a new postmaster refuses to start while
        # any of them still holds the old shared memory.
        if not wait_gone([pid, *backends], "postgres", 10.0):
            for backend in backends:
                send_signal(backend, signal.SIGKILL)
            wait_gone(backends, "postgres", 5.0)
        # An unreaped postmaster zombie still answers kill(pid, 0): postgres would take its lock
        # files for a live server's.
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        (self.data_dir / f".s.PGSQL.{self.port}.lock").unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def ensure_service_database(self, name: str, password: str) -> str:
        """Role `name` owning database `name`, closed to every other role; its DSN."""
        return ensure_service_databases(self.admin_dsn, {name: password})[name]

    def _pg_ctl(self, *args: str) -> None:
        cmd: list[str | Path] = [self.bin_dir / "pg_ctl", *args, "-D", self.pgdata, "-w", "-s"]
        run(cmd, cwd=self.data_dir, **_as_postgres_user())

    def _prepare(self) -> None:
        owner = _as_postgres_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if owner:
            _grant_traversal(self.data_dir, owner["user"])
            os.chown(self.data_dir, owner["user"], owner["group"])
        self.data_dir.chmod(0o700)
        done = self.data_dir / "initdb.done"
        if not done.is_file():
            shutil.rmtree(self.pgdata, ignore_errors=True)  # left by an interrupted initdb
            if not self.password_path.is_file():
                self._write(self.password_path, secrets.token_urlsafe(24) + "\n", owner)
            run(
                [
                    self.bin_dir / "initdb",
                    "-D",
                    self.pgdata,
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    f"--pwfile={self.password_path}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ],
                cwd=self.data_dir,
                **owner,
            )
            with (self.pgdata / "postgresql.conf").open("a") as conf:
                conf.write("include = 'tangvat.conf'\n")
            done.touch()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            # In the 0700 data dir: only root and postgres reach the trust-authenticated socket.
            "unix_socket_directories": str(self.data_dir),
            **POSTGRES_SETTINGS,
        }
        text = "".join(f"{k} = '{v.replace(chr(39), chr(39) * 2)}'\n" for k, v in settings.items())
        self._write(self.pgdata / "tangvat.conf", text, owner)

    @staticmethod
    def _write(path: Path, text: str, owner: Mapping[str, Any]) -> None:
        path.write_text(text)
        path.chmod(0o600)
        if owner:
            os.chown(path, owner["user"], owner["group"])
