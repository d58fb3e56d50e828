//! Unit tests of the Graph client: dispositions by error code, request bodies against the
//! fixtures, error-body parsing and the hiding of the token.

use super::errors::*;
use super::send::*;
use super::*;
use crate::domain::phone::PhoneNumber;
use serde_json::json;

pub(super) fn request_fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/requests/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap()
}

pub(super) fn phone(text: &str) -> Recipient {
    Recipient::Phone(PhoneNumber::parse(text).unwrap())
}

pub(super) fn string_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap()
}

pub(super) fn api_error(code: i64) -> GraphError {
    GraphError::Api(ApiFailure {
        http_status: 400,
        code,
        subcode: None,
        message: None,
        details: None,
        fbtrace_id: None,
    })
}

#[test]
pub(super) fn retryable_codes_are_retried() {
    for code in [130429, 4, 80007, 1, 2, 131000, 131016, 133004, 131057] {
        assert_eq!(
            api_error(code).disposition(),
            Disposition::Retry,
            "code {code}"
        );
    }
}

#[test]
pub(super) fn pair_rate_limit_holds_back_only_that_recipient() {
    assert_eq!(
        api_error(131056).disposition(),
        Disposition::RetryForRecipient
    );
}

#[test]
pub(super) fn reengagement_error_means_the_window_is_closed() {
    assert_eq!(api_error(131047).disposition(), Disposition::OutsideWindow);
}

#[test]
pub(super) fn token_and_auth_failures_mark_the_channel_unhealthy() {
    assert_eq!(api_error(190).disposition(), Disposition::ChannelUnhealthy);
    assert_eq!(api_error(0).disposition(), Disposition::ChannelUnhealthy);
}

#[test]
pub(super) fn parameter_permission_and_policy_errors_are_permanent() {
    let permanent_codes = [
        100, 131008, 131009, 131026, 131048, 131049, 131050, 131051, 131052, 131053, 132000,
        132001, 132015, 132018, 135000, 3, 10, 200, 250, 299, 368, 130403, 130472, 131021, 131031,
        131042, 138006, 999_999,
    ];
    for code in permanent_codes {
        assert_eq!(
            api_error(code).disposition(),
            Disposition::Permanent,
            "code {code}"
        );
    }
}

#[test]
pub(super) fn disposition_ignores_the_http_status() {
    let mut failure = ApiFailure {
        http_status: 500,
        code: 100,
        subcode: None,
        message: Some("(#130429) Rate limit hit".to_string()),
        details: None,
        fbtrace_id: None,
    };
    assert_eq!(
        GraphError::Api(failure.clone()).disposition(),
        Disposition::Permanent
    );
    failure.http_status = 401;
    failure.code = 130429;
    assert_eq!(GraphError::Api(failure).disposition(), Disposition::Retry);
}

#[test]
pub(super) fn transport_and_local_failures_have_fixed_dispositions() {
    assert_eq!(GraphError::Timeout.disposition(), Disposition::Retry);
    assert_eq!(
        GraphError::Network("reset".into()).disposition(),
        Disposition::Retry
    );
    let server_error = GraphError::UnexpectedResponse {
        http_status: 502,
        body_snippet: String::new(),
    };
    assert_eq!(server_error.disposition(), Disposition::Retry);
    let client_error = GraphError::UnexpectedResponse {
        http_status: 404,
        body_snippet: String::new(),
    };
    assert_eq!(client_error.disposition(), Disposition::Permanent);
    assert_eq!(
        GraphError::TooLarge { limit: 1 }.disposition(),
        Disposition::Permanent
    );
    assert_eq!(
        GraphError::InvalidSettings("x".into()).disposition(),
        Disposition::Permanent
    );
}

#[test]
pub(super) fn api_error_display_names_code_details_and_trace_id() {
    let error = GraphError::Api(ApiFailure {
        http_status: 400,
        code: 130429,
        subcode: Some(2494055),
        message: Some("(#130429) Rate limit hit".to_string()),
        details: Some("Cloud API message throughput has been reached.".to_string()),
        fbtrace_id: Some("Az8or2yhqkZfEZ-_4Qn_Bam".to_string()),
    });
    let text = error.to_string();
    assert!(text.starts_with("graph api error code 130429"), "{text}");
    assert!(text.contains("Az8or2yhqkZfEZ-_4Qn_Bam"), "{text}");
    assert!(text.contains("throughput has been reached"), "{text}");
}

