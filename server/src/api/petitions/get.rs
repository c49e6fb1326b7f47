use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::Petition;
use crate::service::{Context, petitions};

/// Get a petition
///
/// One petition with the identities linked from its flow's sources and its whole history (who did
/// what, when: invitation, confirmation, each source queried, links, eligibility failures,
/// decisions, notifications, finalizing).
#[utoipa::path(
    tag = "petitions",
    params(("id" = String, Path, description = "The petition id")),
    responses((status = 200, description = "The petition", body = Petition)),
    security(("bearer" = ["petitions:read"])),
)]
#[get("/petitions/{id}")]
pub async fn get_petition(
    state: web::Data<AppState>,
    _ctx: Context,
    id: web::Path<String>,
) -> ApiResult<web::Json<Petition>> {
    Ok(web::Json(petitions::get(&state, id.into_inner()).await?))
}
