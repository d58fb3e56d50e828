//! Media lookups and downloads: hashes, the bearer token, size limits and retries.

use super::*;

/// The whole body of a streamed download, and its content type.
async fn download_all(
    client: &GraphClient,
    url: &str,
    max_bytes: u64,
) -> Result<(Vec<u8>, Option<String>), GraphError> {
    let mut download = client.download_media(url, max_bytes).await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = download.chunk().await? {
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, download.content_type))
}

#[tokio::test]
async fn media_lookup_and_download_round_trip_with_a_matching_sha256() {
    let mock = MockGraph::start().await;
    let photo: Vec<u8> = (0..50_000u32).map(|index| (index % 251) as u8).collect();
    mock.add_media("3898908084126216", photo.clone(), "image/jpeg");
    let client = client_for(&mock);

    let info = client.media_info("3898908084126216").await.unwrap();
    let (bytes, content_type) = download_all(&client, &info.url, 1_000_000).await.unwrap();

    assert_eq!(info.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(info.file_size, Some(photo.len() as u64));
    assert_eq!(bytes, photo);
    assert_eq!(content_type.as_deref(), Some("image/jpeg"));
    let actual_sha256 = hex::encode(Sha256::digest(&bytes));
    assert_eq!(info.sha256.as_deref(), Some(actual_sha256.as_str()));
    let requests = mock.requests();
    assert_eq!(requests[0].path, "/v25.0/3898908084126216");
    assert_eq!(
        requests[0].query.as_deref(),
        Some(&*format!("phone_number_id={PHONE_NUMBER_ID}"))
    );
    assert_eq!(requests[1].path, "/download/3898908084126216");
    assert_eq!(
        requests[1].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[tokio::test]
async fn a_corrupted_media_hash_is_visible_to_the_caller() {
    let mock = MockGraph::start().await;
    mock.add_media("555", b"foto barang bukti".to_vec(), "image/png");
    mock.corrupt_media_hash("555");
    let client = client_for(&mock);

    let info = client.media_info("555").await.unwrap();
    let (bytes, _) = download_all(&client, &info.url, 1024).await.unwrap();

    let actual_sha256 = hex::encode(Sha256::digest(&bytes));
    assert_ne!(info.sha256.as_deref(), Some(actual_sha256.as_str()));
}

#[tokio::test]
async fn the_mock_refuses_media_downloads_without_a_bearer_token() {
    let mock = MockGraph::start().await;
    mock.add_media("777", b"rekaman suara".to_vec(), "audio/ogg");
    let url = format!("{}/download/777", mock.url);
    let raw_http = reqwest::Client::new();

    let anonymous = raw_http.get(&url).send().await.unwrap();
    let empty_bearer = raw_http
        .get(&url)
        .header("Authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    let authorized = raw_http
        .get(&url)
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();

    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(empty_bearer.status().as_u16(), 401);
    assert_eq!(authorized.status().as_u16(), 200);
    assert_eq!(authorized.bytes().await.unwrap().as_ref(), b"rekaman suara");
}

#[tokio::test]
async fn a_media_file_larger_than_the_limit_is_refused_as_too_large() {
    let mock = MockGraph::start().await;
    mock.add_media("888", vec![7u8; 10_000], "video/mp4");
    let client = client_for(&mock);

    let info = client.media_info("888").await.unwrap();
    let error = download_all(&client, &info.url, 9_999).await.unwrap_err();

    assert_eq!(error, GraphError::TooLarge { limit: 9_999 });
    assert_eq!(error.disposition(), Disposition::Permanent);
    let (exactly_at_limit, _) = download_all(&client, &info.url, 10_000).await.unwrap();
    assert_eq!(exactly_at_limit.len(), 10_000);
}

#[tokio::test]
async fn a_chunked_download_stops_as_soon_as_it_passes_the_limit() {
    // A server that declares no length, sends more than the limit, then never finishes: only
    // a client that counts while streaming can answer before its timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/download/endless", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let chunk = vec![b'x'; 4096];
        let mut response =
            b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_vec();
        for _ in 0..4 {
            response.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            response.extend_from_slice(&chunk);
            response.extend_from_slice(b"\r\n");
        }
        socket.write_all(&response).await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let client = GraphClient::new(settings_for(&url, Duration::from_secs(10))).unwrap();

    let started = Instant::now();
    let error = download_all(&client, &url, 10_000).await.unwrap_err();

    assert_eq!(error, GraphError::TooLarge { limit: 10_000 });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_failing_media_download_is_retryable_and_succeeds_later() {
    let mock = MockGraph::start().await;
    mock.add_media("999", b"dokumen".to_vec(), "application/pdf");
    mock.fail_media_downloads("999", 1);
    let client = client_for(&mock);
    let info = client.media_info("999").await.unwrap();

    let first = download_all(&client, &info.url, 1024).await.unwrap_err();
    let (second, _) = download_all(&client, &info.url, 1024).await.unwrap();

    assert!(matches!(
        first,
        GraphError::UnexpectedResponse {
            http_status: 500,
            ..
        }
    ));
    assert_eq!(first.disposition(), Disposition::Retry);
    assert_eq!(second, b"dokumen");
}

#[tokio::test]
async fn looking_up_unknown_media_is_a_permanent_api_failure() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    let error = client.media_info("does-not-exist").await.unwrap_err();

    let GraphError::Api(failure) = &error else {
        panic!("expected an api failure, got {error:?}");
    };
    assert_eq!(failure.code, 100);
    assert_eq!(error.disposition(), Disposition::Permanent);
}

#[tokio::test]
async fn a_media_url_off_the_allowlist_is_refused_before_any_request() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = format!("http://{}/download/1", elsewhere.local_addr().unwrap());

    for url in [
        other_port.as_str(),
        "http://127.0.0.2/download/1",
        "https://lookaside.fbsbx.com.example/x",
    ] {
        let error = client.download_media(url, 1024).await.unwrap_err();
        assert!(matches!(error, GraphError::Refused(_)), "{url}: {error:?}");
        assert_eq!(error.disposition(), Disposition::Permanent);
    }
    assert!(mock.requests().is_empty());
}
