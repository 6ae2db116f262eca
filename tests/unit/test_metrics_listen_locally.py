"""The relay's and consumer's metrics listen on localhost unless configured otherwise."""

from __future__ import annotations

import socket

from tangvat_shared.runtime import start_metrics
from tangvat_shared.settings import ServiceSettings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_metrics_listen_on_localhost_even_where_the_api_listens_everywhere() -> None:
    # docker-compose opens the API on every interface; the metrics of a relay or consumer stay local.
    settings = ServiceSettings(database_url="postgresql://x/y", http_port=1, http_host="0.0.0.0")
    server, thread = start_metrics(settings, _free_port())
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_metrics_listen_where_an_operator_configures_them() -> None:
    settings = ServiceSettings(database_url="postgresql://x/y", http_port=1, metrics_host="0.0.0.0")
    server, thread = start_metrics(settings, _free_port())
    try:
        assert server.server_address[0] == "0.0.0.0"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
