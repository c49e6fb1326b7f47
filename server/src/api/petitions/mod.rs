//! `/v1/petitions` and the operator's ways to start one: the approvers' queue, decisions, and
//! invitations or petitions for people under `/v1/enrollment-flows/{flow}`.

pub mod approve;
pub mod confirm;
pub mod create;
pub mod deny;
pub mod get;
pub mod invite;
pub mod list;

use actix_web::HttpResponse;

use crate::model::petitions::Petition;
use crate::service::mutation::Answered;

/// A created petition: 201 (200 for a dry run), marked when replayed.
fn created(answered: Answered<Petition>, dry_run: bool) -> HttpResponse {
    if dry_run {
        return HttpResponse::Ok().json(answered.value);
    }
    let mut response = HttpResponse::Created();
    if answered.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(answered.value)
}
