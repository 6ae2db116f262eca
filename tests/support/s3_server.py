"""A real S3-compatible server for tests: moto's standalone server (PyPI `moto`, run as `python -m moto.server`) on
a free local port, in a process of its own, spoken to over HTTP by boto3 like any bucket."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import boto3


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str = "tangvat-test"
    secret_key: str = "tangvat-test-secret"  # moto accepts any

    def create_bucket(self, name: str) -> str:
        client = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                                                aws_access_key_id=self.access_key,
                                                aws_secret_access_key=self.secret_key)
        client.create_bucket(Bucket=name)
        return name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def s3_server(timeout: float = 30.0) -> Iterator[S3Server]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/moto-api/", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start on {url}") from None
                time.sleep(0.1)
        yield S3Server(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
