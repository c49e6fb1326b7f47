use actix_web::{HttpResponse, patch, web};

use crate::api::extract::{ApiJson, ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_sources::{IdentitySource, UpdateIdentitySource};
use crate::model::users::DryRunQuery;
use crate::service::{Context, identity_sources};

/// Change an identity source
///
/// Each field present replaces the stored one whole (send the complete `ldap` object to change one
/// of its settings); the kind and name stay. Send the `ETag` you read as `If-Match` to refuse the
/// change (412) when someone else changed the source first.
#[utoipa::path(
    tag = "identity-sources",
    params(
        ("source" = String, Path, description = "The source's id or name", example = "hr-ldap"),
        ("If-Match" = Option<String>, Header, description = "Only change the source if it still has this ETag"),
        DryRunQuery,
    ),
    request_body = UpdateIdentitySource,
    responses(
        (status = 200, description = "The changed source", body = IdentitySource,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 412, description = "The source changed since the `If-Match` version"),
    ),
    security(("bearer" = ["sources:write"])),
)]
#[patch("/identity-sources/{source}")]
pub async fn update_identity_source(
    state: web::Data<AppState>,
    ctx: Context,
    source: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateIdentitySource>,
) -> ApiResult<HttpResponse> {
    let mode = if_match.with(query);
    let changed = identity_sources::update(&state, &ctx, source.into_inner(), body.0, mode).await?;
    Ok(super::with_etag(HttpResponse::Ok(), changed))
}
