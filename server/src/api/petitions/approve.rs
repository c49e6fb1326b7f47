use actix_web::{post, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{DecidePetition, Petition};
use crate::model::users::DryRunQuery;
use crate::service::{Context, petitions};

/// Approve a petition
///
/// Approves a petition waiting for approval and finalizes it in the same transaction: the
/// directory user is created (or the existing one linked, when the flow links duplicates), the
/// linked identities handed to that user, the flow's follow-up started, and the petitioner emailed
/// with the comment. A petition that is not waiting for approval answers 409 `petition_decided`.
#[utoipa::path(
    tag = "petitions",
    params(("id" = String, Path, description = "The petition id"), DryRunQuery),
    request_body = DecidePetition,
    responses(
        (status = 200, description = "The finalized petition (or what it would be, in a dry run)", body = Petition),
        (status = 409, description = "The petition is not waiting for approval, or the follow-up cannot start (the username is taken, the user is enrolled already)"),
    ),
    security(("bearer" = ["petitions:approve"])),
)]
#[post("/petitions/{id}/approve")]
pub async fn approve_petition(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<DecidePetition>,
) -> ApiResult<web::Json<Petition>> {
    let mode = crate::api::extract::dry_run_of(query);
    Ok(web::Json(
        petitions::approve(&state, &ctx, id.into_inner(), body.0, mode).await?,
    ))
}
