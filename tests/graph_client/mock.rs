//! The mock Graph API's own promises to the other suites.

use super::*;

#[tokio::test]
async fn waiting_for_sent_messages_wakes_when_concurrent_sends_arrive() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    for index in 0..3 {
        let client = client.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50 * index)).await;
            client
                .send_message(&budi(), &text(&format!("pesan {index}")), None)
                .await
                .unwrap();
        });
    }

    let sent = mock.wait_for_sent_messages(3, Duration::from_secs(5)).await;

    assert_eq!(sent.len(), 3);
    assert_eq!(mock.sent_at().len(), 3);
}

#[tokio::test]
async fn the_mock_answers_unknown_paths_with_a_graph_style_404() {
    let mock = MockGraph::start().await;

    let response = reqwest::Client::new()
        .get(format!(
            "{}/v25.0/{PHONE_NUMBER_ID}/nonsense/path",
            mock.url
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_i64(), "{body}");
}
