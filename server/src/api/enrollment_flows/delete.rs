use actix_web::{HttpResponse, delete, web};

use crate::api::extract::{ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::DryRunQuery;
use crate::service::{Context, enrollment_flows};

/// Delete an enrollment flow
///
/// Removes a flow that has no petitions (a flow with petitions keeps their history: switch it off
/// with `enabled: false`, 409 `flow_in_use` otherwise). Send the `ETag` you read as `If-Match` to
/// refuse the deletion (412) when the flow changed in between.
#[utoipa::path(
    tag = "enrollment-flows",
    params(
        ("flow" = String, Path, description = "The flow's id or name", example = "staff-onboarding"),
        ("If-Match" = Option<String>, Header, description = "Only delete the flow if it still has this ETag"),
        DryRunQuery,
    ),
    responses(
        (status = 204, description = "The flow was deleted (or would be, in a dry run)"),
        (status = 409, description = "The flow has petitions"),
        (status = 412, description = "The flow changed since the `If-Match` version"),
    ),
    security(("bearer" = ["flows:write"])),
)]
#[delete("/enrollment-flows/{flow}")]
pub async fn delete_enrollment_flow(
    state: web::Data<AppState>,
    ctx: Context,
    flow: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    enrollment_flows::delete(&state, &ctx, flow.into_inner(), if_match.with(query)).await?;
    Ok(HttpResponse::NoContent().finish())
}
