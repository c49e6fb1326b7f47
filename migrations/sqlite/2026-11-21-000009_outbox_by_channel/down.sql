DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
