-- CRM opportunities (Copper deals) as they stand now, the stages of their
-- pipelines, and each stage change seen. metrics.md keeps opportunities
-- apart from `leads`: nothing here feeds a rollup or a sales key.
--
-- * `pipeline_stages` is replaced whole by each read of `/pipelines`
--   (a renamed stage is renamed, a removed one goes).
-- * `opportunities` is upserted by id. Copper stamps when an opportunity
--   entered its current stage (`date_stage_changed`), not the stages before,
--   so every move a sync sees is kept in `opportunity_stage_changes`: a first
--   backfill knows each opportunity's latest move, later syncs every move
--   since (at the schedule's resolution). Entering the first stage when the
--   opportunity is created is not a change.

CREATE TABLE pipeline_stages (
    connection_id   INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    stage_id        TEXT NOT NULL,
    pipeline_id     TEXT NOT NULL,
    pipeline        TEXT NOT NULL,
    stage           TEXT NOT NULL,
    position        INTEGER NOT NULL,
    win_probability INTEGER,
    PRIMARY KEY (connection_id, stage_id)
) STRICT;

CREATE TABLE opportunities (
    connection_id    INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    member           TEXT,             -- the assignee's e-mail, lower case
    pipeline_id      TEXT NOT NULL,
    stage_id         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status = 'open' OR status = 'won' OR status = 'lost'
                                          OR status = 'abandoned'),
    value            TEXT,             -- decimal
    currency         TEXT,
    stage_changed_at TEXT,
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL,
    PRIMARY KEY (connection_id, source_id)
) STRICT;

CREATE TABLE opportunity_stage_changes (
    connection_id  INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    opportunity_id TEXT NOT NULL,
    at             TEXT NOT NULL,
    stage_id       TEXT NOT NULL,
    member         TEXT,
    PRIMARY KEY (connection_id, opportunity_id, at)
) STRICT;

CREATE INDEX stage_changes_by_time ON opportunity_stage_changes (connection_id, at);
