use actix_web::{HttpResponse, get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollment_flows::EnrollmentFlow;
use crate::service::{Context, enrollment_flows};

/// Get an enrollment flow
///
/// Returns one flow by id or name, with its attached sources and an `ETag` to send back in
/// `If-Match` when changing it. Self-signup flows show the public page people start at.
#[utoipa::path(
    tag = "enrollment-flows",
    params(("flow" = String, Path, description = "The flow's id or name", example = "staff-onboarding")),
    responses(
        (status = 200, description = "The flow", body = EnrollmentFlow,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
    ),
    security(("bearer" = ["flows:read"])),
)]
#[get("/enrollment-flows/{flow}")]
pub async fn get_enrollment_flow(
    state: web::Data<AppState>,
    _ctx: Context,
    flow: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let found = enrollment_flows::get(&state.db, &state.public_url, flow.into_inner()).await?;
    Ok(super::with_etag(HttpResponse::Ok(), found))
}
