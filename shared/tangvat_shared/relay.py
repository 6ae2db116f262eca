"""The outbox relay: orders a service's stream, publishes it, and records what Kafka acknowledged.

One relay per stream is active at a time, holding a lease in `stream_head`. Every write the
relay makes first re-checks its lease token under the row lock, so a relay that was paused
past its lease (GC, SIGSTOP) cannot sequence or mark anything after another took over.

Nothing is skipped when transactions commit out of id order: the relay never advances a
cursor over ids. It takes what is in the `outbox` queue and visible now, gives it the next
sequence numbers (`event_seal`), and publishes by sequence; a row that becomes visible later
simply gets a later number. Rows are marked published only after the broker acknowledged them; a crash in
between re-publishes the same bytes, which consumers drop by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import Counter, Gauge

from tangvat_shared.canonical import canonical_json
from tangvat_shared.chain import Checkpoint, seal_canonical, sign_checkpoint
from tangvat_shared.keys import key_id

log = structlog.get_logger("tangvat.relay")

EVENTS_PUBLISHED = Counter("tangvat_relay_events_published_total", "Events acknowledged by Kafka", ["stream"])
RELAY_BACKLOG = Gauge("tangvat_relay_backlog", "Events written but not yet acknowledged", ["stream"])


def partition_for(key: bytes, partitions: list[int]) -> int:
    """A subject's partition. The relay is its topic's only writer, so any stable hash keeps a
    subject's events in one partition, in order; CRC-32 is in C, unlike aiokafka's murmur2."""
    return partitions[zlib.crc32(key) % len(partitions)]


def relay_application_name(stream: str) -> str:
    """The application_name of a stream's relay sessions: how a successor finds a stuck predecessor's."""
    return f"tangvat-relay-{stream}"


# The first `batch_size` queued rows visible now are exactly the visible rows up to the largest of their ids
# (one statement, one snapshot), so the claim is a range: no plan of it can be quadratic. The semi-join it
# replaces, `id IN (SELECT id FROM outbox ORDER BY id LIMIT $1)`, was planned generically while the queue was
# empty (as it mostly is) and kept: a nested loop re-scanning the queue for every row, 158 million join-filter
# rows and 130 s for one claim of 5,000 once a bulk command had queued 34,200 events in one commit.
CLAIM_QUEUED = """DELETE FROM outbox
                   WHERE id <= (SELECT max(id) FROM (SELECT id FROM outbox ORDER BY id LIMIT $1) AS first)
               RETURNING id, event_id, subject, payload"""


class LeaseLost(RuntimeError):
    """Another relay holds the stream now; this one must stop writing."""


@dataclass
class RelayConfig:
    stream: str
    topic: str
    batch_size: int = 5000
    lease_seconds: float = 10.0
    idle_poll_seconds: float = 0.05
    checkpoint_every: int = 1000
    checkpoint_interval_seconds: float = 30.0


class Relay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        config: RelayConfig,
        signing_key: Ed25519PrivateKey,
        *,
        holder: str | None = None,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._config = config
        self._key = signing_key
        self._key_id = key_id(signing_key.public_key())
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._token: int | None = None
        self._last_checkpoint_at = 0.0
        self._unchecked = True  # published something (or just started) since the last checkpoint look

    @property
    def has_lease(self) -> bool:
        return self._token is not None

    async def ensure_stream(self) -> None:
        # Read first: an INSERT ... ON CONFLICT against a row another transaction has updated waits for that
        # transaction, and a paused predecessor stuck mid-transaction would hold a starting successor there
        # forever, before it ever asks for the lease (seen in the fault suite: a successor that never logged).
        async with self._pool.acquire() as conn:
            if await conn.fetchval("SELECT 1 FROM stream_head WHERE stream = $1", self._config.stream):
                return
            await conn.execute(
                "INSERT INTO stream_head (stream) VALUES ($1) ON CONFLICT DO NOTHING", self._config.stream
            )

    async def try_acquire(self) -> bool:
        """Take the lease if free or expired; a new token fences every earlier holder.

        A holder paused mid-transaction keeps the stream head's row locked. PostgreSQL ends its session
        after one lease when it is idle in the transaction (relay_session_settings), but not while its
        backend is blocked sending a result the paused relay does not read (a claimed batch larger than
        the socket buffers) or waiting for the rest of a COPY: then the successor would wait for the lock
        forever. So the successor waits one lease at most, and ends the sessions of a lapsed lease whose
        transaction is older than a lease (no live relay's is), then tries again."""
        async with self._pool.acquire() as conn:
            try:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL lock_timeout = {int(self._config.lease_seconds * 1000)}")
                    token = await conn.fetchval(
                        """UPDATE stream_head
                              SET relay_holder = $2, relay_token = relay_token + 1,
                                  relay_expires_at = now() + make_interval(secs => $3)
                            WHERE stream = $1
                              AND (relay_holder IS NULL OR relay_holder = $2 OR relay_expires_at < now())
                        RETURNING relay_token""",
                        self._config.stream,
                        self.holder,
                        self._config.lease_seconds,
                    )
            except asyncpg.LockNotAvailableError:
                ended = await conn.fetchval(
                    """SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a, stream_head h
                        WHERE h.stream = $1 AND (h.relay_holder IS NULL OR h.relay_expires_at < now())
                          AND a.datname = current_database() AND a.pid <> pg_backend_pid()
                          AND a.application_name = $2
                          AND a.xact_start < now() - make_interval(secs => $3)""",
                    self._config.stream, relay_application_name(self._config.stream), self._config.lease_seconds)
                log.warning("relay.lease_row_locked", stream=self._config.stream, holder=self.holder,
                            stale_sessions_ended=ended)
                token = None
        self._token = token
        self._unchecked = True
        if token is not None:
            log.info("relay.lease_acquired", stream=self._config.stream, holder=self.holder, token=token)
        return token is not None

    async def _lock_head(self, conn: asyncpg.Connection) -> asyncpg.Record:
        # The token alone fences: a successor must bump it to take over. A lease that lapsed while
        # this relay was slow (a starved CPU, a long publish) but that nobody took is still ours;
        # giving it up would only republish what is in flight.
        head = await conn.fetchrow(
            """UPDATE stream_head SET relay_expires_at = now() + make_interval(secs => $4)
                WHERE stream = $1 AND relay_holder = $2 AND relay_token = $3
            RETURNING last_seq, last_hash, published_seq""",
            self._config.stream,
            self.holder,
            self._token,
            self._config.lease_seconds,
        )
        if head is None:
            self._token = None
            raise LeaseLost(self._config.stream)
        return head

    async def _claim(self, *, after: int | None = None) -> tuple[list[tuple[str, bytes]], int]:
        """Return the next messages to publish (key, value) and the last sequence among them.

        The next messages follow sequence `after` (by default, what the broker acknowledged): events
        sequenced earlier but not yet published come first, and only then new ones."""
        async with self._pool.acquire() as conn, conn.transaction():
            head = await self._lock_head(conn)
            base = head["published_seq"] if after is None else after
            if base < head["last_seq"]:
                # Sequenced earlier but never acknowledged (crash, broker outage): same bytes again.
                rows = await conn.fetch(
                    """SELECT r.subject, r.body, s.stream_seq, s.prev_hash, s.hash
                         FROM event_seal s JOIN event_record r USING (event_id)
                        WHERE s.stream_seq > $1 ORDER BY s.stream_seq LIMIT $2""",
                    base,
                    self._config.batch_size,
                )
                messages = []
                for row in rows:
                    sealed = dict(row["body"])
                    sealed["sequence"] = row["stream_seq"]
                    sealed["prevhash"] = row["prev_hash"]
                    sealed["hash"] = row["hash"]
                    messages.append((row["subject"], canonical_json(sealed)))
                return messages, rows[-1]["stream_seq"] if rows else base

            # Whatever is queued and visible now; a transaction committing later (even with a
            # lower id) is simply sequenced in a later batch.
            rows = await conn.fetch(CLAIM_QUEUED, self._config.batch_size)
            if not rows:
                return [], head["last_seq"]
            rows = sorted(rows, key=lambda r: r["id"])
            unsealed = await self._payloads(conn, rows)
            seq = head["last_seq"]
            prev = head["last_hash"]
            seals: list[tuple[Any, int, str, str]] = []
            messages = []
            for row, payload in zip(rows, unsealed, strict=True):
                seq += 1
                wire, digest = seal_canonical(payload, seq, prev)
                seals.append((row["event_id"], seq, prev, digest))
                messages.append((row["subject"], wire))
                prev = digest
            await conn.copy_records_to_table(
                "event_seal", records=seals, columns=("event_id", "stream_seq", "prev_hash", "hash")
            )
            await conn.execute(
                "UPDATE stream_head SET last_seq = $2, last_hash = $3 WHERE stream = $1",
                self._config.stream,
                seq,
                prev,
            )
            return messages, seq

    @staticmethod
    async def _payloads(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[bytes]:
        """Queued canonical bytes; rows queued before they were stored get them from the record."""
        missing = [r["event_id"] for r in rows if r["payload"] is None]
        bodies: dict[Any, Any] = {}
        if missing:
            found = await conn.fetch(
                "SELECT event_id, body FROM event_record WHERE event_id = ANY($1::uuid[])", missing
            )
            bodies = {r["event_id"]: r["body"] for r in found}
        return [r["payload"] if r["payload"] is not None else canonical_json(bodies[r["event_id"]]) for r in rows]

    async def _publish(self, messages: list[tuple[str, bytes]]) -> None:
        await (await self._enqueue(messages))

    async def _enqueue(self, messages: list[tuple[str, bytes]]) -> asyncio.Future[Any]:
        """Queue in sequence order, one record batch per partition at a time; a future of every ack."""
        topic = self._config.topic
        partitions = sorted(await self._producer.partitions_for(topic))
        by_partition: dict[int, list[tuple[bytes, bytes]]] = {}
        for key, value in messages:
            raw_key = key.encode()
            by_partition.setdefault(partition_for(raw_key, partitions), []).append((raw_key, value))
        futures = []
        for partition, records in by_partition.items():
            batch = self._producer.create_batch()
            for raw_key, value in records:
                if batch.append(key=raw_key, value=value, timestamp=None) is None:
                    futures.append(await self._producer.send_batch(batch, topic, partition=partition))
                    batch = self._producer.create_batch()
                    if batch.append(key=raw_key, value=value, timestamp=None) is None:
                        raise ValueError(f"event of {len(value)} bytes exceeds the producer's batch size")
            futures.append(await self._producer.send_batch(batch, topic, partition=partition))
        return asyncio.gather(*futures)

    async def _mark_published(self, up_to: int) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            head = await self._lock_head(conn)
            if up_to <= head["published_seq"]:
                return
            await conn.execute(
                "UPDATE stream_head SET published_seq = $2 WHERE stream = $1", self._config.stream, up_to
            )
            backlog = head["last_seq"] - up_to
        EVENTS_PUBLISHED.labels(self._config.stream).inc(up_to - head["published_seq"])
        RELAY_BACKLOG.labels(self._config.stream).set(backlog)

    async def _maybe_checkpoint(self, force: bool = False) -> None:
        now = time.monotonic()
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                head = await self._lock_head(conn)
                last_cp = await conn.fetchval(
                    "SELECT coalesce(max(seq), 0) FROM stream_checkpoint WHERE stream = $1",
                    self._config.stream,
                )
                published = head["published_seq"]
                due = published - last_cp >= self._config.checkpoint_every or (
                    published > last_cp
                    and (force or now - self._last_checkpoint_at >= self._config.checkpoint_interval_seconds)
                )
                if due:
                    digest = await conn.fetchval("SELECT hash FROM event_seal WHERE stream_seq = $1", published)
                    cp = sign_checkpoint(self._key, self._key_id, self._config.stream, published, digest)
                    await conn.execute(
                        """INSERT INTO stream_checkpoint (stream, seq, hash, signed_at, key_id, signature)
                           VALUES ($1, $2, $3, $4, $5, $6)""",
                        cp.stream, cp.sequence, cp.hash, cp.signed_at, cp.key_id, cp.signature,
                    )
                    self._last_checkpoint_at = now
            pending = await conn.fetch(
                """SELECT stream, seq, hash, signed_at, key_id, signature FROM stream_checkpoint
                    WHERE stream = $1 AND published_at IS NULL ORDER BY seq""",
                self._config.stream,
            )
            if not pending:
                return
            for row in pending:
                cp = Checkpoint(
                    row["stream"], row["seq"], row["hash"], row["signed_at"], row["key_id"], row["signature"]
                )
                await (await self._producer.send(
                    self._config.topic, value=canonical_json(cp.to_wire()), key=f"checkpoint/{cp.stream}".encode()
                ))
            await conn.execute(
                "UPDATE stream_checkpoint SET published_at = now() WHERE stream = $1 AND seq = ANY($2::bigint[])",
                self._config.stream,
                [row["seq"] for row in pending],
            )

    async def run_once(self) -> int:
        """Claim, publish and mark one batch; return how many events it published."""
        if self._token is None and not await self.try_acquire():
            return 0
        messages, last = await self._claim()
        if messages:
            await self._publish(messages)
            await self._mark_published(last)
            self._unchecked = True
        if self._unchecked:
            await self._maybe_checkpoint(force=not messages)
            self._unchecked = bool(messages)
        return len(messages)

    async def drain(self) -> int:
        """Publish everything queued now, overlapping each batch's wait for acknowledgements with
        sequencing the next one in the database; return how many events were published.

        Batch k+1 is only handed to the producer once batch k is acknowledged and marked, so the
        order on every partition is the sequence order. If a publication fails, batches already
        sequenced are simply republished by the next cycle (published_seq < last_seq)."""
        if self._token is None and not await self.try_acquire():
            return 0
        total = 0
        messages, last = await self._claim()
        while messages:
            acks = await self._enqueue(messages)
            following = asyncio.ensure_future(self._claim(after=last))
            try:
                await acks
            except BaseException:
                with contextlib.suppress(Exception):
                    await following  # let its transaction finish; what it sequenced is republished
                raise
            await self._mark_published(last)
            total += len(messages)
            self._unchecked = True
            await self._maybe_checkpoint()
            messages, last = await following
        if self._unchecked:
            await self._maybe_checkpoint(force=True)
            self._unchecked = False
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop`; outages of the broker or the database are waited out, not fatal."""
        ready = False
        while not stop.is_set():
            try:
                if not ready:
                    await self.ensure_stream()
                    ready = True
                published = await self.drain()
            except LeaseLost:
                log.warning("relay.lease_lost", stream=self._config.stream, holder=self.holder)
                published = 0
            except (OSError, KafkaError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("relay.retry", stream=self._config.stream, error=repr(exc))
                await asyncio.sleep(1.0)
                continue
            except Exception as exc:
                log.exception("relay.cycle_failed", stream=self._config.stream, error=repr(exc))
                await asyncio.sleep(1.0)
                continue
            if published == 0:
                wait = self._config.idle_poll_seconds if self.has_lease else self._config.lease_seconds / 3
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)

