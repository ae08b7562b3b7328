-- Version 4: stored daily rollups, and the days they must recompute.
--
-- `daily_rollups` holds each workspace day's additive figures (JSON of
-- metrics::Totals). Triggers note in `rollup_dirty` every day a write can
-- change: the UTC day of a changed order (and of every order of its customer,
-- since new/returning may move), refund, shipment or activity, before and after
-- the change; the day of a changed ad row; the days of orders using a variant
-- whose cost changed. A change of a setting the figures depend on (time zone,
-- default COGS %, fees, recurring expenses) or a removed connection marks the
-- whole workspace ('all'). Recomputing reads and clears the marks in the same
-- write transaction, so a mark made meanwhile is never lost.
--
-- Marks are deduplicated with NOT EXISTS, not a unique key: a trigger must
-- never be able to make a sync's write fail.

CREATE TABLE daily_rollups (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    day          TEXT NOT NULL,                    -- YYYY-MM-DD in the workspace zone
    totals       TEXT NOT NULL,                    -- JSON, decimals as strings
    PRIMARY KEY (workspace_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE rollup_dirty (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('utc_day', 'local_day', 'all')),
    day          TEXT NOT NULL                     -- YYYY-MM-DD; '' for 'all'
) STRICT;

CREATE INDEX rollup_dirty_by_day ON rollup_dirty (workspace_id, kind, day);
CREATE INDEX order_lines_by_variant ON order_lines (variant_id);

-- Recomputing a range of days reads only that range's records.
CREATE INDEX orders_by_booked ON orders (connection_id, COALESCE(processed_at, created_at));
CREATE INDEX refunds_by_time ON refunds (connection_id, created_at);
CREATE INDEX ad_days_by_date ON ad_days (connection_id, date);
CREATE INDEX shipments_by_time ON shipments (connection_id, created_at);
CREATE INDEX activities_by_time ON activities (connection_id, at);

-- Files upgraded from version 3 hold records but no rollups yet.
INSERT INTO rollup_dirty (workspace_id, kind, day) SELECT id, 'all', '' FROM workspaces;

-- ---- orders: the booked day, before and after, and the customer's days -----
-- Each arm is an equality on an index (the order's own day needs no lookup),
-- so marking costs a few index probes per order, not a scan.

CREATE TRIGGER rollup_orders_ins AFTER INSERT ON orders BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'utc_day', x.day
    FROM (SELECT substr(COALESCE(NEW.processed_at, NEW.created_at), 1, 10) AS day
          UNION
          SELECT substr(COALESCE(o.processed_at, o.created_at), 1, 10) FROM orders o
          WHERE o.connection_id = NEW.connection_id AND o.customer_id = NEW.customer_id) x
    JOIN connections c ON c.id = NEW.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = x.day);
END;

CREATE TRIGGER rollup_orders_upd AFTER UPDATE ON orders BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'utc_day', x.day
    FROM (SELECT substr(COALESCE(OLD.processed_at, OLD.created_at), 1, 10) AS day
          UNION
          SELECT substr(COALESCE(NEW.processed_at, NEW.created_at), 1, 10)
          UNION
          SELECT substr(COALESCE(o.processed_at, o.created_at), 1, 10) FROM orders o
          WHERE o.connection_id = NEW.connection_id AND o.customer_id = NEW.customer_id
          UNION
          SELECT substr(COALESCE(o.processed_at, o.created_at), 1, 10) FROM orders o
          WHERE o.connection_id = OLD.connection_id AND o.customer_id = OLD.customer_id) x
    JOIN connections c ON c.id = NEW.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = x.day);
END;

CREATE TRIGGER rollup_orders_del AFTER DELETE ON orders BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'utc_day', x.day
    FROM (SELECT substr(COALESCE(OLD.processed_at, OLD.created_at), 1, 10) AS day
          UNION
          SELECT substr(COALESCE(o.processed_at, o.created_at), 1, 10) FROM orders o
          WHERE o.connection_id = OLD.connection_id AND o.customer_id = OLD.customer_id) x
    JOIN connections c ON c.id = OLD.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = x.day);
END;

-- ---- refunds ----------------------------------------------------------------

CREATE TRIGGER rollup_refunds_ins AFTER INSERT ON refunds BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.created_at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
      AND NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = substr(NEW.created_at, 1, 10));
END;

CREATE TRIGGER rollup_refunds_del AFTER DELETE ON refunds BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(OLD.created_at, 1, 10) FROM connections c
    WHERE c.id = OLD.connection_id
      AND NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = substr(OLD.created_at, 1, 10));
END;

-- ---- variant costs: every day with a line (or refunded line) of the variant -

