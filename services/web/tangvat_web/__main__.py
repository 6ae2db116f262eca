"""Entry points: `python -m tangvat_web api`."""

from __future__ import annotations

import typer

from tangvat_shared.logs import configure_logging
from tangvat_shared.settings import PlatformSettings
from tangvat_web import SERVICE
from tangvat_web.settings import WebSettings

cli = typer.Typer(add_completion=False, help="Tangvat web pages")


@cli.callback()
def main() -> None:
    """The pages people use, served with a same-origin proxy to the services."""


@cli.command()
def api() -> None:
    """Serve the pages and the proxy; people sign in through TANGVAT_OIDC_ISSUER."""
    import uvicorn

    from tangvat_shared import runtime
    from tangvat_web.api import build_app

    platform = PlatformSettings()
    configure_logging(SERVICE, platform.log_level)
    settings = WebSettings()
    app = build_app(settings, runtime.token_verifier(platform), issuer=platform.oidc_issuer,
                    discovery_url=platform.oidc_discovery_url, keys_dir=platform.keys_dir)
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning", access_log=False,
                proxy_headers=False)


if __name__ == "__main__":
    cli()
