use actix_web::{HttpResponse, patch, web};

use crate::api::extract::{ApiJson, ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollment_flows::{EnrollmentFlow, UpdateEnrollmentFlow};
use crate::model::users::DryRunQuery;
use crate::service::{Context, enrollment_flows};

/// Change an enrollment flow
///
/// Each field present replaces the stored one (`sources` replaces the whole list); the name stays.
/// The result is checked as a whole, so changing `authorization` away from `administrator` is
/// refused while a `select` source is attached. Send the `ETag` you read as `If-Match` to refuse
/// the change (412) when someone else changed the flow first.
#[utoipa::path(
    tag = "enrollment-flows",
    params(
        ("flow" = String, Path, description = "The flow's id or name", example = "staff-onboarding"),
        ("If-Match" = Option<String>, Header, description = "Only change the flow if it still has this ETag"),
        DryRunQuery,
    ),
    request_body = UpdateEnrollmentFlow,
    responses(
        (status = 200, description = "The changed flow", body = EnrollmentFlow,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 412, description = "The flow changed since the `If-Match` version"),
    ),
    security(("bearer" = ["flows:write"])),
)]
#[patch("/enrollment-flows/{flow}")]
pub async fn update_enrollment_flow(
    state: web::Data<AppState>,
    ctx: Context,
    flow: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateEnrollmentFlow>,
) -> ApiResult<HttpResponse> {
    let mode = if_match.with(query);
    let changed = enrollment_flows::update(&state, &ctx, flow.into_inner(), body.0, mode).await?;
    Ok(super::with_etag(HttpResponse::Ok(), changed))
}
