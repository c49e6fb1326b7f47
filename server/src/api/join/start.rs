use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, PublicRequest};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::{JoinStarted, StartJoin};
use crate::service::petitions;

/// Start a self-signup
///
/// Called from the public page `/join/{flow}` of a self-signup flow (no operator token): the
/// person gives an email address and names, and a message goes to that address: a link to open
/// (link verification) or a code (code verification; this answer then carries the secret the page
/// confirms with, useless without the code). The answer is the same whatever the address. Limited
/// per client address and per email address (429 with `Retry-After`).
///
/// No `dry_run`: the step's effect is the message to the address, and a preview would let anyone
/// probe the flow without spending the limits.
#[utoipa::path(
    tag = "join",
    params(("flow" = String, Path, description = "The self-signup flow's name", example = "guest-wifi")),
    request_body = StartJoin,
    responses(
        (status = 202, description = "A message is on its way to the address", body = JoinStarted),
        (status = 404, description = "No self-signup flow with this name is open"),
        (status = 422, description = "A field is invalid, or email is not configured"),
        (status = 429, description = "Too many self-signups from this client or for this address; see `Retry-After`"),
    ),
)]
#[post("/join/{flow}/start")]
pub async fn start_join(
    state: web::Data<AppState>,
    request: PublicRequest,
    flow: web::Path<String>,
    body: ApiJson<StartJoin>,
) -> ApiResult<HttpResponse> {
    let origin = super::origin(request);
    let started = petitions::start_self_signup(&state, origin, flow.into_inner(), body.0).await?;
    Ok(HttpResponse::Accepted().json(started))
}
