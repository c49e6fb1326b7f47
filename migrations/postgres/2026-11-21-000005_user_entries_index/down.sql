DROP INDEX task_entries_user_open;
CREATE INDEX task_entries_user ON task_entries (user_id, status);
