CREATE TABLE enrollment_flows (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    authorization_kind TEXT NOT NULL,
    settings TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE flow_sources (
    flow_id TEXT NOT NULL REFERENCES enrollment_flows (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    source_id TEXT NOT NULL REFERENCES identity_sources (id),
    mode TEXT NOT NULL,
    verify_family_name BOOLEAN NOT NULL,
    PRIMARY KEY (flow_id, position)
);
CREATE INDEX flow_sources_source ON flow_sources (source_id);
CREATE TABLE petitions (
    id TEXT PRIMARY KEY NOT NULL,
    flow_id TEXT NOT NULL REFERENCES enrollment_flows (id),
    status TEXT NOT NULL,
    email TEXT NOT NULL,
    given_name TEXT,
    family_name TEXT,
    email_confirmed_at TIMESTAMP,
    code_hash TEXT,
    failed_attempts INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    link_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    decision_comment TEXT
);
CREATE INDEX petitions_status ON petitions (status, id);
CREATE INDEX petitions_flow ON petitions (flow_id, id);
CREATE TABLE petition_history (
    id TEXT PRIMARY KEY NOT NULL,
    petition_id TEXT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_name TEXT,
    detail TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX petition_history_petition ON petition_history (petition_id, id);
CREATE TABLE org_identities (
    id TEXT PRIMARY KEY NOT NULL,
    source_id TEXT NOT NULL REFERENCES identity_sources (id),
    source_key TEXT NOT NULL,
    petition_id TEXT REFERENCES petitions (id) ON DELETE SET NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    enrollee BOOLEAN NOT NULL,
    given_name TEXT,
    family_name TEXT,
    emails TEXT NOT NULL,
    attributes TEXT NOT NULL,
    fetched_at TIMESTAMP NOT NULL,
    UNIQUE (source_id, source_key)
);
CREATE INDEX org_identities_user ON org_identities (user_id);
CREATE INDEX org_identities_petition ON org_identities (petition_id);
