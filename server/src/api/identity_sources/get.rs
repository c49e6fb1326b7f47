use actix_web::{HttpResponse, get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_sources::IdentitySource;
use crate::service::{Context, identity_sources};

/// Get an identity source
///
/// Returns one source by id or name, with the mapping in use (defaults filled in) and an `ETag` to
/// send back in `If-Match` when changing it. Secrets are shown only as where they are read from.
#[utoipa::path(
    tag = "identity-sources",
    params(("source" = String, Path, description = "The source's id or name", example = "hr-ldap")),
    responses(
        (status = 200, description = "The source", body = IdentitySource,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
    ),
    security(("bearer" = ["sources:read"])),
)]
#[get("/identity-sources/{source}")]
pub async fn get_identity_source(
    state: web::Data<AppState>,
    _ctx: Context,
    source: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let found = identity_sources::get(&state.db, source.into_inner()).await?;
    Ok(super::with_etag(HttpResponse::Ok(), found))
}
