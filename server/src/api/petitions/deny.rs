use actix_web::{post, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{DecidePetition, Petition};
use crate::model::users::DryRunQuery;
use crate::service::{Context, petitions};

/// Deny a petition
///
/// Denies a petition that is still open (pending confirmation or approval); the petitioner is
/// emailed with the comment and the link stops working. A decided petition answers 409
/// `petition_decided`.
#[utoipa::path(
    tag = "petitions",
    params(("id" = String, Path, description = "The petition id"), DryRunQuery),
    request_body = DecidePetition,
    responses(
        (status = 200, description = "The denied petition (or what it would be, in a dry run)", body = Petition),
        (status = 409, description = "The petition is decided already"),
    ),
    security(("bearer" = ["petitions:approve"])),
)]
#[post("/petitions/{id}/deny")]
pub async fn deny_petition(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<DecidePetition>,
) -> ApiResult<web::Json<Petition>> {
    let mode = crate::api::extract::dry_run_of(query);
    Ok(web::Json(
        petitions::deny(&state, &ctx, id.into_inner(), body.0, mode).await?,
    ))
}
