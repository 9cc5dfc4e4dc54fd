-- Better Together, schema version 16: fewer pages written per check-in save (issue #11 §3).
-- Every index on a table a save writes costs the save's commit a page (or more) of the log and its
-- sync. Four such indexes serve no read:
-- - `engagement_scores` is written on every check-in and read by no query of this device; its
--   person's rows are still found through UNIQUE (user_id, score_date), of which
--   `idx_engagement_scores_user` was a prefix; nothing looks its rows up by day alone.
-- - `analytics_events` (one row per recorded action): "Your data" reads a person's events by time
--   and the report reads them by time (`idx_analytics_events_created`), a session's close counts
--   them by session (`idx_analytics_events_session`); nothing filters by category alone, and on a
--   device nearly every event is the same person's, so the person's index only ever led to the
--   time index's rows the slow way.
-- Never edit this file once released: add a new migration instead.

DROP INDEX idx_engagement_scores_user;
DROP INDEX idx_engagement_scores_date;
DROP INDEX idx_analytics_events_user;
DROP INDEX idx_analytics_events_category;
