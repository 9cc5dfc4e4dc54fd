-- Better Together, schema version 7: an index the check-in save reads through. Every save refreshes
-- the day's engagement and the month's analytics, which count the couple's activities completed
-- on a day or in a month: without it each save read all of a couple's activities.
-- Never edit this file once released: add a new migration instead.
CREATE INDEX idx_activities_relationship_completed ON activities (relationship_id, completed_date);