CREATE TRIGGER rollup_costs_ins AFTER INSERT ON variant_costs BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'utc_day', x.day
    FROM (SELECT substr(COALESCE(o.processed_at, o.created_at), 1, 10) AS day
          FROM order_lines l JOIN orders o ON o.connection_id = l.connection_id AND o.source_id = l.order_id
          WHERE l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id
          UNION
          SELECT substr(r.created_at, 1, 10)
          FROM order_lines l JOIN refunds r ON r.connection_id = l.connection_id AND r.order_id = l.order_id
          WHERE l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id) x
    JOIN connections c ON c.id = NEW.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = x.day);
END;

CREATE TRIGGER rollup_costs_upd AFTER UPDATE OF unit_cost ON variant_costs
WHEN OLD.unit_cost IS NOT NEW.unit_cost BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'utc_day', x.day
    FROM (SELECT substr(COALESCE(o.processed_at, o.created_at), 1, 10) AS day
          FROM order_lines l JOIN orders o ON o.connection_id = l.connection_id AND o.source_id = l.order_id
          WHERE l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id
          UNION
          SELECT substr(r.created_at, 1, 10)
          FROM order_lines l JOIN refunds r ON r.connection_id = l.connection_id AND r.order_id = l.order_id
          WHERE l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id) x
    JOIN connections c ON c.id = NEW.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = x.day);
END;

-- ---- ad rows: their date is already the reporting day -----------------------

CREATE TRIGGER rollup_ads_ins AFTER INSERT ON ad_days BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'local_day', NEW.date FROM connections c
    WHERE c.id = NEW.connection_id
      AND NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'local_day' AND d.day = NEW.date);
END;

CREATE TRIGGER rollup_ads_upd AFTER UPDATE ON ad_days BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'local_day', x.day
    FROM (SELECT OLD.date AS day UNION SELECT NEW.date) x JOIN connections c ON c.id = NEW.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'local_day' AND d.day = x.day);
END;

-- ---- shipments and activities: their UTC day, before and after -------------

CREATE TRIGGER rollup_shipments_ins AFTER INSERT ON shipments BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.created_at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
      AND NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = substr(NEW.created_at, 1, 10));
END;

CREATE TRIGGER rollup_shipments_upd AFTER UPDATE ON shipments BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'utc_day', x.day
    FROM (SELECT substr(OLD.created_at, 1, 10) AS day UNION SELECT substr(NEW.created_at, 1, 10)) x
    JOIN connections c ON c.id = NEW.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = x.day);
END;

CREATE TRIGGER rollup_activities_ins AFTER INSERT ON activities BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
      AND NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = substr(NEW.at, 1, 10));
END;

CREATE TRIGGER rollup_activities_upd AFTER UPDATE ON activities BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT DISTINCT c.workspace_id, 'utc_day', x.day
    FROM (SELECT substr(OLD.at, 1, 10) AS day UNION SELECT substr(NEW.at, 1, 10)) x
    JOIN connections c ON c.id = NEW.connection_id
    WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = c.workspace_id
                      AND d.kind = 'utc_day' AND d.day = x.day);
END;

-- ---- settings the figures depend on: every day -------------------------------

CREATE TRIGGER rollup_workspace_settings AFTER UPDATE OF timezone, default_cogs_percent,
    payment_fee_percent, payment_fee_fixed ON workspaces
WHEN OLD.timezone IS NOT NEW.timezone
  OR OLD.default_cogs_percent IS NOT NEW.default_cogs_percent
  OR OLD.payment_fee_percent IS NOT NEW.payment_fee_percent
  OR OLD.payment_fee_fixed IS NOT NEW.payment_fee_fixed BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT NEW.id, 'all', '' WHERE NOT EXISTS
        (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = NEW.id AND d.kind = 'all');
END;

CREATE TRIGGER rollup_expenses_ins AFTER INSERT ON recurring_expenses BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT NEW.workspace_id, 'all', '' WHERE NOT EXISTS
        (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = NEW.workspace_id AND d.kind = 'all');
END;

CREATE TRIGGER rollup_expenses_upd AFTER UPDATE ON recurring_expenses BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT NEW.workspace_id, 'all', '' WHERE NOT EXISTS
        (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = NEW.workspace_id AND d.kind = 'all');
END;

CREATE TRIGGER rollup_expenses_del AFTER DELETE ON recurring_expenses BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT OLD.workspace_id, 'all', '' WHERE NOT EXISTS
        (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = OLD.workspace_id AND d.kind = 'all');
END;

CREATE TRIGGER rollup_connections_del AFTER DELETE ON connections BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT OLD.workspace_id, 'all', '' WHERE NOT EXISTS
        (SELECT 1 FROM rollup_dirty d WHERE d.workspace_id = OLD.workspace_id AND d.kind = 'all');
END;
