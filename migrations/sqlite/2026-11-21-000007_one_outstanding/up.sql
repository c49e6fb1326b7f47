-- At most one pending registration session per user and one active provisioning entry per user and
-- token type, enforced by the database so that parallel creates cannot both pass the check. A
-- pending session past its expiry is stored as 'expired' by the server before a new one is made.
-- Older duplicates (none are expected) are retired first; ids are time-ordered (UUIDv7).
UPDATE registration_sessions SET status = 'removed', removed_at = created_at, removed_by = 'migration'
WHERE status = 'pending'
  AND id NOT IN (SELECT MAX(id) FROM registration_sessions WHERE status = 'pending' GROUP BY user_id);
CREATE UNIQUE INDEX registration_sessions_one_pending ON registration_sessions (user_id)
WHERE status = 'pending';

UPDATE task_entries SET status = 'canceled', canceled_at = updated_at
WHERE status = 'active'
  AND id NOT IN (SELECT MAX(id) FROM task_entries WHERE status = 'active' GROUP BY user_id, token_type);
CREATE UNIQUE INDEX task_entries_one_active ON task_entries (user_id, token_type)
WHERE status = 'active';
