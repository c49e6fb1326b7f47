//! The one place that turns errors into RFC 9457 `application/problem+json` responses.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, ErrorCode, FieldError};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: the body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://enrolld.dev/problems/validation_failed",
    "title": "Validation failed",
    "status": 422,
    "detail": "the request has invalid fields",
    "instance": "urn:uuid:0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
    "code": "validation_failed",
    "errors": [{"field": "email", "message": "is not an email address"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; the last path segment equals `code`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, for a person to read.
    pub detail: String,
    /// The request id (`urn:uuid:…`), also sent as the `X-Request-Id` header; quote it in support requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable machine-readable code: one of the listed values.
    pub code: ErrorCode,
    /// For validation problems: each invalid field and what is wrong with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code.
    pub code: ErrorCode,
    /// Human detail (never internal detail).
    pub detail: String,
    /// Field errors.
    pub errors: Vec<FieldError>,
    /// Extra headers (`WWW-Authenticate`, `Retry-After`, `Allow`).
    pub headers: Vec<(HeaderName, String)>,
    /// What to log for internal errors (never sent).
    pub internal: Option<String>,
}

impl ApiError {
    /// A problem with a status, code and detail.
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
            internal: None,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// A 400 for a request that could not be read.
    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// A 422 naming invalid fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                detail,
            )
        }
    }

    /// A 401 with the `WWW-Authenticate` challenge.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let challenge = format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            detail.replace('"', "'")
        );
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidToken, detail)
            .with_header(header::WWW_AUTHENTICATE, challenge)
    }

    /// The title for a status.
    fn title(&self) -> &'static str {
        match self.status {
            StatusCode::UNPROCESSABLE_ENTITY => "Validation failed",
            StatusCode::UNAUTHORIZED => "Authentication required",
            StatusCode::FORBIDDEN => "Insufficient scope",
            status => status.canonical_reason().unwrap_or("Error"),
        }
    }

    /// The problem body, with the request id as `instance`.
    pub fn problem(&self, request_id: Option<&str>) -> Problem {
        Problem {
            problem_type: format!("https://enrolld.dev/problems/{}", self.code),
            title: self.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            instance: request_id.map(|id| format!("urn:uuid:{id}")),
            code: self.code,
            errors: self.errors.clone(),
        }
    }

    /// The full response.
    pub fn render(&self, request_id: Option<&str>) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        response.json(self.problem(request_id))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.render(None)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let detail = error.to_string();
        match error {
            AppError::NotFound { .. } => {
                Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, detail)
            }
            AppError::Conflict { code, .. } => Self::new(StatusCode::CONFLICT, code, detail),
            AppError::Invalid(errors) => Self::validation(errors),
            AppError::Unprocessable { code, .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
            }
            AppError::Unauthenticated(detail) => Self::unauthenticated(detail),
            AppError::Forbidden { missing_scope } => {
                Self::new(StatusCode::FORBIDDEN, ErrorCode::InsufficientScope, detail).with_header(
                    header::WWW_AUTHENTICATE,
                    format!("Bearer error=\"insufficient_scope\", scope=\"{missing_scope}\""),
                )
            }
            AppError::PreconditionFailed { .. } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                ErrorCode::PreconditionFailed,
                detail,
            ),
            AppError::RateLimited { retry_after } => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                detail,
            )
            .with_header(header::RETRY_AFTER, retry_after.to_string()),
            AppError::Busy { retry_after, cause } => Self {
                internal: Some(cause),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::DatabaseBusy,
                    detail,
                )
                .with_header(header::RETRY_AFTER, retry_after.to_string())
            },
            AppError::Upstream { code, .. } => {
                let status = if code == ErrorCode::SourceTimeout {
                    StatusCode::GATEWAY_TIMEOUT
                } else {
                    StatusCode::BAD_GATEWAY
                };
                Self::new(status, code, detail)
            }
            AppError::Internal(internal) => Self {
                internal: Some(internal),
                ..Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::InternalError,
                    "the server failed to handle the request; quote the instance id to an administrator",
                )
            },
        }
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;
