-- Version 6: what the Shopify and Shiprocket connectors keep beyond the
-- metrics' needs, so records can be matched and shown.
--
-- Orders keep Shopify's name ("#1001") and legacy numeric id beside the GID
-- (source_id); shipments keep their AWB, courier and the channel's order
-- reference, which links a shipment to its Shopify order by name or id.

ALTER TABLE orders ADD COLUMN name TEXT;
ALTER TABLE orders ADD COLUMN legacy_id TEXT;
CREATE INDEX orders_by_name ON orders (name);
CREATE INDEX orders_by_legacy_id ON orders (legacy_id);

ALTER TABLE shipments ADD COLUMN awb TEXT;
ALTER TABLE shipments ADD COLUMN courier TEXT;
ALTER TABLE shipments ADD COLUMN order_ref TEXT;

-- Whether a person chose the workspace's zone and currency. A workspace made
-- without them takes the Shopify shop's, once, when a shop is first seen.
ALTER TABLE workspaces ADD COLUMN timezone_chosen INTEGER NOT NULL DEFAULT 1 CHECK (timezone_chosen IN (0, 1));
ALTER TABLE workspaces ADD COLUMN currency_chosen INTEGER NOT NULL DEFAULT 1 CHECK (currency_chosen IN (0, 1));
