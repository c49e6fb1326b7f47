//! The rules: scope checks, validation, and one transaction per change (state + audit row).

pub mod actor;
pub mod app_registrations;
pub mod audit;
pub mod challenges;
pub mod codes;
pub mod deps;
pub mod enrollments;
pub mod health;
pub mod idempotency;
pub mod identity_services;
pub mod mutation;
pub mod notification_templates;
pub mod notifications;
pub mod notify;
pub mod outbox_relay;
pub mod page;
pub mod provisioning_create;
pub mod provisioning_edits;
pub mod provisioning_report;
pub mod provisioning_sweep;
pub mod provisioning_task_users;
pub mod provisioning_tasks;
pub mod public_limits;
pub mod purge;
pub mod refusals;
pub mod registration_sessions;
pub mod self_enrollment;
pub mod settings;
pub mod templates;
pub mod users;
pub mod validate;
pub mod verification;

pub use actor::Actor;
pub use deps::Deps;
pub use mutation::{GROUP, in_groups, transaction, with_outbox, write};

/// Who is calling and which request this is.
#[derive(Debug, Clone)]
pub struct Context {
    /// Who acts: the verified operator, or the user on a self-service path.
    pub actor: Actor,
    /// The request id (also `X-Request-Id` and the problem `instance`).
    pub request_id: String,
    /// The operation being carried out (its OpenAPI operationId), recorded as the audit action.
    pub operation_id: &'static str,
}
