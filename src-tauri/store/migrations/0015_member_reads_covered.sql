-- One member's activities are read for every goal question and the
-- leaderboard: kind, time and talk time by member and time. Migration 13's
-- index found the rows but each one was then looked up in the table; this
-- one holds the columns read, so the read never leaves the index.

DROP INDEX activities_by_member;
CREATE INDEX activities_by_member ON activities (connection_id, member, at, kind, talk_time_s);
