-- Every audit the service ran: who asked, when, over what, its verdict, and the report exactly as
-- it was rendered then (JSON, HTML, PDF), so a past report is shown as issued, never re-run.
CREATE TABLE audit_report (
    report_id        uuid        PRIMARY KEY,
    ran_at           timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    actor_id         text        NOT NULL,
    actor_role       text        NOT NULL,
    until_at         timestamptz,           -- the replay's --until: state as of this instant, or NULL for now
    location_code    text,
    clean            boolean     NOT NULL,
    finding_count    integer     NOT NULL CHECK (finding_count >= 0),
    findings_by_kind jsonb       NOT NULL,  -- {"altered": 2, ...}
    events_replayed  bigint      NOT NULL CHECK (events_replayed >= 0),
    report_sha256    text        NOT NULL CHECK (report_sha256 ~ '^[0-9a-f]{64}$'),
    report_json      text        NOT NULL,  -- the JSON report's exact bytes: SHA-256 of them is report_sha256
    report_html      text        NOT NULL,
    report_pdf       bytea       NOT NULL
);
-- Newest first, keyset-paginated by (ran_at, report_id).
CREATE INDEX audit_report_newest_first ON audit_report (ran_at DESC, report_id DESC);
