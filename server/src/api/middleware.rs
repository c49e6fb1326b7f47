//! Runs around every request: request id, operation lookup, authentication and scope check (from the
//! OpenAPI document's `security`), problem `instance`, metrics and the access log.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use serde_json::json;

use super::problem::{ApiError, PROBLEM_JSON};
use super::route_table::RouteMatch;
use crate::api::state::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::service::{Actor, Context, audit, refusals};

/// Swagger UI loads only its own files and calls only this server.
const SWAGGER_UI_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The request id and operationId of the current request, for handlers that run without an
/// operator's `Context` (public operations). Kept on the stack: no allocation per request.
#[derive(Debug, Clone, Copy)]
pub struct CurrentRequest {
    id: [u8; uuid::fmt::Hyphenated::LENGTH],
    /// The operationId.
    pub operation_id: &'static str,
}

impl CurrentRequest {
    /// A new request id; the operation is not known yet.
    fn new() -> Self {
        let mut id = [0u8; uuid::fmt::Hyphenated::LENGTH];
        uuid::Uuid::now_v7().hyphenated().encode_lower(&mut id);
        CurrentRequest {
            id,
            operation_id: "",
        }
    }

    /// The request id (a UUIDv7, hyphenated).
    pub fn id(&self) -> &str {
        std::str::from_utf8(&self.id).unwrap_or_default()
    }
}

/// The middleware function (for `actix_web::middleware::from_fn`).
pub async fn around(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let current = CurrentRequest::new();
    let request_id = current.id();
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let method = req.method().clone();
    // HEAD is answered like GET (actix-http leaves out the body of a response to HEAD).
    if method == "HEAD" {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    let (operation, response) = match refused_before_routing(&req) {
        Some(error) => {
            tracing::warn!(request.id = %request_id, %error, "request refused before routing");
            let response = req.into_response(error.render(Some(request_id)));
            ("refused_before_routing", response)
        }
        None => dispatch(&state, req, next, current, method.as_str()).await?,
    };
    let mut response = response;
    if let Ok(value) = header::HeaderValue::from_str(request_id) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    let status = response.status();
    let elapsed = started.elapsed();
    state.metrics.observe(operation, status.as_u16(), elapsed);
    tracing::info!(
        http.method = %method,
        http.route = operation,
        http.status = status.as_u16(),
        elapsed_ms = elapsed.as_millis() as u64,
        request.id = %request_id,
        "request"
    );
    Ok(response)
}

/// The longest request target accepted, in bytes (414 beyond).
const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) accepted, in bytes (431 beyond).
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// A 404 for a path holding NUL, a 414 or 431 for a request whose target or headers are too large. (Beyond actix's own
/// parser limits, larger still, actix answers 400 or 431 itself, without a body.)
fn refused_before_routing(req: &ServiceRequest) -> Option<ApiError> {
    // A NUL (U+0000) in a path segment names nothing: no id or name holds it.
    if req.match_info().get_ref().path().contains('\0') {
        return Some(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such resource: the path holds NUL (%00), which no id or name contains",
        ));
    }
    let uri = target_len(req.uri());
    if uri > MAX_URI_BYTES {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            ErrorCode::UriTooLong,
            format!("the request target is {uri} bytes; at most {MAX_URI_BYTES} are accepted"),
        ));
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    (headers > MAX_HEADER_BYTES).then(|| {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::HeadersTooLarge,
            format!(
                "the request headers are {headers} bytes; at most {MAX_HEADER_BYTES} are accepted"
            ),
        )
    })
}

/// The length of the request target as sent (origin form, or absolute form with scheme and host),
/// without writing it out.
fn target_len(uri: &actix_web::http::Uri) -> usize {
    let path = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => scheme.len() + 3 + authority.as_str().len() + path,
        _ => path,
    }
}

/// Finds the operation, checks the token and scopes, and calls the handler (or answers 404/405).
async fn dispatch(
    state: &AppState,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    current: CurrentRequest,
    method: &str,
) -> Result<(&'static str, ServiceResponse<BoxBody>), actix_web::Error> {
    let request_id = current.id();
    // The path as actix routes it (percent-encoded characters decoded but for `%`, `/` and `+`), so
    // the operation found here is the handler that will run: `/v1/enrollments/%62atch` is `batch`.
    let path = req.match_info().get_ref().path();
    let found = state.routes.resolve(req.method().as_str(), path);
    let swagger_ui = state.config.docs && path.starts_with("/swagger-ui");
    let answer = match found {
        RouteMatch::Operation(route) => {
            let operation = route.operation_id;
            req.extensions_mut().insert(CurrentRequest {
                operation_id: operation,
                ..current
            });
            let refused = match &route.scopes {
                None => None,
                Some(scopes) => authorize(state, &req, request_id, operation, scopes)
                    .await
                    .err(),
            };
            let response = match refused {
                Some(error) => req.into_response(error.render(Some(request_id))),
                None => call_guarded(req, next, request_id).await?,
            };
            (operation, response)
        }
        RouteMatch::MethodNotAllowed(allowed) => {
            let path = req.match_info().get_ref().path();
            let error = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                format!(
                    "{method} is not allowed on {path}; allowed: {}",
                    allowed.join(", ")
                ),
            )
            .with_header(header::ALLOW, allowed.join(", "));
            (
                "method_not_allowed",
                req.into_response(error.render(Some(request_id))),
            )
        }
        // Only Swagger UI is served outside the document; anything else the document does not know
        // is answered here, so no handler ever runs without this middleware having matched it.
        RouteMatch::NotFound if swagger_ui => {
            let mut response = call_guarded(req, next, request_id).await?;
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                header::HeaderValue::from_static(SWAGGER_UI_CSP),
            );
            response.headers_mut().insert(
                header::X_FRAME_OPTIONS,
                header::HeaderValue::from_static("DENY"),
            );
            ("swagger_ui", response)
        }
        RouteMatch::NotFound => {
            let error = ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "no such resource; see /swagger-ui/ for the API",
            );
            ("other", req.into_response(error.render(Some(request_id))))
        }
    };
    Ok(answer)
}

