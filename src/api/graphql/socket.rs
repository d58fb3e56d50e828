//! The subscriptions WebSocket (`GET /graphql/ws`): the token is checked at `connection_init`,
//! the connection's session is re-checked while the socket is open, and the socket is closed
//! (4401, or 4403 for a FORBIDDEN ending) once the session has ended, after the subscriptions
//! have told their clients why. The socket has a writer task of its own, which drains one
//! queue (`frame_queue.rs`): the subscription items the dispatcher queues (`hub.rs`) and
//! async-graphql's messages, which the socket loop queues, in one order; several queued items
//! go out in one write.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use async_graphql::Data;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt, future};
use tokio::sync::watch;

use super::frame_queue::{FrameReceiver, FrameSender, Outgoing, frame_queue};
use super::frames::{ConnectionExecutor, tag_subscription};
use super::{SiagaSchema, to_graphql_error};
use crate::auth::{Auth, Session};
use crate::domain::user::Principal;
use crate::error::{ErrorCode, UserError};

/// Close codes of graphql-transport-ws for "Unauthorized" and "Forbidden"; legacy graphql-ws
/// clients get the same codes.
const CLOSE_UNAUTHENTICATED: u16 = 4401;
const CLOSE_FORBIDDEN: u16 = 4403;
/// Messages still sent after the session ended, at most, before the close frame: enough for
/// every subscription's error and completion, and a client that keeps the protocol busy (with
/// pings, say) cannot hold the close back.
const MESSAGES_AFTER_THE_END: usize = 64;
/// The chunk a socket reads its client's messages in. tungstenite zero-fills this much before
/// every read attempt, and the socket is polled for input each time it sends an event: with
/// the default 128 KiB, a thousand subscribers spent most of the CPU in that `memset`. Client
/// messages are small (a subscribe document); a larger one is read in several chunks.
const READ_BUFFER_BYTES: usize = 4 * 1024;
/// Queued frames written together before one flush (one `sendto`), at most.
const FRAMES_PER_WRITE: usize = 32;

/// One connection's session, shared by the socket and the subscriptions opened on it: whoever
/// first finds the session over records why, the other subscriptions end with that error, and
/// the socket closes.
#[derive(Clone)]
pub(crate) struct ConnectionSession {
    opened_as: Arc<OnceLock<(Principal, Session)>>,
    ending: Arc<watch::Sender<Option<UserError>>>,
    /// When each subscription item on its way to the socket was published on the bus, in the
    /// order the items are written (`None` for an item that is no bus event).
    stamps: Arc<Mutex<VecDeque<Option<Instant>>>>,
    protocol: WebSocketProtocols,
    /// The subscriptions' own frames, to the socket loop.
    frames: FrameSender,
}

/// Stamps kept at most per connection: a client that stops reading cannot grow them.
const MAX_STAMPS: usize = 1024;

impl ConnectionSession {
    fn new(protocol: WebSocketProtocols) -> (ConnectionSession, FrameReceiver) {
        let (frames, queued) = frame_queue();
        let connection = ConnectionSession {
            opened_as: Arc::new(OnceLock::new()),
            ending: Arc::new(watch::Sender::new(None)),
            stamps: Arc::default(),
            protocol,
            frames,
        };
        (connection, queued)
    }

    pub(crate) fn protocol(&self) -> WebSocketProtocols {
        self.protocol
    }

    /// Where a subscription on this connection queues its frames.
    pub(crate) fn frames(&self) -> FrameSender {
        self.frames.clone()
    }

    /// Records when the next subscription item was published, for the fan-out histogram.
    pub(crate) fn stamp(&self, published_at: Option<Instant>) {
        let mut stamps = self
            .stamps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if stamps.len() < MAX_STAMPS {
            stamps.push_back(published_at);
        }
    }

    /// The stamp of the subscription item just written.
    fn take_stamp(&self) -> Option<Instant> {
        let mut stamps = self
            .stamps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        stamps.pop_front().flatten()
    }

    /// Records why the session ended; the first reason stays.
    pub(crate) fn end(&self, reason: UserError) {
        self.ending.send_if_modified(|ending| {
            if ending.is_some() {
                return false;
            }
            *ending = Some(reason);
            true
        });
    }

