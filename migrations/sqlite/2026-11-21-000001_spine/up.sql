CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    given_name TEXT,
    family_name TEXT,
    email TEXT,
    phone TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'disabled')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_state ON users (state, username);

CREATE TABLE identity_services (
    id TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    agent_can_enroll BOOLEAN NOT NULL,
    removable BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT
);
INSERT INTO identity_services (id, display_name, enabled, agent_can_enroll, removable, updated_at) VALUES
    ('personal-email', 'Personal Email', 1, 1, 1, CURRENT_TIMESTAMP),
    ('mobile-code', 'Mobile Code (SMS)', 1, 1, 1, CURRENT_TIMESTAMP),
    ('mobile-app', 'Mobile App', 1, 1, 1, CURRENT_TIMESTAMP),
    ('software-token', 'Software Token', 1, 0, 1, CURRENT_TIMESTAMP);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_name TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    outcome TEXT NOT NULL,
    request_id TEXT,
    detail TEXT
);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_target ON audit_events (target_id, id);
CREATE INDEX audit_events_time ON audit_events (occurred_at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
