-- Version 5: what "Test connection" learned about the account behind a
-- connection (name, currency, time zone, when its token ends), so the UI can
-- warn when it differs from the workspace. Never secrets.

CREATE TABLE connection_accounts (
    connection_id INTEGER PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    facts         TEXT NOT NULL CHECK (json_valid(facts))
) STRICT;
