//! The parts of Meta the media fetcher talks to, on loopback: the Graph API's media lookup and
//! download (which can redirect, or pause halfway until the test lets it go on), the message
//! sends intake's replies need, and a trap: a listener on another loopback address that
//! records every connection, to show that nothing (and no token) ever reached it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

/// How the download of one media answers.
#[derive(Clone)]
pub enum Download {
    Serve,
    /// A 302 to this URL.
    RedirectTo(String),
    /// Sends the first `bytes`, then waits for the gate before sending the rest.
    PauseAfter {
        bytes: usize,
        gate: Arc<Semaphore>,
    },
}

#[derive(Clone)]
struct Media {
    bytes: Vec<u8>,
    mime_type: String,
    download: Download,
    /// The lookup answers with this URL instead of our own download URL.
    lookup_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
}

#[derive(Default)]
struct MetaState {
    media: HashMap<String, Media>,
    requests: Vec<Recorded>,
    sends: u64,
}

struct Shared {
    url: String,
    state: Mutex<MetaState>,
}

#[derive(Clone)]
pub struct FakeMeta {
    pub url: String,
    shared: Arc<Shared>,
}

impl FakeMeta {
    pub async fn start() -> FakeMeta {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake graph api on loopback");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let shared = Arc::new(Shared {
            url: url.clone(),
            state: Mutex::default(),
        });
        let router = Router::new().fallback(answer).with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.expect("fake graph api");
        });
        FakeMeta { url, shared }
    }

    fn state(&self) -> MutexGuard<'_, MetaState> {
        lock(&self.shared)
    }

    pub fn add_media(&self, media_id: &str, bytes: Vec<u8>, download: Download) {
        self.state().media.insert(
            media_id.to_owned(),
            Media {
                bytes,
                mime_type: "image/jpeg".to_owned(),
                download,
                lookup_url: None,
            },
        );
    }

    /// The lookup of `media_id` answers with `url` as the place to download it from.
    pub fn point_lookup_to(&self, media_id: &str, url: &str) {
        let mut state = self.state();
        let media = state.media.get_mut(media_id).expect("add_media first");
        media.lookup_url = Some(url.to_owned());
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// Lookups and downloads of `media_id`.
    pub fn media_requests(&self, media_id: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|request| request.method == "GET" && request.path.ends_with(media_id))
            .collect()
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, MetaState> {
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    lock(&shared).requests.push(Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        authorization,
    });
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", [_version, _phone, "messages"]) => {
            let mut state = lock(&shared);
            state.sends += 1;
            let wamid = format!("wamid.fake.{}", state.sends);
            axum::Json(json!({ "messaging_product": "whatsapp", "messages": [{ "id": wamid }] }))
                .into_response()
        }
        ("GET", ["download", media_id]) => download(&shared, media_id),
        ("GET", [_version, media_id]) => lookup(&shared, media_id),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn lookup(shared: &Shared, media_id: &str) -> Response {
    let Some(media) = lock(shared).media.get(media_id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let url = media
        .lookup_url
        .unwrap_or_else(|| format!("{}/download/{media_id}", shared.url));
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": media.mime_type,
        "sha256": hex::encode(Sha256::digest(&media.bytes)),
        "file_size": media.bytes.len().to_string(),
        "id": media_id,
    }))
    .into_response()
}

fn download(shared: &Shared, media_id: &str) -> Response {
    let Some(media) = lock(shared).media.get(media_id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = [(header::CONTENT_TYPE, media.mime_type.clone())];
    match media.download {
        Download::Serve => (content_type, media.bytes).into_response(),
        Download::RedirectTo(url) => (StatusCode::FOUND, [(header::LOCATION, url)]).into_response(),
        Download::PauseAfter { bytes, gate } => {
            let (first, rest) = media.bytes.split_at(bytes.min(media.bytes.len()));
            let pieces: Vec<Bytes> = first
                .chunks(64 * 1024)
                .map(Bytes::copy_from_slice)
                .collect();
            let rest = Bytes::copy_from_slice(rest);
            let stream = futures_util::stream::iter(
                pieces.into_iter().map(Ok::<_, std::io::Error>),
            )
            .chain(futures_util::stream::once(async move {
                let _permit = gate.acquire().await;
                Ok(rest)
            }));
            (content_type, Body::from_stream(stream)).into_response()
        }
    }
}

use futures_util::StreamExt as _;

/// A listener on 127.0.0.2 (another loopback address than the app's and the fake Graph API's)
/// that records the first bytes of every connection and answers with a small file.
pub struct Trap {
    pub address: std::net::SocketAddr,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    pub async fn start() -> Trap {
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
            .await
            .expect("bind a trap on 127.0.0.2");
        let address = listener.local_addr().expect("the trap's address");
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let recorded = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let mut head = vec![0u8; 8192];
                    let read = socket.read(&mut head).await.unwrap_or(0);
                    recorded
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push(String::from_utf8_lossy(&head[..read]).into_owned());
                    let _ = socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nstolen")
                        .await;
                });
            }
        });
        Trap { address, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// What every connection sent first (its request line and headers).
    pub fn hits(&self) -> Vec<String> {
        self.hits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
