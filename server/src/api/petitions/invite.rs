use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollment_flows::FlowAuthorization;
use crate::model::petitions::{CreatePetition, Petition};
use crate::model::users::DryRunQuery;
use crate::service::{Context, petitions};

/// Invite a person to an enrollment flow
///
/// For flows whose authorization is `invitation`: emails the person a link (the secret in its
/// fragment) that works for the flow's `invitation_validity_hours`; with code verification the
/// email also carries the code the page asks for. The link is never shown to the operator (it
/// proves the address). The petition starts `pending_confirmation`; its history records
/// `invite_sent`.
#[utoipa::path(
    tag = "petitions",
    params(
        ("flow" = String, Path, description = "The flow's id or name", example = "staff-onboarding"),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = CreatePetition,
    responses(
        (status = 201, description = "The invitation was sent", body = Petition),
        (status = 200, description = "A dry run: the petition that would be made; nothing was stored or sent", body = Petition),
        (status = 409, description = "The flow is switched off or is not an invitation flow"),
        (status = 422, description = "The email address is invalid, or email is not configured"),
    ),
    security(("bearer" = ["petitions:approve"])),
)]
#[post("/enrollment-flows/{flow}/invitations")]
pub async fn create_invitation(
    state: web::Data<AppState>,
    ctx: Context,
    flow: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CreatePetition>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let how = FlowAuthorization::Invitation;
    let answered = petitions::start_for(&state, &ctx, flow.into_inner(), how, body.0, mode).await?;
    Ok(super::created(answered, dry_run))
}
