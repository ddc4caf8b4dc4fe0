//! The dashboard's door: a request passes only with the token, given as `?token=`, as
//! `Authorization: Bearer`, or in the cookie the page sets when it is first opened.

use super::token;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::path::Path;
use std::sync::Arc;

/// The cookie the page keeps the token in.
pub const COOKIE: &str = "creditwatch_token";

/// Lets a request through only with the token the file holds now; with no token file,
/// nothing passes.
pub(super) async fn guard(State(file): State<Arc<Path>>, request: Request, next: Next) -> Response {
    let given = given_token(request.headers(), request.uri().query());
    let token = token::load(&file).ok().flatten();
    match (given, token) {
        (Some(g), Some(t)) if token::matches(&t, &g) => next.run(request).await,
        _ => (
            StatusCode::UNAUTHORIZED,
            "the dashboard needs its token: run `creditwatch dashboard` for the address\n",
        )
            .into_response(),
    }
}

/// What every answer behind the token says to the browser: keep no copy, send no
/// referrer, stay out of other sites' frames, and take the content type as given.
pub(super) async fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, axum::http::HeaderValue::from_static(value));
    }
    response
}

/// The token a request carries: `?token=`, `Authorization: Bearer`, or the cookie.
fn given_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        });
    in_query(query).or(from_header).or(from_cookie)
}

/// The `token` parameter of a query string.
pub(super) fn in_query(query: Option<&str>) -> Option<String> {
    query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    })
}

/// The answer to a page opened with `?token=`: the token goes into a cookie for this
/// address only and the browser is sent to the address without it, so the token leaves
/// the address bar and the history.
pub(super) fn keep_in_cookie(token: &str) -> Response {
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}
