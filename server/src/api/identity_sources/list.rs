use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_sources::{IdentitySourcePage, ListIdentitySourcesQuery};
use crate::service::{Context, identity_sources};

/// List identity sources
///
/// Pages through the configured identity sources in name order, optionally of one `kind`. Pass
/// `next_cursor` back as `cursor` for the next page.
#[utoipa::path(
    tag = "identity-sources",
    params(ListIdentitySourcesQuery),
    responses((status = 200, description = "A page of identity sources", body = IdentitySourcePage)),
    security(("bearer" = ["sources:read"])),
)]
#[get("/identity-sources")]
pub async fn list_identity_sources(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListIdentitySourcesQuery>,
) -> ApiResult<web::Json<IdentitySourcePage>> {
    Ok(web::Json(identity_sources::list(&state.db, query.0).await?))
}
