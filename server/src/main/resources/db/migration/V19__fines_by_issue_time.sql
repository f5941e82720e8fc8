-- GetFineAnalytics reads the fines issued within a time range, often of one jurisdiction and those
-- below it. The same SQL runs on PostgreSQL and H2.
CREATE INDEX fines_by_issue ON fines (issue_time, jurisdiction);
