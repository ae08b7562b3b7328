-- Version 9: a page of orders marks its days once, not once per row.
--
-- The INSERT triggers of orders and refunds cost a backfill about a quarter of
-- its write time: two statements per order, one per refund. `apply_page` now
-- pauses them for its connection while it writes a page, and marks the same
-- days itself with one statement per distinct day and per customer (see
-- `store::records`). A pause is a row in `rollup_marks_paused` that the page's
-- transaction inserts and deletes before it commits, so it is never seen
-- outside that transaction, and a crash cannot leave marks paused. Every other
-- writer, and the UPDATE and DELETE triggers, mark as before.

CREATE TABLE rollup_marks_paused (
    connection_id INTEGER PRIMARY KEY
) STRICT;

DROP TRIGGER rollup_orders_ins;
DROP TRIGGER rollup_refunds_ins;

CREATE TRIGGER rollup_orders_ins AFTER INSERT ON orders
WHEN NOT EXISTS (SELECT 1 FROM rollup_marks_paused p WHERE p.connection_id = NEW.connection_id) BEGIN
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

CREATE TRIGGER rollup_refunds_ins AFTER INSERT ON refunds
WHEN NOT EXISTS (SELECT 1 FROM rollup_marks_paused p WHERE p.connection_id = NEW.connection_id) BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.created_at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;
