"""Installing what the local stack runs on: Java, Maven, the Kafka jars, PostgreSQL."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
from pathlib import Path

from tangvat_infra.processes import InfraError, run

log = logging.getLogger("tangvat.localinfra")

KAFKA_POM = Path(__file__).resolve().parent.parent / "kafka" / "pom.xml"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        raise InfraError(f"missing {' '.join(packages)}: install with apt-get (needs root)")
    log.info("installing %s with apt-get", " ".join(packages))
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], env=env)


def ensure_build_tools() -> None:
    """Java runs the broker; Maven fetches it."""
    wanted = {"java": "openjdk-17-jre-headless", "mvn": "maven"}
    missing = [package for tool, package in wanted.items() if not shutil.which(tool)]
    if missing:
        apt_install(*missing)


def ensure_kafka_jars(cache_dir: Path) -> Path:
    """The broker's jars in `<cache_dir>/kafka-libs`, fetched once per version of the pom."""
    libs = cache_dir / "kafka-libs"
    marker = libs / ".complete"
    pom_digest = hashlib.sha256(KAFKA_POM.read_bytes()).hexdigest()

    def complete() -> bool:
        return marker.is_file() and marker.read_text().strip() == pom_digest

    if complete():
        return libs
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / "kafka-libs.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent fetch would delete our staging directory
        if not complete():
            _fetch_kafka_jars(cache_dir, libs)
            marker.write_text(pom_digest + "\n")
    return libs


def _fetch_kafka_jars(cache_dir: Path, libs: Path) -> None:
    ensure_build_tools()
    # Fill a staging directory and swap it in: an interrupted run never looks complete.
    staging = cache_dir / "kafka-libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    log.info("fetching the Kafka jars from Maven Central into %s", libs)
    run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            KAFKA_POM,
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ]
    )
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)


def find_postgres() -> Path | None:
    """The newest installed PostgreSQL's bin directory, if any."""
    bin_dirs = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    bin_dirs.sort(key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    return bin_dirs[-1] if bin_dirs else None


def ensure_postgres() -> Path:
    """PostgreSQL's bin directory, installing the Debian package when it is missing."""
    bin_dir = find_postgres()
    if bin_dir is None:
        apt_install("postgresql")
        bin_dir = find_postgres()
    if bin_dir is None:
        raise InfraError("no /usr/lib/postgresql/*/bin/initdb after installing postgresql")
    return bin_dir