/// Calls the handler; a panic anywhere in it is logged with the request id and answered as a
/// problem+json 500 instead of dropping the connection.
async fn call_guarded(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    request_id: &str,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(next.call(req))
        .catch_unwind()
        .await
    {
        Ok(response) => Ok(finish(response?, request_id)),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(request.id = %request_id, panic = %message, "a request handler panicked");
            // The request went into the handler, so the answer is made from the error alone.
            Err(Panicked(request_id.to_owned()).into())
        }
    }
}

/// A handler panicked: a problem+json 500 carrying the request id.
#[derive(Debug)]
struct Panicked(String);

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request {} failed inside the server", self.0)
    }
}

impl actix_web::ResponseError for Panicked {
    fn error_response(&self) -> HttpResponse {
        let error = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "the server failed to handle the request",
        )
        .with_header(header::HeaderName::from_static("x-request-id"), &self.0);
        error.render(Some(&self.0))
    }
}

/// Verifies the bearer token and the scopes; records refusals in the audit log.
async fn authorize(
    state: &AppState,
    req: &ServiceRequest,
    request_id: &str,
    operation_id: &'static str,
    scopes: &[crate::auth::scopes::Scope],
) -> Result<(), ApiError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            // RFC 9110 §11.1: the scheme is case-insensitive.
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(str::trim);
    let verified: Result<Operator, String> = match token {
        None => Err("a bearer token is required (Authorization: Bearer <token>)".into()),
        Some(token) => state.verifier.verify(token).await,
    };
    let operator = match verified {
        Ok(operator) => operator,
        Err(reason) => {
            let source = super::extract::source_address(req.request());
            let refusal = refusals::Refusal {
                source: &source,
                reason: &reason,
                operation: operation_id,
                request_id,
            };
            let now = state.clock.now();
            if let Err(error) = refusals::record(&state.db, &state.refusals, refusal, now).await {
                tracing::error!(request.id = %request_id, %error, "could not record a refused request in the audit log");
            }
            return Err(ApiError::unauthenticated(reason));
        }
    };
    if let Some(missing) = scopes.iter().find(|scope| !operator.has(**scope)) {
        let detail = json!({"missing_scope": missing.as_str(), "operation": operation_id});
        record_refusal(state, &operator, request_id, detail).await;
        return Err(AppError::Forbidden {
            missing_scope: *missing,
        }
        .into());
    }
    req.extensions_mut().insert(Context {
        actor: Actor::Operator(operator),
        request_id: request_id.to_owned(),
        operation_id,
    });
    Ok(())
}

/// Records a verified operator's request refused for a missing scope.
async fn record_refusal(
    state: &AppState,
    operator: &Operator,
    request_id: &str,
    detail: serde_json::Value,
) {
    let now = state.clock.now();
    let outcome = audit::Outcome::Denied;
    let action = "authorization_failed";
    if let Err(error) = audit::record_outside_request(
        &state.db,
        now,
        Some(&Actor::Operator(operator.clone())),
        action,
        request_id,
        outcome,
        detail,
    )
    .await
    {
        tracing::error!(request.id = %request_id, %error, "could not record a refused request in the audit log");
    }
}

/// Gives every error response a problem body with the request id as `instance`, and logs internal errors.
fn finish<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
    request_id: &str,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response.map_into_boxed_body();
    }
    let api_error = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .cloned();
    if let Some(error) = api_error {
        if let Some(internal) = &error.internal {
            tracing::error!(request.id = %request_id, error = %internal, "internal error");
        }
        return response.into_response(error.render(Some(request_id)));
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return response.map_into_boxed_body();
    }
    if let Some(error) = response.response().error() {
        tracing::error!(request.id = %request_id, %error, status = status.as_u16(), "unhandled error");
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::new(
            status,
            ErrorCode::NotFound,
            "no such resource; see /swagger-ui/ for the API",
        ),
        StatusCode::INTERNAL_SERVER_ERROR => ApiError::new(
            status,
            ErrorCode::InternalError,
            "the server failed to handle the request",
        ),
        _ => ApiError::new(
            status,
            ErrorCode::HttpError,
            status.canonical_reason().unwrap_or("request failed"),
        ),
    };
    let rendered: HttpResponse = error.render(Some(request_id));
    response.into_response(rendered)
}
