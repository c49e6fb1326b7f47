-- The user view asks for one user's open entries: lead with user_id so the planner does not scan every
-- active entry through the sweep index.
DROP INDEX task_entries_user;
CREATE INDEX task_entries_user_open ON task_entries (user_id, status, stop_date);
