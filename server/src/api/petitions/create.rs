use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollment_flows::FlowAuthorization;
use crate::model::petitions::{CreatePetition, Petition};
use crate::model::users::DryRunQuery;
use crate::service::{Context, petitions};

/// Start a petition for a person
///
/// For flows whose authorization is `administrator`: the administrator fills in the petition on
/// the person's behalf and may `select` records from the flow's `select` sources (look them up
/// first with `POST /v1/identity-sources/{source}/test`); a record already linked to a user or to
/// another open petition is refused (409 `record_linked`). The person still confirms the address:
/// by the emailed link, or (code verification) by reading the emailed code back to the
/// administrator, who sends it to `POST /v1/petitions/{id}/confirm`.
#[utoipa::path(
    tag = "petitions",
    params(
        ("flow" = String, Path, description = "The flow's id or name", example = "lab-guests"),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = CreatePetition,
    responses(
        (status = 201, description = "The petition was started and the person emailed", body = Petition),
        (status = 200, description = "A dry run: the petition that would be made; nothing was stored or sent", body = Petition),
        (status = 409, description = "The flow is switched off or is not an administrator flow, or a selected record is linked already"),
        (status = 422, description = "A field is invalid, a selected record does not exist, or email is not configured"),
        (status = 502, description = "A selected record's source could not be asked"),
        (status = 504, description = "A selected record's source did not answer in time"),
    ),
    security(("bearer" = ["petitions:approve"])),
)]
#[post("/enrollment-flows/{flow}/petitions")]
pub async fn create_petition(
    state: web::Data<AppState>,
    ctx: Context,
    flow: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CreatePetition>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let how = FlowAuthorization::Administrator;
    let answered = petitions::start_for(&state, &ctx, flow.into_inner(), how, body.0, mode).await?;
    Ok(super::created(answered, dry_run))
}
