DROP INDEX task_entries_one_active;
DROP INDEX registration_sessions_one_pending;
UPDATE registration_sessions SET status = 'pending' WHERE status = 'expired';
