use actix_web::{post, web};

use crate::api::extract::{ApiJson, PublicRequest};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{JoinSecret, JoinView};
use crate::service::petitions;

/// See a petition by its link
///
/// Called from the `/join` page with the secret from the emailed link: what the page shows (the
/// flow, the masked address, whether to ask for the code and the names). The first look is
/// recorded in the petition's history (`invite_viewed`). Wrong, used, declined and expired links
/// get the same 422.
///
/// No `dry_run`: looking changes nothing but the history's first `invite_viewed`.
#[utoipa::path(
    tag = "join",
    request_body = JoinSecret,
    responses(
        (status = 200, description = "What to show", body = JoinView),
        (status = 422, description = "The link does not work"),
        (status = 429, description = "Too many secrets that are not genuine from this client address; see `Retry-After`"),
    ),
)]
#[post("/join/view")]
pub async fn view_join(
    state: web::Data<AppState>,
    request: PublicRequest,
    body: ApiJson<JoinSecret>,
) -> ApiResult<web::Json<JoinView>> {
    let origin = super::origin(request);
    Ok(web::Json(
        petitions::view(&state, origin, body.0.secret).await?,
    ))
}