#[test]
pub(super) fn text_body_matches_the_send_text_fixture() {
    let fixture = request_fixture("send_text");
    let message = OutgoingMessage::Text {
        body: string_at(&fixture, "/text/body").to_string(),
        reply_to: None,
    };
    let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
    assert_eq!(built, fixture);
}

#[test]
pub(super) fn media_body_matches_the_image_by_id_fixture_and_names_documents() {
    let fixture = request_fixture("send_image_by_id");
    let image = OutgoingMessage::Media {
        kind: "image",
        media_id: string_at(&fixture, "/image/id").to_string(),
        caption: Some(string_at(&fixture, "/image/caption").to_string()),
        // Only documents carry their file name.
        file_name: Some("peta.png".to_string()),
    };
    let built = message_request_body(&phone(string_at(&fixture, "/to")), &image, None);
    assert_eq!(built, fixture);
    let document = OutgoingMessage::Media {
        kind: "document",
        media_id: "123".to_string(),
        caption: None,
        file_name: Some("surat.pdf".to_string()),
    };
    let built = message_request_body(&phone("+6281298765432"), &document, None);
    assert_eq!(built["type"], "document");
    assert_eq!(
        built["document"],
        json!({ "id": "123", "filename": "surat.pdf" })
    );
}

#[test]
pub(super) fn reply_body_matches_the_reply_fixture_plus_disabled_preview() {
    let mut fixture = request_fixture("send_text_reply_context");
    let message = OutgoingMessage::Text {
        body: string_at(&fixture, "/text/body").to_string(),
        reply_to: Some(string_at(&fixture, "/context/message_id").to_string()),
    };
    let callback_data = string_at(&fixture, "/biz_opaque_callback_data").to_string();
    let built = message_request_body(
        &phone(string_at(&fixture, "/to")),
        &message,
        Some(&callback_data),
    );
    // The fixture leaves preview_url to Meta's default (false); we always say it.
    fixture["text"]["preview_url"] = json!(false);
    assert_eq!(built, fixture);
}

#[test]
pub(super) fn template_body_matches_the_body_component_of_the_template_fixture() {
    let mut fixture = request_fixture("send_template");
    let body_parameters = fixture
        .pointer("/template/components/0/parameters")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|parameter| parameter["text"].as_str().unwrap().to_string())
        .collect();
    let message = OutgoingMessage::Template {
        name: string_at(&fixture, "/template/name").to_string(),
        language: string_at(&fixture, "/template/language/code").to_string(),
        body_parameters,
        parameter_names: Vec::new(),
    };
    let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
    // Quick-reply button payloads are not part of OutgoingMessage::Template.
    let components = fixture["template"]["components"].as_array_mut().unwrap();
    components.retain(|component| component["type"] == "body");
    assert_eq!(built, fixture);
}

#[test]
pub(super) fn template_without_parameters_sends_no_components() {
    let message = OutgoingMessage::Template {
        name: "salam_pembuka".to_string(),
        language: "id".to_string(),
        body_parameters: Vec::new(),
        parameter_names: Vec::new(),
    };
    let built = message_request_body(&phone("+6281255556666"), &message, None);
    assert!(built["template"].get("components").is_none(), "{built}");
    assert_eq!(built["template"]["language"]["code"], "id");
}

#[test]
pub(super) fn named_template_parameters_carry_their_names() {
    let message = OutgoingMessage::Template {
        name: "status_laporan_nama".to_string(),
        language: "id".to_string(),
        body_parameters: vec!["WA-2026-000001".to_string(), "Siti".to_string()],
        parameter_names: vec!["ticket".to_string(), "nama".to_string()],
    };
    let built = message_request_body(&phone("+6281255556666"), &message, None);
    assert_eq!(
        built["template"]["components"][0]["parameters"][1],
        serde_json::json!({ "type": "text", "parameter_name": "nama", "text": "Siti" })
    );
}

#[test]
pub(super) fn location_request_body_matches_the_fixture() {
    let fixture = request_fixture("send_location_request");
    let message = OutgoingMessage::LocationRequest {
        body: string_at(&fixture, "/interactive/body/text").to_string(),
    };
    let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
    assert_eq!(built, fixture);
}

