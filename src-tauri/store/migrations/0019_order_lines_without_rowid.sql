-- Version 19: order lines are kept in their primary key's order.
--
-- A line was a row of a rowid table found through its primary key's index:
-- two b-tree seeks per line read, and two b-trees written per line stored.
-- As a WITHOUT ROWID table the key is the table, so a range's lines come in
-- one walk beside their orders (the Products page reads a year of them) and
-- a backfill writes one b-tree. Same columns, same key, same foreign key.
--
-- legacy_alter_table: the rollup triggers of migration 10 name order_lines in
-- their bodies; the new table takes the name without SQLite re-checking them
-- while the old one is gone.

PRAGMA legacy_alter_table = ON;

CREATE TABLE order_lines_new (
    connection_id INTEGER NOT NULL,
    order_id      TEXT NOT NULL,
    line_id       TEXT NOT NULL,
    variant_id    TEXT,
    quantity      INTEGER NOT NULL,
    unit_price    TEXT NOT NULL,
    PRIMARY KEY (connection_id, order_id, line_id),
    FOREIGN KEY (connection_id, order_id) REFERENCES orders (connection_id, source_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

INSERT INTO order_lines_new (connection_id, order_id, line_id, variant_id, quantity, unit_price)
SELECT connection_id, order_id, line_id, variant_id, quantity, unit_price FROM order_lines;

DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;

PRAGMA legacy_alter_table = OFF;
