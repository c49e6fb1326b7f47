use actix_web::{get, web};

use super::HealthStatus;

/// Liveness
///
/// Answers 200 while the process runs; for a load balancer's or orchestrator's liveness probe.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is alive", body = HealthStatus)))]
#[get("/healthz")]
pub async fn get_health() -> web::Json<HealthStatus> {
    web::Json(HealthStatus {
        status: "ok".into(),
    })
}
