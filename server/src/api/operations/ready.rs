use actix_web::{get, web};

use super::HealthStatus;
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::AppState;
use crate::error::ErrorCode;

/// Readiness
///
/// Answers 200 when the database is reachable and 503 when it is not; for a readiness probe.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database is reachable", body = HealthStatus),
        (status = 503, description = "The database is not reachable"),
    ),
)]
#[get("/readyz")]
pub async fn get_readiness(state: web::Data<AppState>) -> ApiResult<web::Json<HealthStatus>> {
    match crate::service::health::database_reachable(&state.db).await {
        Ok(()) => Ok(web::Json(HealthStatus {
            status: "ok".into(),
        })),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            Err(ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::DatabaseUnavailable,
                "the database is not reachable",
            ))
        }
    }
}
