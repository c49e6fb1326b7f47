use actix_web::{HttpResponse, post, web};

use crate::api::answer::replayable;
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::{DryRunQuery, ImportUsers, ImportUsersResult};
use crate::service::{Context, users};

/// Body size factor for imports: 32 times `max_body_bytes` (32 MiB by default, room for 100,000 rows).
const IMPORT_BODY_FACTOR: usize = 32;

/// Import users
///
/// Creates or updates many users (up to 50,000 per request), matched by username, and answers per
/// row: `created`, `updated`, `unchanged`, or `error` with the reasons. A failed row does not stop the
/// others. Rows are stored in groups of 500, each group in its own transaction, in the order given,
/// so other requests are served while a large import runs. If the request fails part-way (503 when the
/// database stayed busy, 500), the groups before the failure are stored and the rest are not; sending
/// the same import again is safe (stored rows come back `unchanged`). With `dry_run=true` nothing is
/// stored.
#[utoipa::path(
    tag = "users",
    params(
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = ImportUsers,
    responses((status = 200, description = "What happened to each row", body = ImportUsersResult)),
    security(("bearer" = ["users:write"])),
)]
#[post("/users/import")]
pub async fn import_users(
    state: web::Data<AppState>,
    ctx: Context,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<ImportUsers, IMPORT_BODY_FACTOR>,
) -> ApiResult<HttpResponse> {
    let answer = users::import(&state, &ctx, body.0, key.with(query)).await?;
    Ok(replayable(HttpResponse::Ok(), answer))
}
