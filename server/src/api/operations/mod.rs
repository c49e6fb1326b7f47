//! Health, readiness, metrics and the API document itself.

pub mod health;
pub mod metrics;
pub mod openapi;
pub mod ready;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A health answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    /// `ok` when healthy.
    pub status: String,
}
