//! `/v1/users`: the user directory.

pub mod create;
pub mod delete;
pub mod get;
pub mod identities;
pub mod import;
pub mod list;
pub mod refresh_identities;
pub mod update;

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::service::users::Versioned;

/// A user response with its `ETag`.
fn with_etag(mut response: actix_web::HttpResponseBuilder, versioned: Versioned) -> HttpResponse {
    response
        .insert_header((header::ETAG, versioned.etag))
        .json(versioned.user)
}
