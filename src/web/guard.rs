//! The dashboard's door: a request passes only with the token, given as `?token=`, as
//! `Authorization: Bearer`, or in the cookie the page sets when it is first opened.
//!
//! Browsers do not scope cookies by port, so any web server on this machine that the user
//! visits receives them: the cookie's name is unique to this install and port, so another
//! server (another user's creditwatch, a dev server) is never sent one it could tell was
//! ours by name, and it holds nothing for them. For `/api/*` the cookie counts only on a
//! request the page's own origin made (`Sec-Fetch-Site: same-origin`): a script elsewhere
//! that gets the browser to send it is refused.

use super::token;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::path::Path;
use std::sync::Arc;

/// The name of the cookie the page keeps the token in, for this install (its token file)
/// and port: `creditwatch_<port>_<8 hex digits>`.
pub fn cookie_name(port: u16, token_file: &Path) -> String {
    // FNV-1a: stable from one build to the next, so an upgrade keeps the page signed in.
    let mut h: u32 = 0x811c_9dc5;
    for b in token_file.as_os_str().as_encoded_bytes() {
        h = (h ^ u32::from(*b)).wrapping_mul(0x0100_0193);
    }
    format!("creditwatch_{port}_{h:08x}")
}

/// This request's cookie name, for the page to set.
#[derive(Debug, Clone)]
pub(super) struct CookieName(pub String);

/// The token a request was let in with, for a stream that must stop when it is replaced.
#[derive(Clone)]
pub(super) struct Admitted {
    file: Arc<Path>,
    given: String,
}

impl Admitted {
    /// Whether the token file still holds the token this request came with.
    pub(super) fn still(&self) -> bool {
        token::load(&self.file)
            .ok()
            .flatten()
            .is_some_and(|t| token::matches(&t, &self.given))
    }
}

/// Lets a request through only with the token the file holds now; with no token file,
/// nothing passes.
pub(super) async fn guard(
    State(file): State<Arc<Path>>,
    mut request: Request,
    next: Next,
) -> Response {
    let port = request
        .extensions()
        .get::<super::host::Bound>()
        .map_or(0, |b| b.0.port());
    let name = cookie_name(port, &file);
    let api = request.uri().path().starts_with("/api/");
    let same_origin = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v == "same-origin");
    let cookie_counts = !api || same_origin;
    let given = given_token(
        request.headers(),
        request.uri().query(),
        &name,
        cookie_counts,
    );
    let token = token::load(&file).ok().flatten();
    request.extensions_mut().insert(CookieName(name));
    match (given, token) {
        (Some(g), Some(t)) if token::matches(&t, &g) => {
            if let Some(conn) = request.extensions().get::<Arc<super::conn::Conn>>() {
                conn.prove();
            }
            request.extensions_mut().insert(Admitted { file, given: g });
            next.run(request).await
        }
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

/// The token a request carries: `?token=`, `Authorization: Bearer`, or the cookie `name`
/// (when `cookie_counts`).
fn given_token(
    headers: &HeaderMap,
    query: Option<&str>,
    name: &str,
    cookie_counts: bool,
) -> Option<String> {
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
        .filter(|_| cookie_counts)
        .find_map(|c| {
            c.trim()
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
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
pub(super) fn keep_in_cookie(token: &str, name: Option<&CookieName>) -> Response {
    let name = name.map_or("creditwatch_token", |n| n.0.as_str());
    let cookie = format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict");
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}
