//! Request extractors whose failures are problems that name the offending field.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use crate::api::state::AppState;
use crate::error::ErrorCode;
use crate::error::FieldError;
use crate::service::Context;
use crate::service::mutation::Mode;

/// A JSON request body. Unknown fields, wrong types and missing fields are 422 problems naming the
/// field; bad JSON is 400; a wrong media type 415; a body over the limit (`max_body_bytes` times
/// `FACTOR`) 413.
pub struct ApiJson<T, const FACTOR: usize = 1>(pub T);

impl<T: DeserializeOwned + 'static, const FACTOR: usize> FromRequest for ApiJson<T, FACTOR> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.config.max_body_bytes as usize)
            .unwrap_or(1024 * 1024)
            .saturating_mul(FACTOR);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            check_json_media_type(content_type.as_deref())?;
            if declared_length.is_some_and(|len| len > limit) {
                return Err(too_large(limit));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::bad_request(
                        ErrorCode::UnreadableBody,
                        format!("cannot read the body: {e}"),
                    )
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            if body.is_empty() {
                return Err(ApiError::bad_request(
                    ErrorCode::MissingBody,
                    "the request needs a JSON body",
                ));
            }
            parse_json(&body).map(ApiJson)
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than {limit} bytes"),
    )
}

fn check_json_media_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let essence = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!(
                "the body must be application/json, not {}",
                if essence.is_empty() {
                    "unspecified"
                } else {
                    essence.as_str()
                }
            ),
        ))
    }
}

/// Parses JSON: text that is not JSON is a 400; JSON of the wrong shape a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    // serde would fill a struct's fields from an array in order; a body is always an object here.
    if !value.is_object() {
        return Err(ApiError::validation(vec![FieldError::new(
            "body",
            format!("must be a JSON object, not {}", json_kind(&value)),
        )]));
    }
    // No text may hold NUL (U+0000): PostgreSQL cannot store it, and no name or address has it.
    if let Some(field) = nul_in(&value, "") {
        let field = if field.is_empty() {
            "body".to_owned()
        } else {
            field
        };
        return Err(ApiError::validation(vec![FieldError::new(
            field,
            "must not contain NUL (U+0000)",
        )]));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let field = error.path().to_string();
        let field = if field == "." {
            "body".to_owned()
        } else {
            field
        };
        ApiError::validation(vec![FieldError::new(
            field,
            strip_position(&error.into_inner().to_string()),
        )])
    })
}

/// The path of the first string (or key) holding NUL, if any.
fn nul_in(value: &serde_json::Value, path: &str) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then(|| path.to_owned()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item, &format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                return Some(path);
            }
            nul_in(item, &path)
        }),
        _ => None,
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Query parameters; a bad one is a 400 problem naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    if let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        return Err(ApiError::validation(vec![FieldError::new(
            name.into_owned(),
            "must not contain NUL (U+0000)",
        )]));
    }
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = error.path().to_string();
        let message = error.into_inner().to_string();
        let mut problem = ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("query parameter {field}: {message}"),
        );
        problem.errors = vec![FieldError::new(field, message)];
        problem
    })
}

impl FromRequest for Context {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    /// The context the middleware set after verifying the token.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let context = req.extensions().get::<Context>().cloned();
        std::future::ready(
            context.ok_or_else(|| ApiError::unauthenticated("a bearer token is required")),
        )
    }
}

/// The `If-Match` header, if sent.
pub struct IfMatch(pub Option<String>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req
            .headers()
            .get(header::IF_MATCH)
            .map(|v| v.to_str().map(|s| s.trim().to_owned()));
        let required = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|state| state.config.require_if_match);
        std::future::ready(match value {
            None if required => Err(ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                ErrorCode::PreconditionRequired,
                "this server requires If-Match on changes: read the resource and send its ETag \
                 (or * to change whatever version is current)",
            )),
            None => Ok(IfMatch(None)),
            Some(Ok(tag)) if is_if_match(&tag) => Ok(IfMatch(Some(tag))),
            Some(_) => Err(ApiError::bad_request(
                ErrorCode::InvalidHeader,
                "If-Match must be * or entity tags such as \"v3\" (RFC 9110 §13.1.1)",
            )),
        })
    }
}

/// The `Idempotency-Key` header, if sent (its form is checked when it is claimed).
pub struct IdempotencyKey(pub Option<String>);

/// A change asked for with the `dry_run` query parameter and nothing else.
pub fn dry_run_of(query: ApiQuery<crate::model::users::DryRunQuery>) -> Mode {
    Mode {
        dry_run: query.0.dry_run.unwrap_or(false),
        ..Mode::default()
    }
}

impl IdempotencyKey {
    /// How the change is to be carried out: this key, and the `dry_run` query parameter.
    pub fn with(self, query: ApiQuery<crate::model::users::DryRunQuery>) -> Mode {
        Mode {
            idempotency_key: self.0,
            ..dry_run_of(query)
        }
    }
}

impl IfMatch {
    /// How the change is to be carried out: only on this version, and the `dry_run` query parameter.
    pub fn with(self, query: ApiQuery<crate::model::users::DryRunQuery>) -> Mode {
        Mode {
            if_match: self.0,
            ..dry_run_of(query)
        }
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req.headers().get("idempotency-key").map(|v| v.to_str());
        std::future::ready(match value {
            None => Ok(IdempotencyKey(None)),
            Some(Ok(key)) => Ok(IdempotencyKey(Some(key.to_owned()))),
            Some(Err(_)) => Err(crate::error::AppError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
            .into()),
        })
    }
}

/// Whether `value` is `*` or a comma-separated list of entity tags (`"x"` or `W/"x"`).
fn is_if_match(value: &str) -> bool {
    if value == "*" {
        return true;
    }
    !value.is_empty()
        && value.split(',').map(str::trim).all(|tag| {
            let opaque = tag.strip_prefix("W/").unwrap_or(tag);
            opaque.len() >= 2
                && opaque.starts_with('"')
                && opaque.ends_with('"')
                && !opaque[1..opaque.len() - 1].contains('"')
        })
}

/// The client's address: the connection's, or from `Forwarded` / `X-Forwarded-For` when the
/// connection comes from a trusted proxy (`trusted_proxies`).
pub fn source_address(req: &HttpRequest) -> String {
    let header = |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.trusted_proxies.as_slice())
        .unwrap_or_default();
    match req.peer_addr() {
        Some(peer) => crate::net::client_address(
            peer.ip(),
            trusted,
            header(header::FORWARDED),
            header(header::HeaderName::from_static("x-forwarded-for")),
        )
        .to_string(),
        None => "unknown".into(),
    }
}

/// A request to a public (unauthenticated) operation: its id, operation and source address.
#[derive(Debug, Clone)]
pub struct PublicRequest {
    /// The request id.
    pub request_id: String,
    /// The operationId.
    pub operation_id: &'static str,
    /// The client's address: the connection's, or from `Forwarded` / `X-Forwarded-For` when the
    /// connection comes from a trusted proxy (`trusted_proxies`).
    pub source: String,
}

impl FromRequest for PublicRequest {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let current = req
            .extensions()
            .get::<super::middleware::CurrentRequest>()
            .copied();
        let request_id = current.map(|c| c.id().to_owned()).unwrap_or_default();
        let operation_id = current.map_or("unknown", |c| c.operation_id);
        let source = source_address(req);
        std::future::ready(Ok(PublicRequest {
            request_id,
            operation_id,
            source,
        }))
    }
}
