//! A GraphQL WebSocket client for the tests: connect with a subprotocol, read JSON messages.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::TestApp;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/graphql/ws` with `protocol` (`graphql-transport-ws` or `graphql-ws`).
pub async fn connect(app: &TestApp, protocol: &str) -> Socket {
    let url = format!("{}/graphql/ws", app.base_url.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket connects");
    socket
}

/// The next text message as JSON, within 10 s.
pub async fn next_json<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("ok");
        if let WsMessage::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// A `graphql-transport-ws` connection of the bearer of `token`, subscribed to `query` (as
/// subscription "1"), returned once the server has registered the subscription.
pub async fn subscribe_as(app: &TestApp, token: &str, query: &str) -> Socket {
    use futures_util::SinkExt;
    let mut socket = connect(app, "graphql-transport-ws").await;
    let init = serde_json::json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket
        .send(WsMessage::Text(init.to_string().into()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let subscribe =
        serde_json::json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    let opened = app.subscriptions_opened();
    socket
        .send(WsMessage::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(opened).await;
    socket
}
