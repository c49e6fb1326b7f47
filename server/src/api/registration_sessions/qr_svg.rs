use actix_web::{HttpResponse, get, http::header, web};

use super::Image;
use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::QrQuery;
use crate::qr::QrFormat;
use crate::service::{Context, registration_sessions};

/// Get a registration session's QR code (SVG)
///
/// The QR code of the session's `enroll_url` as SVG. Only for pending sessions. Needs
/// `registration-sessions:write`, because the code holds the secret, and, while identity verification is
/// enforced, this operator's verification of the user's identity in the current window (409
/// `identity_not_verified` otherwise).
#[utoipa::path(
    tag = "registration-sessions",
    params(("id" = String, Path, description = "The session id"), QrQuery),
    responses(
        (status = 200, description = "The QR code", body = Image, content_type = "image/svg+xml"),
        (status = 409, description = "The session is not pending, or the user's identity is not verified"),
    ),
    security(("bearer" = ["registration-sessions:write"])),
)]
#[get("/registration-sessions/{id}/qr.svg")]
pub async fn get_registration_session_qr_svg(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    query: ApiQuery<QrQuery>,
) -> ApiResult<HttpResponse> {
    let QrQuery { size, margin } = query.0;
    let svg = registration_sessions::qr(&state, &ctx, id.into_inner(), QrFormat::Svg, size, margin)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(svg))
}