#[test]
pub(super) fn call_permission_request_body_matches_the_fixture() {
    let fixture = request_fixture("send_call_permission_request");
    let message = OutgoingMessage::CallPermissionRequest {
        body: string_at(&fixture, "/interactive/body/text").to_string(),
    };
    let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
    assert_eq!(built, fixture);
}

#[test]
pub(super) fn mark_read_body_matches_the_fixture() {
    let fixture = request_fixture("mark_read");
    assert_eq!(
        mark_read_request_body(string_at(&fixture, "/message_id")),
        fixture
    );
}

#[test]
pub(super) fn phone_recipients_are_written_with_a_plus_even_from_national_form() {
    let message = OutgoingMessage::Text {
        body: "halo".to_string(),
        reply_to: None,
    };
    let built = message_request_body(&phone("0812-3456-7890"), &message, None);
    assert_eq!(built["to"], "+6281234567890");
}

#[test]
pub(super) fn bsuid_recipients_use_the_recipient_field_instead_of_to() {
    let message = OutgoingMessage::Text {
        body: "halo".to_string(),
        reply_to: None,
    };
    let recipient = Recipient::Bsuid("ID.1349000111222333".to_string());
    let built = message_request_body(&recipient, &message, Some("laporan=LP-1"));
    assert_eq!(built["recipient"], "ID.1349000111222333");
    assert!(built.get("to").is_none(), "{built}");
    assert_eq!(built["recipient_type"], "individual");
    assert_eq!(built["biz_opaque_callback_data"], "laporan=LP-1");
}

#[test]
pub(super) fn error_bodies_with_string_codes_still_parse() {
    let body = json!({ "error": { "code": "131056", "error_subcode": "1", "fbtrace_id": "T" } });
    let failure = api_failure_from_body(400, &body).unwrap();
    assert_eq!(failure.code, 131056);
    assert_eq!(failure.subcode, Some(1));
}

#[test]
pub(super) fn error_bodies_without_a_code_are_not_api_failures() {
    assert!(api_failure_from_body(400, &json!({ "error": { "message": "x" } })).is_none());
    assert!(api_failure_from_body(400, &json!({ "error": "x" })).is_none());
    assert!(api_failure_from_body(400, &json!({ "messages": [] })).is_none());
}

#[test]
pub(super) fn unexpected_snippets_are_short_and_never_contain_the_token() {
    let token = "EAAG-secret-token";
    let body = format!("echo: Bearer {token} {}", "x".repeat(1000));
    let GraphError::UnexpectedResponse { body_snippet, .. } = unexpected_text(502, &body, token)
    else {
        panic!("wrong variant");
    };
    assert!(!body_snippet.contains(token), "{body_snippet}");
    assert!(body_snippet.chars().count() <= BODY_SNIPPET_CHARS + 1);
}

#[test]
pub(super) fn settings_debug_output_hides_the_token() {
    let settings = GraphSettings {
        base_url: "https://graph.facebook.com".to_string(),
        api_version: "v25.0".to_string(),
        phone_number_id: "112233445566778".to_string(),
        access_token: "EAAG-secret-token".to_string(),
        request_timeout: Duration::from_secs(10),
    };
    assert!(!format!("{settings:?}").contains("EAAG-secret-token"));
    let client = GraphClient::new(settings).unwrap();
    assert!(!format!("{client:?}").contains("EAAG-secret-token"));
}

#[test]
pub(super) fn graph_urls_join_base_version_and_encoded_segments() {
    let client = GraphClient::new(GraphSettings {
        base_url: "https://graph.facebook.com/".to_string(),
        api_version: "v25.0".to_string(),
        phone_number_id: "112233445566778".to_string(),
        access_token: "token".to_string(),
        request_timeout: Duration::from_secs(10),
    })
    .unwrap();
    assert_eq!(
        client.graph_url(&["112233445566778", "messages"]).as_str(),
        "https://graph.facebook.com/v25.0/112233445566778/messages"
    );
    assert_eq!(
        client.graph_url(&["../me?x=1"]).as_str(),
        "https://graph.facebook.com/v25.0/..%2Fme%3Fx=1"
    );
}
