use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::{CreateUser, DryRunQuery, User};
use crate::service::{Context, users};

/// Create a user
///
/// Adds a person to the directory. The username is unique (case-insensitive, stored in lower case);
/// the email must be a plain address and the phone an E.164 number. With `dry_run=true` the user is
/// checked and the answer shows what would be created, but nothing is stored.
#[utoipa::path(
    tag = "users",
    params(
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = CreateUser,
    responses(
        (status = 201, description = "The user was created", body = User,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 200, description = "A dry run: the user that would be created; nothing was stored", body = User),
        (status = 409, description = "A user with this username exists"),
    ),
    security(("bearer" = ["users:write"])),
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    ctx: Context,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CreateUser>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let created = users::create(&state, &ctx, body.0, mode).await?;
    if dry_run {
        return Ok(HttpResponse::Ok().json(created.value.user));
    }
    let mut response = HttpResponse::Created();
    if created.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(super::with_etag(response, created.value))
}
