-- Each channel's relay reads only its own due messages: an index by channel, so a round for SMS never
-- walks the email messages that are waiting (and the other way round).
DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (status, channel, next_attempt_at);
