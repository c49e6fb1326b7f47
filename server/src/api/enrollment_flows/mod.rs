//! `/v1/enrollment-flows`: the paths by which people petition to join.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::service::enrollment_flows::Versioned;

/// A flow response with its `ETag`.
fn with_etag(mut response: actix_web::HttpResponseBuilder, versioned: Versioned) -> HttpResponse {
    response
        .insert_header((header::ETAG, versioned.etag))
        .json(versioned.flow)
}