    pub(crate) fn ending(&self) -> watch::Receiver<Option<UserError>> {
        self.ending.subscribe()
    }

    /// Whether the session has ended.
    pub(crate) fn has_ended(&self) -> bool {
        self.ending.borrow().is_some()
    }
}

/// Waits until `ending` holds a reason and returns it.
pub(crate) async fn session_ended(ending: &mut watch::Receiver<Option<UserError>>) -> UserError {
    let reason = match ending.wait_for(Option::is_some).await {
        Ok(reason) => reason.clone(),
        Err(_) => None,
    };
    match reason {
        Some(reason) => reason,
        // The sender lives as long as the connection; without it nothing can end this wait.
        None => future::pending().await,
    }
}

/// The protocol the client asks for, in its order of preference, as async-graphql-axum's
/// `GraphQLProtocol` reads it.
fn requested_protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|protocol| WebSocketProtocols::from_str(protocol.trim()).ok())
}

/// `GET /graphql/ws`: subscriptions over graphql-transport-ws or the legacy graphql-ws; the
/// token comes in the `connection_init` payload as `{"authorization": "Bearer …"}`.
pub async fn websocket(
    State(state): State<Arc<crate::api::AppState>>,
    peer: super::Peer,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = requested_protocol(&headers) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let schema = state.schema.clone();
    let auth = state.services.auth.clone();
    let metrics = Arc::clone(&state.metrics);
    let client = state.limits.client_addresses.client_of(
        &headers,
        peer.map(|axum::extract::Extension(axum::extract::connect_info::ConnectInfo(peer))| peer),
    );
    upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .protocols([protocol.sec_websocket_protocol()])
        .on_upgrade(move |socket| serve(socket, schema, auth, protocol, client, metrics))
        .into_response()
}

/// Runs async-graphql's protocol over the socket, with a watch on the session beside it.
async fn serve(
    socket: WebSocket,
    schema: SiagaSchema,
    auth: Auth,
    protocol: WebSocketProtocols,
    client: crate::auth::ClientAddress,
    metrics: Arc<crate::metrics::Metrics>,
) {
    let (sink, incoming) = socket.split();
    let incoming = incoming
        .take_while(|received| future::ready(received.is_ok()))
        .filter_map(|received| {
            future::ready(match received {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => {
                    Some(tag_subscription(message.into_data()))
                }
                _ => None,
            })
        });

    let (connection, frames) = ConnectionSession::new(protocol);
    let on_connection_init = {
        let auth = auth.clone();
        let connection = connection.clone();
        move |payload: serde_json::Value| async move {
            let header = payload
                .get("authorization")
                .or_else(|| payload.get("Authorization"))
                .and_then(|value| value.as_str())
                .ok_or_else(|| {
                    to_graphql_error(UserError::unauthenticated(
                        "connection_init must carry {\"authorization\": \"Bearer <token>\"}",
                    ))
                })?;
            let (principal, session) =
                auth.authenticate_header_session(header).map_err(|error| {
                    // The answer stays UNAUTHENTICATED; the attempt counts against the client.
                    let _ = auth.take_attempt(client);
                    to_graphql_error(error)
                })?;
            let _ = connection
                .opened_as
                .set((principal.clone(), session.clone()));
            let mut data = Data::default();
            data.insert(principal);
            data.insert(session);
            data.insert(connection);
            data.insert(client);
            Ok(data)
        }
    };
    let messages =
        async_graphql::http::WebSocket::new(ConnectionExecutor(schema), incoming, protocol)
            .on_connection_init(on_connection_init);
    futures_util::pin_mut!(messages);

    let outgoing = connection.frames();
    let mut writer = tokio::spawn(write_out(sink, frames, metrics));
    // However this task ends (even cancelled), the writer is told to finish.
    let _finish = FinishOnDrop(outgoing.clone());
    let mut ending = connection.ending();
    // One timer for the connection's life, armed once the session is known.
    let check_due = tokio::time::sleep(std::time::Duration::ZERO);
    futures_util::pin_mut!(check_due);
    let mut watching = false;
    let mut sent_after_the_end = 0;
    let mut close = None;
    loop {
        // Before connection_init there is no session to watch; after it, the first check is
        // scheduled from the session's own deadlines.
        if !watching && let Some((_, session)) = connection.opened_as.get() {
            watching = true;
            check_due
                .as_mut()
                .reset(tokio::time::Instant::now() + auth.next_recheck_in(session));
        }
        tokio::select! {
            // Messages first: when the session ends, the subscriptions' errors and completions
            // are produced by the time `messages` is pending, and are queued before the close
            // frame. Everything goes through the one queue, so a message follows the frames
            // queued before it.
            biased;
            message = messages.next() => {
                let Some(message) = message else { break };
                let published_at = if is_subscription_item(&message) {
                    connection.take_stamp()
                } else {
                    None
                };
                if outgoing.send(Outgoing::Message(to_axum(message), published_at)).await.is_err() {
                    break;
                }
                let ended = ending.borrow().clone();
                if let Some(reason) = ended {
                    sent_after_the_end += 1;
                    if sent_after_the_end >= MESSAGES_AFTER_THE_END {
                        close = Some(close_frame(&reason));
                        break;
                    }
                }
            }
            reason = session_ended(&mut ending) => {
                close = Some(close_frame(&reason));
                break;
            }
            () = check_due.as_mut(), if watching => {
                let Some((principal, session)) = connection.opened_as.get() else { continue };
                match auth.recheck(principal, session) {
                    Ok(()) => {
                        check_due
                            .as_mut()
                            .reset(tokio::time::Instant::now() + auth.next_recheck_in(session));
                    }
                    Err(reason) => {
                        tracing::info!(username = %principal.username, reason = %reason.message, "websocket session ended");
                        watching = false;
                        connection.end(reason);
                    }
                }
            }
            // The writer stopped: the socket failed.
            _ = &mut writer => break,
        }
    }
    // The writer writes what is queued, then the close frame, and closes the socket.
    outgoing.finish(close);
}

