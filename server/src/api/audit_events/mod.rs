//! `/v1/audit-events`: the audit log.

pub mod list;
