-- Goals: a metric, a scope (the workspace, or one member by e-mail), a
-- period, and the targets it has had. A target applies from the period that
-- starts on `from_day` on; past periods keep the target they had.

CREATE TABLE goals (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    metric       TEXT NOT NULL,
    member       TEXT,                 -- lower-case e-mail; NULL: the workspace
    period       TEXT NOT NULL CHECK (period = 'daily' OR period = 'weekly' OR period = 'monthly'),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE TABLE goal_targets (
    goal_id  INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    from_day TEXT NOT NULL,            -- YYYY-MM-DD, the first day of a period
    target   TEXT NOT NULL,            -- a decimal
    PRIMARY KEY (goal_id, from_day)
) STRICT;

-- What the app last saw of a goal's period, so it tells the person once per
-- goal and period when the goal falls behind (from on track or ahead) and
-- once when it is met.
CREATE TABLE goal_marks (
    goal_id         INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    period_start    TEXT NOT NULL,
    last_status     TEXT NOT NULL,
    told_behind     INTEGER NOT NULL DEFAULT 0,
    told_met        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (goal_id, period_start)
) STRICT;
