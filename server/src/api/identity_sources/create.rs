use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_sources::{CreateIdentitySource, IdentitySource};
use crate::model::users::DryRunQuery;
use crate::service::{Context, identity_sources};

/// Create an identity source
///
/// Configures a connector to a directory: `kind` is `ldap` (LDAP or Active Directory), `http_json`
/// or `file`, with the settings object of that kind. Secrets (the bind password, the bearer token)
/// are never sent here: name a file under the server's `source_files_dir` or a variable
/// `ENROLLD_SOURCE_*`, read when the source is used. `ldap://` and `http://` are refused unless
/// `starttls` (LDAP) or `plaintext` says how. Try it with `POST /v1/identity-sources/{source}/test`.
#[utoipa::path(
    tag = "identity-sources",
    params(
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = CreateIdentitySource,
    responses(
        (status = 201, description = "The source was created", body = IdentitySource,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 200, description = "A dry run: the source that would be created; nothing was stored", body = IdentitySource),
        (status = 409, description = "A source with this name exists"),
    ),
    security(("bearer" = ["sources:write"])),
)]
#[post("/identity-sources")]
pub async fn create_identity_source(
    state: web::Data<AppState>,
    ctx: Context,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CreateIdentitySource>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let created = identity_sources::create(&state, &ctx, body.0, mode).await?;
    if dry_run {
        return Ok(HttpResponse::Ok().json(created.value.source));
    }
    let mut response = HttpResponse::Created();
    if created.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(super::with_etag(response, created.value))
}
