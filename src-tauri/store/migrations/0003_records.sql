-- Version 3: the synced records the metrics are computed from. Every row
-- belongs to the connection it came from and is keyed by the source's own id,
-- so a re-read upserts instead of duplicating.

CREATE TABLE orders (
    connection_id        INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_id            TEXT NOT NULL,
    processed_at         TEXT,                     -- RFC 3339 UTC
    created_at           TEXT NOT NULL,
    test                 INTEGER NOT NULL CHECK (test IN (0, 1)),
    voided               INTEGER NOT NULL CHECK (voided IN (0, 1)),
    customer_id          TEXT,
    customer_order_count INTEGER,
    discounts            TEXT NOT NULL,            -- decimals as text, exact
    shipping             TEXT NOT NULL,
    taxes                TEXT NOT NULL,
    PRIMARY KEY (connection_id, source_id)
) STRICT;

CREATE INDEX orders_by_customer ON orders (connection_id, customer_id);

CREATE TABLE order_lines (
    connection_id INTEGER NOT NULL,
    order_id      TEXT NOT NULL,
    line_id       TEXT NOT NULL,
    variant_id    TEXT,
    quantity      INTEGER NOT NULL,
    unit_price    TEXT NOT NULL,
    PRIMARY KEY (connection_id, order_id, line_id),
    FOREIGN KEY (connection_id, order_id) REFERENCES orders (connection_id, source_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE refunds (
    connection_id INTEGER NOT NULL,
    order_id      TEXT NOT NULL,
    refund_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    shipping      TEXT NOT NULL,
    PRIMARY KEY (connection_id, order_id, refund_id),
    FOREIGN KEY (connection_id, order_id) REFERENCES orders (connection_id, source_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE refund_lines (
    connection_id INTEGER NOT NULL,
    order_id      TEXT NOT NULL,
    refund_id     TEXT NOT NULL,
    line_id       TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    subtotal      TEXT NOT NULL,
    PRIMARY KEY (connection_id, order_id, refund_id, line_id),
    FOREIGN KEY (connection_id, order_id, refund_id)
        REFERENCES refunds (connection_id, order_id, refund_id) ON DELETE CASCADE
) STRICT;

-- Costs the shop knows (Shopify inventory item unitCost), per variant.
CREATE TABLE variant_costs (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    variant_id    TEXT NOT NULL,
    unit_cost     TEXT,                            -- NULL = the shop has none
    PRIMARY KEY (connection_id, variant_id)
) STRICT;

CREATE TABLE ad_days (
    connection_id  INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    platform       TEXT NOT NULL CHECK (platform IN ('meta', 'google')),
    campaign_id    TEXT NOT NULL,
    date           TEXT NOT NULL,                  -- YYYY-MM-DD as the platform reports it
    spend          TEXT NOT NULL,
    impressions    INTEGER NOT NULL,
    clicks         INTEGER NOT NULL,
    reach          INTEGER NOT NULL,
    purchases      TEXT NOT NULL,
    purchase_value TEXT NOT NULL,
    PRIMARY KEY (connection_id, campaign_id, date)
) STRICT;

CREATE TABLE shipments (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('delivered', 'in_transit', 'rto', 'ndr', 'other')),
    freight       TEXT NOT NULL,
    PRIMARY KEY (connection_id, source_id)
) STRICT;

CREATE TABLE activities (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_id     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('email', 'crm_call', 'lead', 'call_answered', 'call_missed')),
    at            TEXT NOT NULL,
    talk_time_s   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (connection_id, source_id)
) STRICT;
