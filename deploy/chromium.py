"""Debian's Chromium for the browser tests: `python deploy/chromium.py` installs it when it is missing.

The tests drive it with Playwright for Python pointed at /usr/bin/chromium; Playwright's own browser
download is never used (no network access to its CDN is assumed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# What every test launch passes: headless, no sandbox (root in a container), and no background
# traffic to Google's services (updates, sync, QUIC probes).
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)


def ensure_chromium() -> Path:
    """Install Debian's chromium package unless /usr/bin/chromium is already there (idempotent)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None:
        raise RuntimeError("chromium is missing and apt-get is not available: install chromium by hand")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, check=False, stdin=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update"], env=env, check=True, stdin=subprocess.DEVNULL)
        subprocess.run(install, env=env, check=True, stdin=subprocess.DEVNULL)
    if not CHROMIUM.exists():
        raise RuntimeError(f"apt-get installed chromium but {CHROMIUM} is missing")
    return CHROMIUM


if __name__ == "__main__":
    print(ensure_chromium())
    sys.exit(0)
