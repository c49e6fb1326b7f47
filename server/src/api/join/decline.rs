use actix_web::{post, web};

use crate::api::extract::{ApiJson, PublicRequest};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{JoinSecret, JoinView};
use crate::service::petitions;

/// Decline a petition
///
/// Called from the `/join` page: the person declines the invitation (or a self-signup someone else
/// started with their address). The petition ends `declined` and the link stops working.
///
/// No `dry_run`: it is the person's own final choice, which the page asks them to confirm first.
#[utoipa::path(
    tag = "join",
    request_body = JoinSecret,
    responses(
        (status = 200, description = "Declined", body = JoinView),
        (status = 422, description = "The link does not work"),
        (status = 429, description = "Too many secrets that are not genuine from this client address; see `Retry-After`"),
    ),
)]
#[post("/join/decline")]
pub async fn decline_join(
    state: web::Data<AppState>,
    request: PublicRequest,
    body: ApiJson<JoinSecret>,
) -> ApiResult<web::Json<JoinView>> {
    let origin = super::origin(request);
    Ok(web::Json(
        petitions::decline(&state, origin, body.0.secret).await?,
    ))
}
