//! The operator console at `/` and the GraphiQL page at `GET /graphql`: static files embedded in
//! the binary from `console/` (nothing is fetched from outside, so both work on a LAN without
//! internet), served compressed, with the page-security headers on every response.
//!
//! The console is a client of the public GraphQL API like any other; these routes serve files
//! only.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

/// Everything under `console/`: the console's HTML, CSS and ES modules, the vendored
/// libraries with their versions and licences (`console/vendor/VERSIONS.md`, served too) and
/// GraphiQL (`console/graphiql/`).
#[derive(RustEmbed)]
#[folder = "console/"]
struct ConsoleAssets;

/// The policy of the console: scripts and styles only from files of this server, no inline
/// script, never framed. Media are same-origin (signed URLs), drawings are inline SVG.
pub const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// GraphiQL's bundle inserts `<style>` elements at run time, so its page allows inline styles;
/// scripts stay as strict as the console's.
const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// `GET /` and `GET /console/{*path}`, compressed.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/console/{*path}", get(asset))
        .layer(tower_http::compression::CompressionLayer::new())
}

/// `GET /`: the console's single page; every screen is drawn by its modules.
async fn index(request_headers: HeaderMap) -> Response {
    serve("index.html", &request_headers)
}

/// `GET /console/{*path}`: one embedded file.
async fn asset(Path(path): Path<String>, request_headers: HeaderMap) -> Response {
    serve(&path, &request_headers)
}

/// `GET /graphql` without a query: the embedded GraphiQL (see `console/graphiql/`).
pub fn graphiql_page(request_headers: &HeaderMap) -> Response {
    let mut response = serve("graphiql/index.html", request_headers);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(GRAPHIQL_CSP),
    );
    response
}

fn serve(path: &str, request_headers: &HeaderMap) -> Response {
    let Some(file) = ConsoleAssets::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let unchanged = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value == etag);
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(file.data.into_owned()))
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type_of(path)),
    );
    // Always revalidated: a new binary must never run with yesterday's modules.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

fn content_type_of(path: &str) -> &'static str {
    let extension = path.rsplit('.').next().unwrap_or_default();
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "geojson" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "wav" => "audio/wav",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The page-security headers, on every response of the server (an answer may set its own
/// policy first, as GraphiQL's page does).
pub async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_page_and_its_modules_are_embedded() {
        for path in [
            "index.html",
            "app.js",
            "vendor/preact.mjs",
            "graphiql/index.html",
        ] {
            assert!(ConsoleAssets::get(path).is_some(), "{path} is not embedded");
        }
    }

    #[test]
    fn the_policy_forbids_inline_script_and_framing() {
        assert!(CONSOLE_CSP.starts_with("default-src 'self'"));
        assert!(!CONSOLE_CSP.contains("unsafe-inline"));
        assert!(!CONSOLE_CSP.contains("unsafe-eval"));
        assert!(CONSOLE_CSP.contains("frame-ancestors 'none'"));
        assert!(GRAPHIQL_CSP.contains("script-src 'self';"));
    }
}
