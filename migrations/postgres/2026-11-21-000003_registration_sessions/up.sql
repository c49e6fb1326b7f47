CREATE TABLE registration_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT,
    expires_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP,
    removed_at TIMESTAMP,
    removed_by TEXT,
    enrollment_id TEXT
);
CREATE INDEX registration_sessions_user ON registration_sessions (user_id, status);
CREATE INDEX registration_sessions_status ON registration_sessions (status, id);
