CREATE TABLE provisioning_tasks (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    operator_id TEXT NOT NULL,
    operator_name TEXT,
    emailed_to TEXT,
    start_date DATE NOT NULL,
    stop_date DATE NOT NULL,
    token_type TEXT NOT NULL,
    count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,
    removed_by TEXT
);
CREATE INDEX provisioning_tasks_operator ON provisioning_tasks (operator_id, number);

CREATE TABLE task_entries (
    id TEXT PRIMARY KEY NOT NULL,
    task_number BIGINT NOT NULL REFERENCES provisioning_tasks (number),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_type TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    stop_date DATE NOT NULL,
    emailed_to TEXT,
    serial TEXT,
    sealed_totp_key TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    canceled_at TIMESTAMP,
    CHECK (status IN ('active', 'completed', 'locked', 'expired', 'canceled'))
);
CREATE INDEX task_entries_task ON task_entries (task_number, id);
CREATE INDEX task_entries_task_status ON task_entries (task_number, status, stop_date);
CREATE INDEX task_entries_user ON task_entries (user_id, status);
CREATE INDEX task_entries_sweep ON task_entries (status, stop_date);

CREATE TABLE idempotency_keys (
    key TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (key, operator_id, operation)
);
