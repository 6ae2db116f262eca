"""Service databases on the test cluster: one role and one database each, migrated."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg

from tangvat_shared.db import SHARED_MIGRATIONS, migrate


def dsn_for(admin_dsn: str, user: str, password: str, database: str) -> str:
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:{password}@{host}{port}", f"/{database}", "", ""))


async def fresh_database(admin_dsn: str, name: str) -> str:
    """Drop and recreate database `name` owned by role `name`; return the role's DSN."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
        if exists:
            await conn.execute(f'ALTER ROLE "{name}" LOGIN PASSWORD \'{name}-pw\'')
        else:
            await conn.execute(f'CREATE ROLE "{name}" LOGIN PASSWORD \'{name}-pw\'')
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
        await conn.execute(f'REVOKE CONNECT ON DATABASE "{name}" FROM PUBLIC')
    finally:
        await conn.close()
    return dsn_for(admin_dsn, name, f"{name}-pw", name)


async def migrated_database(admin_dsn: str, name: str, service_package: str | None) -> str:
    dsn = await fresh_database(admin_dsn, name)
    components = [SHARED_MIGRATIONS]
    if service_package:
        components.append((service_package.removeprefix("tangvat_"), f"{service_package}.migrations"))
    await migrate(dsn, components)
    return dsn
