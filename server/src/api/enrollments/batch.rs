use actix_web::{HttpResponse, post, web};

use crate::api::answer::replayable;
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{BatchEnroll, BatchEnrollResponse};
use crate::model::users::DryRunQuery;
use crate::service::{Context, enrollments};

/// Enroll users in a batch
///
/// For administrators: enrolls many users directly, without codes, recorded as enrolled by the
/// operator. Each item is checked on its own (user exists and is active, service exists and is on,
/// address fits the service, not already enrolled) and the answer is per item; failed items do not
/// stop the others. Each user is told at the directory email. Needs both `enrollments:write` and
/// `settings:write`. Items are stored in groups of 500, each group in its own transaction, in the
/// order given, so other requests are served while a large batch runs. If the request fails part-way
/// (503 when the database stayed busy, 500), the groups before the failure are stored and the rest
/// are not; sending the same batch again is safe (stored items come back as `error` with "already
/// enrolled").
#[utoipa::path(
    tag = "enrollments",
    params(
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = BatchEnroll,
    responses((status = 200, description = "What happened to each item", body = BatchEnrollResponse)),
    security(("bearer" = ["enrollments:write", "settings:write"])),
)]
#[post("/enrollments/batch")]
pub async fn create_enrollment_batch(
    state: web::Data<AppState>,
    ctx: Context,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<BatchEnroll, 32>,
) -> ApiResult<HttpResponse> {
    let answer = enrollments::batch(&state, &ctx, body.0, key.with(query)).await?;
    Ok(replayable(HttpResponse::Ok(), answer))
}
