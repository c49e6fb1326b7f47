//! How the answer to a create is shaped: 201 Created, or 200 for a dry run (nothing was created), and
//! `Idempotent-Replayed: true` when it is the stored answer to an earlier request with the same
//! Idempotency-Key.

use actix_web::HttpResponse;
use actix_web::http::header::HeaderName;
use serde::Serialize;

use crate::service::mutation::Answered;

/// The answer to a create.
pub fn created<T: Serialize>(answer: Answered<T>, dry_run: bool) -> HttpResponse {
    let mut response = if dry_run {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    if answer.replayed {
        response.insert_header((HeaderName::from_static("idempotent-replayed"), "true"));
    }
    response.json(answer.value)
}
