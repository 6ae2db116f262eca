"""The whole local system: infrastructure (localinfra) plus every service's processes.

`python deploy/stack.py up|down|status|logs|demo|token` — what `make up`, `make down`, ... run.
Service processes run in the background with pid files and logs under the state directory.
"""

from __future__ import annotations

import argparse
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

from localinfra import DEFAULT_STATE, REPO_ROOT, SERVICES, LocalStack

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


class Stack:
    def __init__(self, state: Path, kafka_port: int | None, controller_port: int | None, pg_port: int | None, *,
                 identity: bool = False) -> None:
        self.state = state.resolve()
        self.infra = LocalStack.open(self.state, kafka_port, controller_port, pg_port, identity=identity)
        self.keys_dir = self.state / "keys"

    def processes(self, infra_env: Mapping[str, str] | None = None) -> list[ServiceProcess]:
        env = infra_env or self._saved_env()
        processes = [
            ServiceProcess(service, role, service_env(service, env, self.keys_dir), self.state)
            for service in available_services()
            for role in ROLES[service]
        ]
        if importlib.util.find_spec("tangvat_web") is not None:
            processes.append(ServiceProcess("web", "api", self._web_env(env), self.state))
        return processes

    def _web_env(self, infra_env: Mapping[str, str]) -> dict[str, str]:
        # People sign in through the identity provider; without one (--no-identity) only API clients'
        # own bearer tokens pass the front.
        env = {
            "TANGVAT_KAFKA_BOOTSTRAP": infra_env.get("TANGVAT_KAFKA_BOOTSTRAP", ""),
            "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(self.keys_dir / "auth.pub.pem"),
            "TANGVAT_KEYS_DIR": str(self.keys_dir),
            "TANGVAT_WEB_HTTP_PORT": str(WEB_PORT),
            "TANGVAT_WEB_PUBLIC_URL": f"http://127.0.0.1:{WEB_PORT}",
            "PYTHONUNBUFFERED": "1",
        }
        if "TANGVAT_OIDC_ISSUER" in infra_env:
            env["TANGVAT_OIDC_ISSUER"] = infra_env["TANGVAT_OIDC_ISSUER"]
        return env

    def _saved_env(self) -> dict[str, str]:
        env = {}
        path = self.state / "infra.env"
        if path.exists():
            import shlex

            for line in path.read_text().splitlines():
                key, _, value = line.partition("=")
                env[key] = shlex.split(value)[0] if value else ""
        return env

    def up(self) -> None:
        started = time.monotonic()
        infra_env = self.infra.up()
        ensure_keys(self.keys_dir)
        for service in available_services():
            migrate(service, service_env(service, infra_env, self.keys_dir))
        processes = self.processes(infra_env)
        for process in processes:
            process.start()
        for process in processes:
            if process.role == "api":
                port = WEB_PORT if process.service == "web" else HTTP_PORTS[process.service]
                wait_http(f"http://127.0.0.1:{port}/readyz", process=process)
        self.infra.wait_identity_ready()
        print(f"Tangvat is up in {time.monotonic() - started:.1f}s")
        print(f"  Kafka       {infra_env['TANGVAT_KAFKA_BOOTSTRAP']}")
        print(f"  PostgreSQL  {self.infra.postgres.port} (admin DSN in {self.state / 'infra.env'})")
        for service in available_services():
            print(f"  {service:<11} http://127.0.0.1:{HTTP_PORTS[service]}/docs")
        if importlib.util.find_spec("tangvat_web") is not None:
            print(f"  {'web':<11} http://127.0.0.1:{WEB_PORT}/  (scan station, items, seizures, board, audit)")
        print(f"  logs        {self.state / 'logs'}   API tokens: make token ROLE=intake_officer")
        if "TANGVAT_OIDC_ISSUER" in infra_env:
            self._print_sign_in(infra_env)

    @staticmethod
    def _print_sign_in(infra_env: Mapping[str, str]) -> None:
        from tangvat_infra.keycloak import DEMO_PASSWORD, DEMO_USERS, demo_totp_secret

        print(f"  identity    {infra_env['TANGVAT_KEYCLOAK_URL']}  (Keycloak, realm tangvat)")
        print(f"Sign in at http://127.0.0.1:{WEB_PORT}/ with a demo account (password {DEMO_PASSWORD}):")
        import base64

        for role, user in DEMO_USERS.items():
            secret = demo_totp_secret(user)
            code = "" if secret is None else (
                f"  + a one-time code: make totp USER={user}"
                f"  (or an authenticator app with the key {base64.b32encode(secret.encode()).decode().rstrip('=')})")
            print(f"  {role:<16} {user}{code}")
        from tangvat_infra.keycloak import HIERARCHY_DEMO_USERS

        print("The unit hierarchy (a scope reaches the units below it; make demo registers a team's seizure):")
        for user, (role, unit, what) in HIERARCHY_DEMO_USERS.items():
            print(f"  {role:<16} {user:<15} group {unit:<12} {what}")

    def token(self, role: str, user: str, units: list[str], warehouses: list[str], ttl: int) -> str:
        """A token for the API: the demo account's from the identity provider when the stack has one."""
        env = self._saved_env()
        if "TANGVAT_OIDC_ISSUER" in env:
            from tangvat_infra.keycloak import HIERARCHY_DEMO_USERS, account_token, demo_token

            if user in HIERARCHY_DEMO_USERS:
                return account_token(env["TANGVAT_OIDC_ISSUER"], user)
            return demo_token(env["TANGVAT_OIDC_ISSUER"], role)
        return mint(self.keys_dir, role, user, units, warehouses, ttl)

    def down(self) -> None:
        for process in reversed(self.processes()):
            process.stop()
        self.infra.down()

    def status(self) -> int:
        down = 0
        rows = [("kafka", self.infra.kafka.pid), ("postgres", self.infra.postgres.pid)]
        if "TANGVAT_OIDC_ISSUER" in self._saved_env():
            rows.append(("keycloak", self.infra.keycloak_pid()))
        rows += [(p.name, p.pid) for p in self.processes()]
        for name, pid in rows:
            print(f"{name:<18} {f'up (pid {pid})' if pid else 'down'}")
            down += pid is None
        return 1 if down else 0


