//! `/v1/reports`.

pub mod provisioning_tasks;
