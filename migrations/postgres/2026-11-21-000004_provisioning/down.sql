DROP TABLE idempotency_keys;
DROP TABLE task_entries;
DROP TABLE provisioning_tasks;
