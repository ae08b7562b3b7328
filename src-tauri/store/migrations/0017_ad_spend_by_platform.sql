-- Version 17: the daily rollups keep ad spend by platform (`ad_spend_meta`,
-- `ad_spend_google`, which sum to `ad_spend`) for the P&L. A stored day from
-- before this version has neither, so every workspace is recomputed once.

INSERT INTO rollup_dirty (workspace_id, kind, day)
SELECT id, 'all', '' FROM workspaces WHERE true
ON CONFLICT DO NOTHING;
