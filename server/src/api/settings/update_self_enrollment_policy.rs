use actix_web::{HttpResponse, put, web};

use crate::api::answer::tagged;
use crate::api::extract::{ApiJson, ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::SelfEnrollmentPolicy;
use crate::model::users::DryRunQuery;
use crate::service::{Context, settings};

/// Change the self-enrollment policy
///
/// Sets `validity_days` (1–365) and `max_attempts` (1–20) for new tasks and resends. Send the `ETag`
/// you read as `If-Match` to refuse the change (412) when someone changed the policy first.
#[utoipa::path(
    tag = "settings",
    params(
        DryRunQuery,
        ("If-Match" = Option<String>, Header, description = "Only change the policy if it still has this ETag"),
    ),
    request_body = SelfEnrollmentPolicy,
    responses(
        (status = 200, description = "The policy now in force (a dry run: the policy that would be)", body = SelfEnrollmentPolicy,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 412, description = "The policy changed since the `If-Match` version"),
    ),
    security(("bearer" = ["settings:write"])),
)]
#[put("/settings/self-enrollment-policy")]
pub async fn update_self_enrollment_policy(
    state: web::Data<AppState>,
    ctx: Context,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<SelfEnrollmentPolicy>,
) -> ApiResult<HttpResponse> {
    let mode = if_match.with(query);
    let now = state.clock.now();
    let policy =
        settings::update_self_enrollment_policy(&state.db, &ctx, now, body.0, mode).await?;
    Ok(tagged(HttpResponse::Ok(), &policy))
}
