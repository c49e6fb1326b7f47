use actix_web::{post, web};

use crate::api::extract::{ApiJson, PublicRequest};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{ConfirmJoin, JoinView};
use crate::service::petitions;

/// Confirm the email address
///
/// Called from the `/join` page with the secret (and, under code verification, the emailed code;
/// and the names if the petition has none). Only then are the flow's identity sources consulted:
/// the answer shows where the petition went (denied, failed, duplicate, waiting for approval, or
/// finalized). If a source cannot be asked, the address stays confirmed and confirming again
/// retries. Five wrong codes fail the petition. Wrong, used, declined and expired links get the
/// same 422 `invalid_join_link`; a wrong code 422 `invalid_code`.
///
/// No `dry_run`: a code is checked once, and a check that counts nothing would be an oracle.
#[utoipa::path(
    tag = "join",
    request_body = ConfirmJoin,
    responses(
        (status = 200, description = "Where the petition went", body = JoinView),
        (status = 422, description = "The link or the code does not work, or the names are missing"),
        (status = 429, description = "Too many secrets that are not genuine from this client address; see `Retry-After`"),
    ),
)]
#[post("/join/confirm")]
pub async fn confirm_join(
    state: web::Data<AppState>,
    request: PublicRequest,
    body: ApiJson<ConfirmJoin>,
) -> ApiResult<web::Json<JoinView>> {
    let origin = super::origin(request);
    Ok(web::Json(petitions::confirm(&state, origin, body.0).await?))
}
