"""`python -m tangvat_audit replay | api | relay | consume | migrate`.

`replay` is the auditor's command-line replay of the Kafka log (exit 1 on findings); the other
entry points run the auditor's service: the recorded, read-only timeline API and its stream.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from fastapi import FastAPI
from rich.progress import Progress, TaskID

from tangvat_audit.attachments import attachment_findings, file_refs
from tangvat_audit.audit import run_audit
from tangvat_audit.dead_letters import read_dead_letters
from tangvat_audit.log_reader import STREAMS, Record, read_stream
from tangvat_audit.reconcile import reconcile_custody, reconcile_disposal, reconcile_intake
from tangvat_audit.report import as_html, as_json, as_text, item_timeline
from tangvat_audit.settings import AuditSettings
from tangvat_shared import runtime
from tangvat_shared.consumer import Handler
from tangvat_shared.files import FileStore, store_from
from tangvat_shared.kafka import event_topic
from tangvat_shared.keys import load_public_key
from tangvat_shared.settings import PlatformSettings

cli = typer.Typer(add_completion=False, help="Tangvat auditor")


@cli.callback()
def main() -> None:
    """Verify the Kafka log of every Tangvat service without trusting their databases."""


async def _read_all(bootstrap: str, streams: list[str], show_progress: bool) -> dict[str, list[Record]]:
    logs: dict[str, list[Record]] = {}
    with Progress(disable=not show_progress, transient=True) as progress:
        for stream in streams:
            task = progress.add_task(f"reading {stream}", total=None)

            def advance(n: int, task: TaskID = task) -> None:
                progress.advance(task, n)

            logs[stream] = await read_stream(bootstrap, event_topic(stream), progress=advance)
    return logs


def stores_of(settings: AuditSettings) -> dict[str, FileStore]:
    return {service: store_from(config, service) for service, config in settings.file_stores.items()}


@cli.command()
def replay(
    bootstrap: Annotated[str, typer.Option(envvar="TANGVAT_KAFKA_BOOTSTRAP")] = "127.0.0.1:19092",
    keys_dir: Annotated[Path, typer.Option(envvar="TANGVAT_KEYS_DIR", help="holds <stream>.pub.pem")] = Path(
        ".run/keys"),
    until: Annotated[datetime | None, typer.Option(help="state as of this instant (ISO 8601, with zone)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json")] = None,
    html_out: Annotated[Path | None, typer.Option("--html")] = None,
    pdf_out: Annotated[Path | None, typer.Option("--pdf", help="also write the report as PDF")] = None,
    item: Annotated[str | None, typer.Option(help="print this item's timeline")] = None,
    location: Annotated[str | None, typer.Option(help="print what this location holds")] = None,
    strict_canonical: bool = False,
    intake_dsn: Annotated[str | None, typer.Option(envvar="TANGVAT_INTAKE_DATABASE_URL",
                                                   help="reconcile with intake's read model")] = None,
    custody_dsn: Annotated[str | None, typer.Option(envvar="TANGVAT_CUSTODY_DATABASE_URL",
                                                    help="reconcile with custody's read model")] = None,
    disposal_dsn: Annotated[str | None, typer.Option(envvar="TANGVAT_DISPOSAL_DATABASE_URL",
                                                     help="reconcile with disposal's read model")] = None,
) -> None:
    """Replay every stream from the beginning, verify it, and rebuild every item's lifecycle; name every
    event of the log a consumer dead-lettered (its read model lacks it)."""
    keys = {s: load_public_key((keys_dir / f"{s}.pub.pem").read_bytes()) for s in STREAMS
            if (keys_dir / f"{s}.pub.pem").exists()}
    logs = asyncio.run(_read_all(bootstrap, list(STREAMS), sys.stderr.isatty()))
    dead_letters = asyncio.run(read_dead_letters(bootstrap))
    result = run_audit(logs, keys, until=until, strict_canonical=strict_canonical, dead_letters=dead_letters)
    # Every file an event names, in its service's store (TANGVAT_AUDIT_FILE_STORES; default .run/files/<service>).
    result.findings += asyncio.run(attachment_findings(file_refs(logs), stores_of(AuditSettings())))
    if until is None:  # a read model only holds the present
        for name, dsn, reconcile in (("intake", intake_dsn, reconcile_intake), ("custody", custody_dsn,
                                                                               reconcile_custody),
                                     ("disposal", disposal_dsn, reconcile_disposal)):
            if dsn:
                drift, stats = asyncio.run(reconcile(dsn, result.ledger))
                result.findings.extend(drift)
                result.reconciliation[name] = stats
    missing_keys = sorted(set(STREAMS) - set(keys))
    print(as_text(result))
    if missing_keys:
        print(f"  (no public key for {', '.join(missing_keys)}: their checkpoints were not verified)")
    if item:
        print(json.dumps(item_timeline(result, item), ensure_ascii=False, indent=2))
    if location:
        print(json.dumps({"location": location, "items": result.ledger.location_contents(location)}, indent=2))
    if json_out:
        json_out.write_text(json.dumps(as_json(result), ensure_ascii=False, indent=2, default=str))
    if html_out:
        html_out.write_text(as_html(result), encoding="utf-8")
    if pdf_out:
        from tangvat_audit.report_pdf import as_pdf  # reportlab is only loaded when a PDF is asked for

        where = {"code": location, "items": result.ledger.location_contents(location)} if location else None
        pdf_out.write_bytes(as_pdf(result, location=where))
    raise typer.Exit(0 if result.clean else 1)


def _build_api(platform: PlatformSettings, settings: AuditSettings) -> FastAPI:
    from tangvat_audit.api import build_app

    return build_app(settings.database_url, runtime.token_verifier(platform), platform.kafka_bootstrap,
                     Path(platform.keys_dir), file_stores=stores_of(settings))


def _handlers() -> tuple[list[str], Mapping[str, Handler]]:
    """Every item event of every stream, projected into the timeline read model."""
    from tangvat_audit.handlers import SOURCES, handlers

    return list(SOURCES), handlers()


# The auditor's service (recorded timeline API, its own stream) beside the replay command.
runtime.service_cli("audit", AuditSettings, build_api=_build_api, consumer=_handlers, cli=cli)


if __name__ == "__main__":
    cli()
