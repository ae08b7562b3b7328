-- Version 8: cheaper marks of the days the rollups must recompute.
--
-- Version 4's triggers deduplicated each mark with NOT EXISTS over a UNION,
-- which makes SQLite build two temporary b-trees every time an order is
-- written; in a backfill of 100,000 orders that was a third of the write time.
-- Now a mark is unique by its key, and each trigger inserts with
-- ON CONFLICT DO NOTHING: a repeated mark costs one index probe and can never
-- make a sync's write fail (an upsert inside a trigger keeps its own conflict
-- handling, whatever statement fired the trigger). The days marked are the
-- same as before.

DROP TRIGGER rollup_orders_ins;
DROP TRIGGER rollup_orders_upd;
DROP TRIGGER rollup_orders_del;
DROP TRIGGER rollup_refunds_ins;
DROP TRIGGER rollup_refunds_del;
DROP TRIGGER rollup_costs_ins;
DROP TRIGGER rollup_costs_upd;
DROP TRIGGER rollup_ads_ins;
DROP TRIGGER rollup_ads_upd;
DROP TRIGGER rollup_shipments_ins;
DROP TRIGGER rollup_shipments_upd;
DROP TRIGGER rollup_activities_ins;
DROP TRIGGER rollup_activities_upd;
DROP TRIGGER rollup_workspace_settings;
DROP TRIGGER rollup_expenses_ins;
DROP TRIGGER rollup_expenses_upd;
DROP TRIGGER rollup_expenses_del;
DROP TRIGGER rollup_connections_del;

CREATE TABLE rollup_marks (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- Not `kind IN (...)`: SQLite checks a list of three or more through a
    -- temporary b-tree built for every row written.
    kind         TEXT NOT NULL CHECK (kind = 'utc_day' OR kind = 'local_day' OR kind = 'all'),
    day          TEXT NOT NULL,                    -- YYYY-MM-DD; '' for 'all'
    PRIMARY KEY (workspace_id, kind, day)
) STRICT, WITHOUT ROWID;

INSERT INTO rollup_marks (workspace_id, kind, day)
SELECT DISTINCT workspace_id, kind, day FROM rollup_dirty;
DROP TABLE rollup_dirty;
ALTER TABLE rollup_marks RENAME TO rollup_dirty;

-- ---- orders: the booked day, before and after, and the customer's first days
-- Of a customer's days only the first order's can change between new and
-- returning (metrics.md, Customers): on every later day the customer is
-- returning whatever else is stored. A write can make a different order the
-- first, or change whether the first is known (stored count against the
-- reported one), so the days of the customer's two earliest orders after the
-- write are marked (one after a delete), beside the order's own days before
-- and after: together they hold the first order's day before and after.
-- Version 4 marked every day of the customer, which cost a backfill one read
-- per stored order of the customer for each order written. The earliest
-- orders come from the index on (connection, customer, booked time).
-- An INSERT ... SELECT with an upsert needs a WHERE clause to parse; a
-- subquery in FROM would be materialised into a temporary b-tree, so the
-- earliest orders are read by ORDER BY ... LIMIT on the index directly.

CREATE TRIGGER rollup_orders_ins AFTER INSERT ON orders BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(NEW.processed_at, NEW.created_at), 1, 10)
    FROM connections c WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
    FROM connections c, orders o
    WHERE c.id = NEW.connection_id AND o.connection_id = NEW.connection_id AND o.customer_id = NEW.customer_id
    ORDER BY COALESCE(o.processed_at, o.created_at) LIMIT 2
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_orders_upd AFTER UPDATE ON orders BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(OLD.processed_at, OLD.created_at), 1, 10)
    FROM connections c WHERE c.id = OLD.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(NEW.processed_at, NEW.created_at), 1, 10)
    FROM connections c WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
    FROM connections c, orders o
    WHERE c.id = NEW.connection_id AND o.connection_id = NEW.connection_id AND o.customer_id = NEW.customer_id
    ORDER BY COALESCE(o.processed_at, o.created_at) LIMIT 2
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
    FROM connections c, orders o
    WHERE c.id = OLD.connection_id AND o.connection_id = OLD.connection_id AND o.customer_id = OLD.customer_id
      AND (OLD.customer_id IS NOT NEW.customer_id OR OLD.connection_id IS NOT NEW.connection_id)
    ORDER BY COALESCE(o.processed_at, o.created_at) LIMIT 2
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_orders_del AFTER DELETE ON orders BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(OLD.processed_at, OLD.created_at), 1, 10)
    FROM connections c WHERE c.id = OLD.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
    FROM connections c, orders o
    WHERE c.id = OLD.connection_id AND o.connection_id = OLD.connection_id AND o.customer_id = OLD.customer_id
    ORDER BY COALESCE(o.processed_at, o.created_at) LIMIT 1
    ON CONFLICT DO NOTHING;
