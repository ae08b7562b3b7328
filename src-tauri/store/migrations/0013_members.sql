-- What the person says of the team: a name over the sources', two e-mails
-- that are one person (a personal and a work address), a member who left and
-- is hidden (their history stays in every figure).

CREATE TABLE members (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,        -- lower case
    name         TEXT,
    merged_into  TEXT,                 -- another member's e-mail: the same person
    hidden       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, email)
) STRICT;

-- One member's activities are read by member and time (a goal's ledger, the
-- leaderboard), not by the whole workspace's time index.
CREATE INDEX activities_by_member ON activities (connection_id, member, at);
