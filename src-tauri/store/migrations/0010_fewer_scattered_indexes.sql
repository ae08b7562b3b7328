-- Version 10: drop the two indexes a backfill paid most for.
--
-- A page of orders writes each row into every index of its table, and two of
-- them take their keys in no order the page has: `order_lines_by_variant` (a
-- line's variant) and `orders_by_legacy_id` (an order's numeric id, as text).
-- Measured on a 100,000-order bulk backfill, their scattered inserts were
-- about 40% of the time spent storing the pages.
--
-- * An order's numeric id is the last part of its Shopify GID
--   (gid://shopify/Order/<id>), so a shipment's reference is looked up in the
--   orders' primary key instead (`Store::shipments`).
-- * The days a variant's cost touches were found through the variant index,
--   by the triggers on variant_costs, once per row. `apply_page` now pauses
--   those triggers for its connection (as migration 9 does for orders) and
--   marks the days of the page's changed variants with one pass over the
--   connection's lines. The triggers stay for any other writer.

DROP INDEX orders_by_legacy_id;
DROP INDEX order_lines_by_variant;

DROP TRIGGER rollup_costs_ins;
DROP TRIGGER rollup_costs_upd;

CREATE TRIGGER rollup_costs_ins AFTER INSERT ON variant_costs
WHEN NOT EXISTS (SELECT 1 FROM rollup_marks_paused p WHERE p.connection_id = NEW.connection_id) BEGIN
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
WHEN OLD.unit_cost IS NOT NEW.unit_cost
 AND NOT EXISTS (SELECT 1 FROM rollup_marks_paused p WHERE p.connection_id = NEW.connection_id) BEGIN
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
