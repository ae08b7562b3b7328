-- Pulseboard schema, version 1: workspaces, connections, sync runs, stream cursors.
-- Append-only: never edit a migration that has shipped; add the next number.

CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE workspaces (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
    timezone             TEXT NOT NULL,            -- IANA name, e.g. Asia/Kolkata
    currency             TEXT NOT NULL,            -- ISO 4217, e.g. INR
    active               INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    default_cogs_percent TEXT,                     -- decimal; NULL = no estimate
    payment_fee_percent  TEXT NOT NULL DEFAULT '0',
    payment_fee_fixed    TEXT NOT NULL DEFAULT '0',
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- At most one workspace is the one the UI shows.
CREATE UNIQUE INDEX workspaces_one_active ON workspaces (active) WHERE active = 1;

CREATE TABLE connections (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE RESTRICT,
    provider     TEXT NOT NULL CHECK (provider IN
                   ('shopify', 'meta_ads', 'google_ads', 'shiprocket', 'copper', 'justcall', 'demo')),
    display_name TEXT NOT NULL,
    settings     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)), -- never secrets
    base_url     TEXT,
    schedule     TEXT NOT NULL,                    -- cron expression
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    status       TEXT NOT NULL DEFAULT 'new'
                   CHECK (status IN ('new', 'ok', 'error', 'needs_attention')),
    last_sync_at TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX connections_by_workspace ON connections (workspace_id);

CREATE TABLE sync_runs (
    id               INTEGER PRIMARY KEY,
    connection_id    INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    triggered_by     TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'startup', 'manual', 'cli')),
    status           TEXT NOT NULL
                       CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'cancelled')),
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    records_fetched  INTEGER NOT NULL DEFAULT 0,
    records_upserted INTEGER NOT NULL DEFAULT 0,
    records_skipped  INTEGER NOT NULL DEFAULT 0,
    requests         INTEGER NOT NULL DEFAULT 0,
    error            TEXT,
    streams          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(streams)) -- per-stream counts, error examples
) STRICT;

CREATE INDEX sync_runs_by_connection ON sync_runs (connection_id, started_at DESC);

-- One bookmark per stream, written in the same transaction as the records it covers.
CREATE TABLE stream_cursors (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    stream        TEXT NOT NULL,
    cursor        TEXT NOT NULL,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (connection_id, stream)
) STRICT;