struct FinishOnDrop(FrameSender);

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.finish(None);
    }
}

/// The connection's writer: writes what is queued, several items per flush (one `sendto` for
/// up to `FRAMES_PER_WRITE`), until the end is queued or a write fails.
async fn write_out(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut queued: FrameReceiver,
    metrics: Arc<crate::metrics::Metrics>,
) {
    loop {
        let mut next = Some(queued.recv().await);
        let mut written = [None; FRAMES_PER_WRITE];
        let mut count = 0;
        while let Some(item) = next.take() {
            let fed = match item {
                // Nothing, once its subscription has ended.
                Outgoing::Item(frame) => frame
                    .text()
                    .map(|text| (Message::Text(text.into()), frame.published_at)),
                Outgoing::Message(message, published_at) => Some((message, published_at)),
                Outgoing::Close(close) => {
                    if let Some(close) = close {
                        let _ = sink.send(close).await;
                    }
                    let _ = sink.close().await;
                    return;
                }
            };
            if let Some((message, published_at)) = fed {
                if sink.feed(message).await.is_err() {
                    return;
                }
                written[count] = Some(published_at);
                count += 1;
            }
            if count < FRAMES_PER_WRITE {
                next = queued.try_recv();
            }
        }
        if count == 0 {
            continue;
        }
        if sink.flush().await.is_err() {
            return;
        }
        for published_at in written.into_iter().flatten().flatten() {
            metrics
                .latency
                .fanout
                .observe(published_at.elapsed().as_secs_f64());
        }
    }
}

/// A subscription's item: `next` (graphql-transport-ws) or `data` (the legacy graphql-ws).
fn is_subscription_item(message: &WsMessage) -> bool {
    match message {
        WsMessage::Text(text) => {
            let head = &text.as_bytes()[..text.len().min(32)];
            let head = String::from_utf8_lossy(head);
            head.contains("\"type\":\"next\"") || head.contains("\"type\":\"data\"")
        }
        WsMessage::Close(..) => false,
    }
}

fn close_frame(reason: &UserError) -> Message {
    let code = match reason.code {
        ErrorCode::Forbidden => CLOSE_FORBIDDEN,
        _ => CLOSE_UNAUTHENTICATED,
    };
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.message.clone().into(),
    }))
}

fn to_axum(message: WsMessage) -> Message {
    match message {
        WsMessage::Text(text) => Message::Text(text.into()),
        WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })),
    }
}
