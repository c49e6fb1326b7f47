use actix_web::{HttpResponse, post, web};

use crate::api::answer::done_or_previewed;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{CodeInput, Enrollment};
use crate::model::users::DryRunQuery;
use crate::service::mutation::Effect;
use crate::service::{Context, enrollment_challenges};

/// Verify an enrollment code
///
/// Checks the code the user read back and enrolls the address; the user is told at the directory
/// email. Wrong codes count (5 lock the challenge, also across resends); a code works once. With
/// `dry_run=true` everything but the code is checked (the challenge is this operator's and still open,
/// the user may be enrolled, the code has 6 digits) and nothing changes: the code itself is never
/// compared in a dry run, so a dry run spends no attempt and cannot be used to test codes.
#[utoipa::path(
    tag = "enrollments",
    params(("id" = String, Path, description = "The enrollment challenge id"), DryRunQuery),
    request_body = CodeInput,
    responses(
        (status = 201, description = "Enrolled", body = Enrollment),
        (status = 200, description = "A dry run: the enrollment that would be made; nothing was stored", body = Enrollment),
        (status = 409, description = "The code was already used, or the user is already enrolled"),
    ),
    security(("bearer" = ["enrollments:write"])),
)]
#[post("/enrollment-challenges/{id}/verify")]
pub async fn verify_enrollment_challenge(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CodeInput>,
) -> ApiResult<HttpResponse> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    let enrolled = enrollment_challenges::verify(
        &state,
        &ctx,
        id.into_inner(),
        body.0.code,
        Effect::of(dry_run),
    )
    .await?;
    Ok(done_or_previewed(dry_run, HttpResponse::Created()).json(enrolled))
}