END;

-- ---- refunds ----------------------------------------------------------------

CREATE TRIGGER rollup_refunds_ins AFTER INSERT ON refunds BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.created_at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_refunds_del AFTER DELETE ON refunds BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(OLD.created_at, 1, 10) FROM connections c
    WHERE c.id = OLD.connection_id
    ON CONFLICT DO NOTHING;
END;

-- ---- variant costs: every day with a line (or refunded line) of the variant -

CREATE TRIGGER rollup_costs_ins AFTER INSERT ON variant_costs BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
    FROM connections c, order_lines l JOIN orders o ON o.connection_id = l.connection_id AND o.source_id = l.order_id
    WHERE c.id = NEW.connection_id AND l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(r.created_at, 1, 10)
    FROM connections c, order_lines l JOIN refunds r ON r.connection_id = l.connection_id AND r.order_id = l.order_id
    WHERE c.id = NEW.connection_id AND l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_costs_upd AFTER UPDATE OF unit_cost ON variant_costs
WHEN OLD.unit_cost IS NOT NEW.unit_cost BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
    FROM connections c, order_lines l JOIN orders o ON o.connection_id = l.connection_id AND o.source_id = l.order_id
    WHERE c.id = NEW.connection_id AND l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(r.created_at, 1, 10)
    FROM connections c, order_lines l JOIN refunds r ON r.connection_id = l.connection_id AND r.order_id = l.order_id
    WHERE c.id = NEW.connection_id AND l.variant_id = NEW.variant_id AND l.connection_id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

-- ---- ad rows: their date is already the reporting day -----------------------

CREATE TRIGGER rollup_ads_ins AFTER INSERT ON ad_days BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'local_day', NEW.date FROM connections c WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_ads_upd AFTER UPDATE ON ad_days BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'local_day', OLD.date FROM connections c WHERE c.id = OLD.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'local_day', NEW.date FROM connections c WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

-- ---- shipments and activities: their UTC day, before and after -------------

CREATE TRIGGER rollup_shipments_ins AFTER INSERT ON shipments BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.created_at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_shipments_upd AFTER UPDATE ON shipments BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(OLD.created_at, 1, 10) FROM connections c
    WHERE c.id = OLD.connection_id
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.created_at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

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

-- ---- settings the figures depend on: every day -------------------------------

CREATE TRIGGER rollup_workspace_settings AFTER UPDATE OF timezone, default_cogs_percent,
    payment_fee_percent, payment_fee_fixed ON workspaces
WHEN OLD.timezone IS NOT NEW.timezone
  OR OLD.default_cogs_percent IS NOT NEW.default_cogs_percent
  OR OLD.payment_fee_percent IS NOT NEW.payment_fee_percent
  OR OLD.payment_fee_fixed IS NOT NEW.payment_fee_fixed BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (NEW.id, 'all', '')
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_expenses_ins AFTER INSERT ON recurring_expenses BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (NEW.workspace_id, 'all', '')
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_expenses_upd AFTER UPDATE ON recurring_expenses BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (NEW.workspace_id, 'all', '')
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_expenses_del AFTER DELETE ON recurring_expenses BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (OLD.workspace_id, 'all', '')
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER rollup_connections_del AFTER DELETE ON connections BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (OLD.workspace_id, 'all', '')
    ON CONFLICT DO NOTHING;
END;
