-- Version 7: a customer's orders by booked time, read from the index alone.
--
-- New-or-returning needs each customer's stored orders in booked order and
-- the counts the shop reported; the rollup triggers mark the days of those
-- orders. With the booked time and the count in the index, neither has to
-- visit the orders table, which is what made a large backfill slow down as
-- customers gathered orders.

DROP INDEX orders_by_customer;
CREATE INDEX orders_by_customer
    ON orders (connection_id, customer_id, COALESCE(processed_at, created_at), customer_order_count);
