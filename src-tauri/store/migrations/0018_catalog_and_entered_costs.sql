-- Version 18: what the Costs and Products pages need.
--
-- * variant_costs keeps what names a variant beside its cost: SKU, title,
--   price, and its product's id and title. The stream that fills it starts
--   again from the beginning once, so variants stored before get theirs.
-- * entered_costs holds the unit costs a person entered, per workspace and
--   variant, each from a local day on ('' = from the beginning). An order
--   takes the one in force on its day (metrics.md, Costs). Writes mark the
--   days they change from the store's own code, in the same transaction.

ALTER TABLE variant_costs ADD COLUMN sku TEXT;
ALTER TABLE variant_costs ADD COLUMN title TEXT;
ALTER TABLE variant_costs ADD COLUMN price TEXT;
ALTER TABLE variant_costs ADD COLUMN product_id TEXT;
ALTER TABLE variant_costs ADD COLUMN product TEXT;

CREATE INDEX variant_costs_by_sku ON variant_costs (sku) WHERE sku IS NOT NULL;

DELETE FROM stream_cursors WHERE stream IN ('variants', 'variant_costs');

CREATE TABLE entered_costs (
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    variant_id     TEXT NOT NULL,
    effective_from TEXT NOT NULL DEFAULT '',     -- YYYY-MM-DD local day, or ''
    unit_cost      TEXT NOT NULL,                -- decimal as text, exact
    entered_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (workspace_id, variant_id, effective_from)
) STRICT, WITHOUT ROWID;
