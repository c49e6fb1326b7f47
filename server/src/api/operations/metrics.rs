use actix_web::{HttpResponse, get, web};

use crate::api::state::AppState;

/// Metrics
///
/// Request counts and latency histograms by operation and status, in the Prometheus text format.
/// Public by default; with `metrics_require_token = true` (`ENROLLD_METRICS_REQUIRE_TOKEN`) it needs a
/// bearer token with the `metrics:read` scope.
#[utoipa::path(
    tag = "operations",
    security((), ("bearer" = ["metrics:read"])),
    responses(
        (status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain"),
    ),
)]
#[get("/metrics")]
pub async fn get_metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