def mint(keys_dir: Path, role: str, user: str, units: list[str], warehouses: list[str], ttl: int) -> str:
    from tangvat_shared.auth import mint_token
    from tangvat_shared.keys import load_private_key

    key = load_private_key((keys_dir / "auth.pem").read_bytes())
    return mint_token(key, subject=user, roles=[role], units=units, warehouses=warehouses, ttl_seconds=ttl)


def demo(stack: Stack, n_items: int) -> None:
    """Register a realistic seizure through the API and show it arriving on Kafka."""
    import httpx
    from demo_data import seizure

    token = stack.token("intake_officer", "demo-officer", ["QLTT-BN"], ["*"], 3600)
    body = seizure(n_items)
    body["record_number"] = f"DEMO-{time.strftime('%Y%m%d-%H%M%S')}"
    base = f"http://127.0.0.1:{HTTP_PORTS['intake']}"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        response = client.post("/seizures", json=body)
        response.raise_for_status()
        created = response.json()
        seizure_id = created["seizure_id"]
        detail = client.get(f"/seizures/{seizure_id}").json()
        first = client.get(f"/seizures/{seizure_id}/items", params={"limit": 3}).json()["items"]
        labels = client.get(f"/seizures/{seizure_id}/labels.pdf", params={"limit": 48})
    labels_path = stack.state / f"labels-{seizure_id}.pdf"
    labels_path.write_bytes(labels.content)
    published = _wait_published(stack, created["item_count"] + 1)
    from demo_hierarchy import show_hierarchy_at

    def token_for(role: str, user: str, units: list[str], warehouses: list[str]) -> str:
        return stack.token(role, user, units, warehouses, 3600)

    hierarchy = show_hierarchy_at(base, token_for, seizure_id)
    from demo_floor import set_up_floor

    floor = set_up_floor(f"http://127.0.0.1:{HTTP_PORTS['custody']}", token_for, stack.state)
    print(
        json.dumps(
            {
                "seizure": {
                    k: detail[k]
                    for k in ("seizure_id", "record_number", "item_count", "total_value_vnd", "items_by_category")
                },
                "first_items": [
                    {k: i[k] for k in ("label_code", "category", "description", "label_payload")} for i in first
                ],
                "events_acknowledged_by_kafka": published,
                "label_sheet": str(labels_path),
                "unit_hierarchy": hierarchy,
                "warehouse_floor": floor,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"Token for the API (the provider's access-token lifetime; `make token ROLE=...` for another): {token}")


def _wait_published(stack: Stack, at_least: int, timeout: float = 60.0) -> int:
    import asyncio

    import asyncpg

    dsn = stack._saved_env()["TANGVAT_INTAKE_DATABASE_URL"]

    async def published() -> int:
        conn = await asyncpg.connect(dsn)
        try:
            return int(await conn.fetchval("SELECT coalesce(max(published_seq), 0) FROM stream_head") or 0)
        finally:
            await conn.close()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = asyncio.run(published())
        if count >= at_least:
            return count
        time.sleep(0.2)
    raise TimeoutError("the relay did not publish the demo seizure in time")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__)
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE)
    parser.add_argument("--kafka-port", type=int, default=None, help="default: the last up's, else 19092")
    parser.add_argument("--controller-port", type=int, default=None)
    parser.add_argument("--pg-port", type=int, default=None)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up")
    commands.add_parser("down")
    commands.add_parser("status")
    logs = commands.add_parser("logs")
    logs.add_argument("--lines", type=int, default=40)
    demo_cmd = commands.add_parser("demo")
    demo_cmd.add_argument("--items", type=int, default=240)
    token_cmd = commands.add_parser("token")
    token_cmd.add_argument("--role", default="intake_officer")
    token_cmd.add_argument("--user", default="dev-user")
    token_cmd.add_argument("--unit", action="append", default=None)
    token_cmd.add_argument("--warehouse", action="append", default=None)
    token_cmd.add_argument("--ttl", type=int, default=8 * 3600)
    totp_cmd = commands.add_parser("totp", help="the current one-time code of a demo account (development realm)")
    totp_cmd.add_argument("--user", required=True)
    parser.add_argument("--no-identity", dest="identity", action="store_false",
                        help="without the identity provider (Keycloak): services trust the local test issuer's "
                             "tokens (make token mints them) and nobody can sign in on the pages")
    args = parser.parse_args(argv)
    stack = Stack(args.state, args.kafka_port, args.controller_port, args.pg_port, identity=args.identity)
    if args.command == "up":
        stack.up()
    elif args.command == "down":
        stack.down()
    elif args.command == "status":
        return stack.status()
    elif args.command == "logs":
        for process in stack.processes():
            if process.log_path.exists():
                print(f"==> {process.log_path} <==")
                print("\n".join(process.log_path.read_text(errors="replace").splitlines()[-args.lines :]))
    elif args.command == "demo":
        demo(stack, args.items)
    elif args.command == "token":
        print(stack.token(args.role, args.user, args.unit or ["*"], args.warehouse or ["*"], args.ttl))
    elif args.command == "totp":
        from tangvat_infra.keycloak import demo_totp_secret, totp_now

        secret = demo_totp_secret(args.user)
        if secret is None:
            print(f"{args.user} has no one-time code", file=sys.stderr)
            return 1
        print(totp_now(secret))
    return 0


if __name__ == "__main__":
    sys.exit(main())
