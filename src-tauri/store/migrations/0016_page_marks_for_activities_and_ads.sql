-- A page of activities or of ad days marks its days once, not once per row
-- (as version 9 did for orders): `apply_page` pauses their INSERT triggers
-- for its connection while it writes the page, and marks the days of the
-- rows it inserted or changed itself, one statement per distinct day. A row
-- re-read unchanged (Copper's trailing month, Meta's and Google's re-read
-- windows, every sync) is not written at all, so it marks nothing; one that
-- changed still marks its old and new days through the UPDATE trigger, and
-- every other writer marks as before.

DROP TRIGGER rollup_activities_ins;

CREATE TRIGGER rollup_activities_ins AFTER INSERT ON activities
WHEN NOT EXISTS (SELECT 1 FROM rollup_marks_paused p WHERE p.connection_id = NEW.connection_id) BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'utc_day', substr(NEW.at, 1, 10) FROM connections c
    WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;

DROP TRIGGER rollup_ads_ins;

CREATE TRIGGER rollup_ads_ins AFTER INSERT ON ad_days
WHEN NOT EXISTS (SELECT 1 FROM rollup_marks_paused p WHERE p.connection_id = NEW.connection_id) BEGIN
    INSERT INTO rollup_dirty (workspace_id, kind, day)
    SELECT c.workspace_id, 'local_day', NEW.date FROM connections c WHERE c.id = NEW.connection_id
    ON CONFLICT DO NOTHING;
END;
