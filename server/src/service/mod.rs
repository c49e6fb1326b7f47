//! The rules: scope checks, validation, and one transaction per change (state + audit row).

pub mod actor;
pub mod app_registrations;
pub mod audit;
pub mod code_challenges;
pub mod deps;
pub mod enrollment_challenges;
pub mod enrollment_flows;
pub mod enrollments;
pub mod health;
pub mod idempotency;
pub mod identity_services;
pub mod identity_sources;
pub mod identity_verifications;
pub mod mutation;
pub mod notification_templates;
pub mod notifications;
pub mod page;
pub mod petitions;
pub mod provisioning_tasks;
pub mod public_limits;
pub mod purge;
pub mod refusals;
pub mod registration_sessions;
pub mod self_enrollment;
pub mod settings;
pub mod users;
pub mod validate;
pub mod versions;

pub use actor::Actor;
pub use deps::Deps;
pub use mutation::{Effect, GROUP, in_groups, transaction, with_outbox, write};

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
