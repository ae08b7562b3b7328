-- Version 20: orders and refunds are marked for the rollups by the code that
-- stores them, not by INSERT triggers.
--
-- Since version 9 the INSERT triggers of orders and refunds were paused for
-- every page (`store::records::orders` marks a page's days itself), and no
-- other code inserts orders or refunds. Paused, they still cost: a table with
-- a trigger makes every INSERT a statement that may change several rows, so
-- SQLite opened a statement journal for each order and copied the pages it
-- touched into it, and it set up the trigger's frame only to find the pause.
-- A 50,000-order backfill spent about a tenth of its instructions there
-- (callgrind, the Shopify bench, 2026-12-07). The UPDATE and DELETE triggers
-- stay: they mark the days an edited or removed order leaves.

DROP TRIGGER rollup_orders_ins;
DROP TRIGGER rollup_refunds_ins;
