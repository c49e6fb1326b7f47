//! How the answer to a create is shaped: 201 Created, or 200 for a dry run (nothing was created), and
//! `Idempotent-Replayed: true` when it is the stored answer to an earlier request with the same
//! Idempotency-Key.

use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::service::mutation::Answered;

/// The answer to a create.
pub fn created<T: Serialize>(answer: Answered<T>, dry_run: bool) -> HttpResponse {
    replayable(done_or_previewed(dry_run, HttpResponse::Created()), answer)
}

/// The status of a change's answer: `done` once carried out, 200 for a dry run (nothing was done).
pub fn done_or_previewed(dry_run: bool, done: HttpResponseBuilder) -> HttpResponseBuilder {
    if dry_run { HttpResponse::Ok() } else { done }
}

/// The answer to a request that takes an `Idempotency-Key`, with the status `response` has.
pub fn replayable<T: Serialize>(
    mut response: HttpResponseBuilder,
    answer: Answered<T>,
) -> HttpResponse {
    if answer.replayed {
        response.insert_header((HeaderName::from_static("idempotent-replayed"), "true"));
    }
    response.json(answer.value)
}

/// An answer showing a changeable resource, with its `ETag` (for `If-Match`).
pub fn tagged<T: Serialize>(mut response: HttpResponseBuilder, value: &T) -> HttpResponse {
    response
        .insert_header((header::ETAG, crate::service::versions::tag_of(value)))
        .json(value)
}
