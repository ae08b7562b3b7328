-- Version 2: recurring expenses (metrics.md `other_expenses`), a monthly amount
-- spread evenly over the days of each month from start_month to end_month.

CREATE TABLE recurring_expenses (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    monthly_amount TEXT NOT NULL,                  -- decimal, workspace currency
    start_month    TEXT NOT NULL,                  -- YYYY-MM
    end_month      TEXT,                           -- YYYY-MM, NULL = open-ended
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX recurring_expenses_by_workspace ON recurring_expenses (workspace_id);
