-- Sales activity as metrics.md counts it, per team member.
--
-- * A dialer call is answered, missed (incoming Missed, Voicemail or
--   Abandoned) or neither (an outgoing call nobody picked up, a busy or failed
--   one): all of them are `calls`, only the first two are answered or missed.
--   Version 10 knew two outcomes, so `kind` gains 'call_other'.
-- * An activity carries its member: the lower-cased e-mail of the Copper user
--   or JustCall agent it belongs to, NULL when it has none (it then counts for
--   the workspace only).
-- * `source_users` keeps each source's people (Copper users, JustCall agents)
--   with their e-mail, so members appear by themselves after a sync.
-- * Copper's activities are re-read over a trailing window and one deleted in
--   Copper must leave the figures: a delete marks its day, like an insert.
--
-- SQLite cannot change a CHECK, so the table is rebuilt; dropping it drops
-- its triggers, which are restated as migration 8 left them.

CREATE TABLE activities_v11 (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_id     TEXT NOT NULL,
    -- Not `kind IN (...)`: SQLite checks a list of three or more through a
    -- temporary b-tree built for every row written.
    kind          TEXT NOT NULL CHECK (kind = 'email' OR kind = 'crm_call' OR kind = 'lead'
                                       OR kind = 'call_answered' OR kind = 'call_missed'
                                       OR kind = 'call_other'),
    at            TEXT NOT NULL,
    talk_time_s   INTEGER NOT NULL DEFAULT 0,
    member        TEXT,
    PRIMARY KEY (connection_id, source_id)
) STRICT;

INSERT INTO activities_v11 (connection_id, source_id, kind, at, talk_time_s, member)
SELECT connection_id, source_id, kind, at, talk_time_s, NULL FROM activities;
DROP TABLE activities;
ALTER TABLE activities_v11 RENAME TO activities;
CREATE INDEX activities_by_time ON activities (connection_id, at);

CREATE TRIGGER rollup_activities_ins AFTER INSERT ON activities BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_activities_upd AFTER UPDATE ON activities BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(OLD.at, 1, 10) FROM connections c
    WHERE c.id = OLD.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_activities_del AFTER DELETE ON activities BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(OLD.at, 1, 10) FROM connections c
    WHERE c.id = OLD.connection_id
    ON CONFLICT DO NOTHING;
END;

CREATE TABLE source_users (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_id     TEXT NOT NULL,
    email         TEXT,                 -- lower case; NULL when the source has none
    name          TEXT NOT NULL,
    PRIMARY KEY (connection_id, source_id)
) STRICT;
