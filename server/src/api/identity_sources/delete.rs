use actix_web::{HttpResponse, delete, web};

use crate::api::extract::{ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::DryRunQuery;
use crate::service::{Context, identity_sources};

/// Delete an identity source
///
/// Removes a source that no enrollment flow uses and no identity is linked from (409
/// `source_in_use` otherwise: detach it from the flows first). Send the `ETag` you read as `If-Match` to refuse the deletion (412) when the
/// source changed in between.
#[utoipa::path(
    tag = "identity-sources",
    params(
        ("source" = String, Path, description = "The source's id or name", example = "hr-ldap"),
        ("If-Match" = Option<String>, Header, description = "Only delete the source if it still has this ETag"),
        DryRunQuery,
    ),
    responses(
        (status = 204, description = "The source was deleted (or would be, in a dry run)"),
        (status = 409, description = "The source is in use: attached to enrollment flows, or identities are linked from it (`source_in_use`)"),
        (status = 412, description = "The source changed since the `If-Match` version"),
    ),
    security(("bearer" = ["sources:write"])),
)]
#[delete("/identity-sources/{source}")]
pub async fn delete_identity_source(
    state: web::Data<AppState>,
    ctx: Context,
    source: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    identity_sources::delete(&state, &ctx, source.into_inner(), if_match.with(query)).await?;
    Ok(HttpResponse::NoContent().finish())
}
