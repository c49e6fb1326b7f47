CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT
);

CREATE TABLE enrollments (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES identity_services (id),
    address TEXT NOT NULL,
    method TEXT NOT NULL,
    detail TEXT,
    enrolled_at TIMESTAMP NOT NULL,
    enrolled_by TEXT NOT NULL,
    enrolled_by_name TEXT,
    removed_at TIMESTAMP,
    removed_by TEXT
);
CREATE UNIQUE INDEX enrollments_active ON enrollments (user_id, service_id) WHERE removed_at IS NULL;
CREATE INDEX enrollments_user ON enrollments (user_id, enrolled_at);

CREATE TABLE challenges (
    id TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    operator_id TEXT NOT NULL,
    service_id TEXT,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    failed_attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    send_count INTEGER NOT NULL,
    last_sent_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP,
    verified_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX challenges_window ON challenges (user_id, operator_id, purpose, verified_until);

CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    template TEXT NOT NULL,
    sealed_content TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    not_after TIMESTAMP,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_user ON notifications (user_id, id);

CREATE TABLE notification_templates (
    service_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    event TEXT NOT NULL,
    subject TEXT,
    body_text TEXT NOT NULL,
    body_html TEXT,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (service_id, channel, event)
);
