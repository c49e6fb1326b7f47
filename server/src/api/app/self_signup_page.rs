use actix_web::{HttpResponse, get};

/// The self-signup page
///
/// The public page of a self-signup flow: the person gives an email address and names, then
/// confirms the address by the emailed code (on this page) or link. The same page as `/join`.
#[utoipa::path(
    tag = "join",
    params(("flow" = String, Path, description = "The self-signup flow's name", example = "guest-wifi")),
    responses((status = 200, description = "The page", body = String, content_type = "text/html")),
)]
#[get("/join/{flow}")]
pub async fn get_self_signup_page() -> HttpResponse {
    super::join_page::page(super::join_page::PAGE)
}
