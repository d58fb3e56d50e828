//! The signature, the verification handshake, and what bad requests are refused with.

use super::*;

#[tokio::test]
async fn the_signature_test_vector_is_accepted_and_its_reserialised_copy_refused() {
    let app = spawn_app().await;
    let dir = format!("{}/tests/fixtures/signature", env!("CARGO_MANIFEST_DIR"));
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap())
            .unwrap();
    let header = expected["x_hub_signature_256"].as_str().unwrap();
    let wire = std::fs::read(format!("{dir}/inbound_text_wire.body")).unwrap();
    let reserialised = std::fs::read(format!("{dir}/inbound_text_reserialized.body")).unwrap();

    let refused = app
        .client
        .post(app.webhook_url())
        .header("x-hub-signature-256", header)
        .body(reserialised)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(app.reports().is_empty());

    let accepted = app
        .client
        .post(app.webhook_url())
        .header("x-hub-signature-256", header)
        .body(wire)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(app.reports().len(), 1);
}

async fn assert_nothing_stored(app: &TestApp) {
    for table in [
        Table::Reports,
        Table::Messages,
        Table::Reporters,
        Table::RawPayloads,
        Table::Outbox,
    ] {
        assert!(app.state.store.is_empty(table), "{table:?} must stay empty");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_and_change_nothing() {
    let app = spawn_app_with(|settings| settings.body_limit_bytes = Some(4096)).await;
    let body = payload::to_wire_bytes(&fixture("inbound_text"));
    let url = app.webhook_url();

    let missing = app
        .client
        .post(&url)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    let wrong = app
        .client
        .post(&url)
        .header("x-hub-signature-256", "sha256=00")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let other_key = siaga::whatsapp::signature::sign(b"another secret", &body);
    let forged = app
        .client
        .post(&url)
        .header("x-hub-signature-256", other_key)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let not_hex = app
        .client
        .post(&url)
        .header("x-hub-signature-256", "sha256=zz")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(not_hex.status(), 401);

    let malformed = app
        .post_signed_bytes(b"{\"object\": \"whatsapp_business_account\", \"entry\": [")
        .await;
    assert_eq!(malformed.status(), 400);
    let not_object = app.post_signed_bytes(b"[1,2,3]").await;
    assert_eq!(not_object.status(), 400);

    let mut huge = fixture("inbound_text");
    huge["padding"] = json!("x".repeat(10_000));
    let too_large = app.post_signed_webhook(&huge).await;
    assert_eq!(too_large.status(), 413);

    assert_nothing_stored(&app).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_webhooks_refused_total{reason=\"signature\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("siaga_webhooks_refused_total{reason=\"malformed\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("siaga_webhooks_refused_total{reason=\"too_large\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_verification_handshake_echoes_the_challenge_only_for_the_right_token() {
    let app = spawn_app().await;
    let ok = app.get(&format!("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}")).await;
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong_token = app
        .get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess")
        .await;
    assert_eq!(wrong_token.status(), 403);
    let wrong_mode = app.get(&format!("/webhooks/whatsapp?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token={VERIFY_TOKEN}")).await;
    assert_eq!(wrong_mode.status(), 403);
    let nothing = app.get("/webhooks/whatsapp").await;
    assert_eq!(nothing.status(), 403);
}
