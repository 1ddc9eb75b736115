//! One error type for every HTTP answer that is not a success, written as a
//! TAXII 2.1 error message. Internal errors are logged with their cause and
//! answered with a generic text: clients never see internal error text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::TAXII_TYPE;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    title: &'static str,
    description: Option<String>,
}

impl ApiError {
    /// An error the client may know about.
    pub fn new(status: StatusCode, title: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            title,
            description: Some(description.into()),
        }
    }

    /// 401: no or bad credentials.
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            title: "Authentication required",
            description: Some("Send HTTP Basic credentials or a bearer token.".into()),
        }
    }

    /// 403: authenticated, not allowed.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", description)
    }

    /// 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", what)
    }

    /// 400 with what is wrong in the request.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }

    /// 500: the cause is logged, the client learns nothing of it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal error",
            description: None,
        }
    }
}

impl From<yagura_core::StoreError> for ApiError {
    fn from(e: yagura_core::StoreError) -> Self {
        Self::internal(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "title": self.title,
            "http_status": self.status.as_u16().to_string(),
        });
        if let Some(d) = self.description {
            body["description"] = json!(d);
        }
        let mut r = (self.status, body.to_string()).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_TYPE));
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"yagura\", Bearer realm=\"yagura\""),
            );
        }
        r
    }
}
