use actix_web::{post, web};

use crate::api::extract::ApiJson;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{ConfirmPetition, Petition};
use crate::service::{Context, petitions};

/// Confirm a petition's email address with the code
///
/// Administrator flows with code verification: the person reads the emailed code back to the
/// administrator, who sends it here. Then the flow's sources are consulted and the petition moves
/// on (denied, failed, duplicate, waiting for approval, or finalized). Five wrong codes fail the
/// petition.
///
/// No `dry_run`: a code is checked once, and a check that counts nothing would be an oracle.
#[utoipa::path(
    tag = "petitions",
    params(("id" = String, Path, description = "The petition id")),
    request_body = ConfirmPetition,
    responses(
        (status = 200, description = "The petition after the sources were consulted", body = Petition),
        (status = 409, description = "The petition is not waiting for confirmation, or its link expired"),
        (status = 422, description = "The code is wrong (`invalid_code`, with the attempts left)"),
    ),
    security(("bearer" = ["petitions:approve"])),
)]
#[post("/petitions/{id}/confirm")]
pub async fn confirm_petition(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    body: ApiJson<ConfirmPetition>,
) -> ApiResult<web::Json<Petition>> {
    Ok(web::Json(
        petitions::confirm_for(&state, &ctx, id.into_inner(), body.0).await?,
    ))
}
