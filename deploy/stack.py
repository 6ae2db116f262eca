"""The whole local system: infrastructure (localinfra) plus every service's processes (service_processes).

`python deploy/stack.py up|down|status|logs|demo|token` — what `make up`, `make down`, ... run.
Service processes run in the background with pid files and logs under the state directory.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from service_processes import (
    HTTP_PORTS,
    ROLES,
    WEB_PORT,
    ServiceProcess,
    available_services,
    ensure_keys,
    migrate,
    service_env,
    wait_http,
)

from localinfra import DEFAULT_STATE, LocalStack


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
        from stack_demo import demo

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
