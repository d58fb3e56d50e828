//! Error classification: scripted Graph errors, odd answers, timeouts, unreachable hosts and
//! settings refused before any request.

use super::*;

#[tokio::test]
async fn each_scripted_graph_error_comes_back_as_an_api_failure_with_its_disposition() {
    let cases = [
        ("error_130429_rate_limit", 400, 130429, Disposition::Retry),
        ("error_130429_rate_limit", 429, 130429, Disposition::Retry),
        (
            "error_131047_reengagement",
            400,
            131047,
            Disposition::OutsideWindow,
        ),
        (
            "error_131056_pair_rate_limit",
            400,
            131056,
            Disposition::RetryForRecipient,
        ),
        (
            "error_190_token_expired",
            401,
            190,
            Disposition::ChannelUnhealthy,
        ),
        (
            "error_100_invalid_parameter",
            400,
            100,
            Disposition::Permanent,
        ),
    ];
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    for (fixture_name, http_status, expected_code, expected_disposition) in cases {
        mock.push_send_error_fixture(fixture_name, http_status);
        let error = client
            .send_message(&budi(), &text("halo"), None)
            .await
            .unwrap_err();

        let GraphError::Api(failure) = &error else {
            panic!("{fixture_name}: expected an api failure, got {error:?}");
        };
        let fixture = graph_response_fixture(fixture_name);
        assert_eq!(failure.code, expected_code, "{fixture_name}");
        assert_eq!(failure.http_status, http_status, "{fixture_name}");
        assert_eq!(
            failure.fbtrace_id.as_deref(),
            fixture["error"]["fbtrace_id"].as_str()
        );
        assert_eq!(failure.subcode, fixture["error"]["error_subcode"].as_i64());
        assert_eq!(
            failure.details.as_deref(),
            fixture["error"]["error_data"]["details"].as_str()
        );
        assert_eq!(error.disposition(), expected_disposition, "{fixture_name}");
        let logged = error.to_string();
        assert!(logged.contains(&expected_code.to_string()), "{logged}");
        assert!(
            logged.contains(failure.fbtrace_id.as_deref().unwrap()),
            "{logged}"
        );
        assert!(!logged.contains(TOKEN), "{logged}");
    }
    assert!(mock.sent_messages().is_empty());
}

#[tokio::test]
async fn an_error_object_inside_a_200_is_still_an_api_failure() {
    let mock = MockGraph::start().await;
    mock.push_send_error_fixture("error_131056_pair_rate_limit", 200);
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert_eq!(error.disposition(), Disposition::RetryForRecipient);
}

#[tokio::test]
async fn a_non_json_502_is_an_unexpected_response_worth_retrying() {
    let mock = MockGraph::start().await;
    mock.push_send_response(
        502,
        Value::String("<html>502 Bad Gateway</html>".to_string()),
    );
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    let GraphError::UnexpectedResponse {
        http_status,
        body_snippet,
    } = &error
    else {
        panic!("expected an unexpected response, got {error:?}");
    };
    assert_eq!(*http_status, 502);
    assert!(body_snippet.contains("502 Bad Gateway"), "{body_snippet}");
    assert_eq!(error.disposition(), Disposition::Retry);
}

#[tokio::test]
async fn a_non_json_4xx_is_an_unexpected_response_not_worth_retrying() {
    let mock = MockGraph::start().await;
    mock.push_send_response(403, Value::String("Forbidden".to_string()));
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert!(matches!(
        error,
        GraphError::UnexpectedResponse {
            http_status: 403,
            ..
        }
    ));
    assert_eq!(error.disposition(), Disposition::Permanent);
}

#[tokio::test]
async fn a_200_without_a_message_id_is_an_unexpected_response() {
    let mock = MockGraph::start().await;
    mock.push_send_response(
        200,
        json!({ "messaging_product": "whatsapp", "messages": [] }),
    );
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            GraphError::UnexpectedResponse {
                http_status: 200,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_graph_api_slower_than_the_request_timeout_gives_a_timeout() {
    let mock = MockGraph::start().await;
    mock.delay_send_responses(Duration::from_secs(3));
    let client = GraphClient::new(settings_for(&mock.url, Duration::from_millis(200))).unwrap();

    let started = Instant::now();
    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert_eq!(error, GraphError::Timeout);
    assert_eq!(error.disposition(), Disposition::Retry);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_unreachable_graph_api_is_a_retryable_network_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = GraphClient::new(settings_for(&closed_url, Duration::from_secs(5))).unwrap();

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert!(matches!(error, GraphError::Network(_)), "{error:?}");
    assert_eq!(error.disposition(), Disposition::Retry);
    assert!(!error.to_string().contains(TOKEN));
}

#[tokio::test]
async fn settings_without_a_token_are_refused_up_front() {
    let mut settings = settings_for("https://graph.facebook.com", Duration::from_secs(5));
    settings.access_token = "  ".to_string();

    let error = GraphClient::new(settings).unwrap_err();

    assert!(matches!(error, GraphError::InvalidSettings(_)), "{error:?}");
}

#[tokio::test]
async fn settings_with_a_malformed_base_url_are_refused_up_front() {
    let settings = settings_for("graph.facebook.com", Duration::from_secs(5));

    let error = GraphClient::new(settings).unwrap_err();

    assert!(matches!(error, GraphError::InvalidSettings(_)), "{error:?}");
}
