use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{ListPetitionsQuery, PetitionPage};
use crate::service::{Context, petitions};

/// List petitions
///
/// Pages through petitions, newest first; `status=pending_approval` is the approvers' queue. Items
/// leave out histories and identities: get one petition for those. Pass `next_cursor` back as
/// `cursor` for the next page.
#[utoipa::path(
    tag = "petitions",
    params(ListPetitionsQuery),
    responses((status = 200, description = "A page of petitions", body = PetitionPage)),
    security(("bearer" = ["petitions:read"])),
)]
#[get("/petitions")]
pub async fn list_petitions(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListPetitionsQuery>,
) -> ApiResult<web::Json<PetitionPage>> {
    Ok(web::Json(petitions::list(&state, query.0).await?))
}
