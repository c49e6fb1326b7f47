use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollment_flows::{CreateEnrollmentFlow, EnrollmentFlow};
use crate::model::users::DryRunQuery;
use crate::service::{Context, enrollment_flows};

/// Create an enrollment flow
///
/// Configures a path by which people petition to join: who may start it (`self_signup` at the
/// public page `/join/{name}`, an `invitation` sent by an operator, or an `administrator` acting for
/// the person), whether approval is required, how the email address is verified, how long links
/// work, what finalizing starts, and the identity sources consulted with their modes. `select`
/// sources are refused outside administrator flows; `verify_family_name` applies to `search` and
/// `search_required` only.
#[utoipa::path(
    tag = "enrollment-flows",
    params(
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = CreateEnrollmentFlow,
    responses(
        (status = 201, description = "The flow was created", body = EnrollmentFlow,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 200, description = "A dry run: the flow that would be created; nothing was stored", body = EnrollmentFlow),
        (status = 409, description = "A flow with this name exists"),
    ),
    security(("bearer" = ["flows:write"])),
)]
#[post("/enrollment-flows")]
pub async fn create_enrollment_flow(
    state: web::Data<AppState>,
    ctx: Context,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CreateEnrollmentFlow>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let created = enrollment_flows::create(&state, &ctx, body.0, mode).await?;
    if dry_run {
        return Ok(HttpResponse::Ok().json(created.value.flow));
    }
    let mut response = HttpResponse::Created();
    if created.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(super::with_etag(response, created.value))
}
