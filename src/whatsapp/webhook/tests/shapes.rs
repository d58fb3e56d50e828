//! Shapes beyond the fixtures: numbers as strings, misshapen neighbours, unknown fields, whole
//! bodies that cannot be read, and every fixture with each of its values replaced.

use super::*;

#[test]
fn integer_timestamps_work_and_bad_ones_fall_back_to_reception_time() {
    let body = messages_body(
        json!([]),
        json!([
            { "from": "6281234567890", "id": "wamid.int", "timestamp": 1795871700,
              "type": "text", "text": { "body": "a" } },
            { "from": "6281234567890", "id": "wamid.bad", "timestamp": "kemarin",
              "type": "text", "text": { "body": "b" } },
            { "from": "6281234567890", "id": "wamid.none", "type": "text", "text": { "body": "c" } }
        ]),
    );
    let items = parse_value(&body);
    assert_eq!(message(&items[0]).sent_at, at(1_795_871_700));
    assert_eq!(message(&items[1]).sent_at, received_at());
    assert_eq!(message(&items[2]).sent_at, received_at());
}

#[test]
fn unfamiliar_or_misshapen_messages_are_kept_without_failing_their_neighbours() {
    let body = messages_body(
        json!([{ "profile": { "name": "Budi" }, "wa_id": "6281234567890" }]),
        json!([
            { "from": "6281234567890", "id": "wamid.1", "timestamp": "1795871700",
              "type": "hologram", "hologram": { "depth": 3 } },
            { "from": "6281234567890", "id": "wamid.2", "timestamp": "1795871701", "type": "image" },
            { "from": "6281234567890", "id": "wamid.3", "timestamp": "1795871702",
              "type": "text", "text": { "body": "masih ada" } },
            { "from": "6281234567890", "id": "wamid.4", "timestamp": "1795871703",
              "type": "interactive",
              "errors": [{ "code": 131000, "title": "Something went wrong",
                           "error_data": { "details": "Unsupported webhook payload" } }] },
            { "from": "6281234567890", "id": "wamid.5", "timestamp": "1795871704" },
            { "from": "6281234567890", "timestamp": "1795871705", "type": "text", "text": { "body": "x" } },
            "not even an object"
        ]),
    );
    let items = parse_value(&body);
    assert_eq!(items.len(), 7);
    let unfamiliar = |original_type: &str| MessageContent::Unsupported {
        original_type: original_type.into(),
        known_to_meta: false,
    };
    assert_eq!(message(&items[0]).content, unfamiliar("hologram"));
    assert_eq!(message(&items[0]).raw["hologram"]["depth"], 3);
    assert_eq!(message(&items[1]).content, unfamiliar("image"));
    assert_eq!(
        message(&items[1]).sender.profile_name.as_deref(),
        Some("Budi")
    );
    assert_eq!(message(&items[2]).content.text(), Some("masih ada"));
    assert_eq!(message(&items[3]).content, unfamiliar("interactive"));
    assert_eq!(message(&items[3]).errors[0].code, 131000);
    assert_eq!(message(&items[4]).content, unfamiliar("(missing)"));
    assert!(matches!(&items[5], InboundItem::Ignored { field, raw }
        if field == "messages: no id" && raw["text"]["body"] == "x"));
    assert!(matches!(&items[6], InboundItem::Ignored { field, .. } if field == "messages: no id"));
}

#[test]
fn edits_parse_the_new_version_and_revokes_name_the_deleted_message() {
    let body = messages_body(
        json!([]),
        json!([
            { "from": "6281234567890", "id": "wamid.edit", "timestamp": "1795871800", "type": "edit",
              "edit": { "original_message_id": "wamid.original",
                        "message": { "type": "image", "image": { "id": "77", "caption": "plat B 1234 XYZ" } } } },
            { "from": "6281234567890", "id": "wamid.revoke", "timestamp": "1795871900", "type": "revoke",
              "revoke": { "original_message_id": "wamid.original" } },
            { "from": "6281234567890", "id": "wamid.edit2", "timestamp": "1795871800", "type": "edit",
              "edit": { "message": { "type": "text", "text": { "body": "x" } } } }
        ]),
    );
    let items = parse_value(&body);
    let MessageContent::Edit {
        target_id,
        new_content,
    } = &message(&items[0]).content
    else {
        panic!("{:?}", items[0])
    };
    assert_eq!(target_id, "wamid.original");
    assert_eq!(new_content.text(), Some("plat B 1234 XYZ"));
    assert_eq!(new_content.media().unwrap().1.media_id, "77");
    assert_eq!(
        message(&items[1]).content,
        MessageContent::Revoke {
            target_id: "wamid.original".parse().unwrap()
        }
    );
    assert_eq!(
        message(&items[2]).content,
        MessageContent::Unsupported {
            original_type: "edit".into(),
            known_to_meta: false
        }
    );
}

#[test]
fn orders_keep_their_text_and_raw_object_and_referrals_are_kept() {
    let body = messages_body(
        json!([]),
        json!([{ "from": "6281234567890", "id": "wamid.order", "timestamp": "1795871800", "type": "order",
                 "order": { "catalog_id": "1", "text": "pesan", "product_items": [] },
                 "referral": { "source_type": "ad", "source_id": "99" } }]),
    );
    let items = parse_value(&body);
    let message = only_message(&items);
    assert_eq!(
        message.content,
        MessageContent::Order {
            text: Some("pesan".into()),
            raw: json!({ "catalog_id": "1", "text": "pesan", "product_items": [] }),
        }
    );
    assert_eq!(
        message.context.referral,
        Some(json!({ "source_type": "ad", "source_id": "99" }))
    );
}

#[test]
fn other_fields_are_ignored_with_their_raw_value() {
    let body = json!({ "entry": [{ "id": "1", "changes": [
        { "field": "account_update", "value": { "event": "VERIFIED_ACCOUNT" } },
        { "field": "messages" },
        { "value": { "x": 1 } }
    ] }] });
    let items = parse_value(&body);
    assert_eq!(
        items,
        vec![
            InboundItem::Ignored {
                field: "account_update".into(),
                raw: json!({ "event": "VERIFIED_ACCOUNT" })
            },
            InboundItem::Ignored {
                field: "messages: no value object".into(),
                raw: Value::Null
            },
            InboundItem::Ignored {
                field: "(missing)".into(),
                raw: json!({ "x": 1 })
            },
        ]
    );
}

#[test]
fn every_entry_and_change_is_walked_in_order() {
    let change = |id: &str| {
        json!({ "field": "messages", "value": { "metadata": { "phone_number_id": PHONE_NUMBER_ID },
            "messages": [{ "from": "6281234567890", "id": id, "timestamp": "1795871700",
                           "type": "text", "text": { "body": id } }] } })
    };
    let body = json!({ "entry": [
        { "changes": [change("m1"), change("m2")] },
        "garbage",
        { "changes": "garbage" },
        { "changes": [change("m3")] }
    ] });
    let ids: Vec<String> = parse_value(&body)
        .iter()
        .map(|item| message(item).external_id.to_string())
        .collect();
    assert_eq!(ids, ["m1", "m2", "m3"]);
}

#[test]
fn only_unreadable_bodies_are_errors() {
    assert!(matches!(
        parse_notification(b"{\"entry\": [", received_at()),
        Err(WebhookParseError::MalformedJson(text)) if !text.is_empty()
    ));
    assert!(matches!(
        parse_notification(b"", received_at()),
        Err(WebhookParseError::MalformedJson(_))
    ));
    assert!(matches!(
        parse_notification(&[0xff, 0xfe, b'{'], received_at()),
        Err(WebhookParseError::MalformedJson(_))
    ));
    assert_eq!(
        parse_notification(b"[]", received_at()),
        Err(WebhookParseError::NotAnObject)
    );
    assert_eq!(
        parse_notification(b"\"x\"", received_at()),
        Err(WebhookParseError::NotAnObject)
    );
    assert_eq!(parse_notification(b"{}", received_at()), Ok(Vec::new()));
    assert_eq!(
        parse_notification(b"{\"entry\": 5, \"object\": \"page\"}", received_at()),
        Ok(Vec::new())
    );
}

#[test]
fn the_app_dashboard_test_payload_parses() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "0", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "16505551111", "phone_number_id": "123456123" },
            "contacts": [{ "profile": { "name": "test user name" }, "wa_id": "16315551181" }],
            "messages": [{ "from": "16315551181", "id": "ABGGFlA5Fpa", "timestamp": "1504902988",
                           "type": "text", "text": { "body": "this is a text message" } }]
        } }] }]
    });
    let items = parse_value(&body);
    let message = only_message(&items);
    assert_eq!(message.external_id, "ABGGFlA5Fpa");
    assert_eq!(message.recipient_account.as_deref(), Some("123456123"));
    assert_eq!(message.sender.phone, phone("+16315551181"));
    assert_eq!(
        message.sender.profile_name.as_deref(),
        Some("test user name")
    );
    assert_eq!(message.sent_at, at(1_504_902_988));
    assert_eq!(message.content.text(), Some("this is a text message"));
}

#[test]
fn placeholder_numbers_leave_the_phone_unset() {
    let body = messages_body(
        json!([{ "profile": { "name": "Test Name" }, "wa_id": "<WHATSAPP_USER_PHONE_NUMBER>",
                 "user_id": "US.13491208655302741918" }]),
        json!([{ "from": "<WHATSAPP_USER_PHONE_NUMBER>", "id": "<WHATSAPP_MESSAGE_ID>",
                 "timestamp": "1697043223", "type": "revoke",
                 "revoke": { "original_message_id": "<ORIGINAL_WHATSAPP_MESSAGE_ID>" } }]),
    );
    let items = parse_value(&body);
    let message = only_message(&items);
    assert_eq!(message.sender.phone, None);
    assert_eq!(message.sender.profile_name.as_deref(), Some("Test Name"));
    assert_eq!(
        message.sender.bsuid.as_deref(),
        Some("US.13491208655302741918")
    );
}

#[test]
fn every_fixture_parses_and_survives_having_each_value_replaced() {
    // Mangling every value in turn must never panic nor fail a batch that is still an object.
    let fixtures = [
        include_str!("../../../../tests/fixtures/webhooks/inbound_text.json"),
        include_str!("../../../../tests/fixtures/webhooks/inbound_contacts.json"),
        include_str!("../../../../tests/fixtures/webhooks/interactive_call_permission_reply.json"),
        include_str!("../../../../tests/fixtures/webhooks/call_terminate.json"),
        include_str!("../../../../tests/fixtures/webhooks/status_failed.json"),
        include_str!("../../../../tests/fixtures/webhooks/inbound_batch_two_contacts.json"),
        include_str!("../../../../tests/fixtures/webhooks/inbound_batch_multi_change.json"),
        include_str!("../../../../tests/fixtures/webhooks/call_connect_user_initiated.json"),
        include_str!("../../../../tests/fixtures/webhooks/inbound_system_user_changed_number.json"),
        include_str!("../../../../tests/fixtures/webhooks/inbound_image_caption.json"),
        include_str!("../../../../tests/fixtures/webhooks/inbound_interactive_list_reply.json"),
        include_str!("../../../../tests/fixtures/webhooks/value_errors_only.json"),
    ];
    let replacements = [
        Value::Null,
        json!(""),
        json!(-1),
        json!(1e300),
        json!([]),
        json!({}),
        json!(true),
    ];
    fn paths(value: &Value, prefix: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => map
                .iter()
                .for_each(|(key, child)| paths(child, format!("{prefix}/{key}"), out)),
            Value::Array(list) => list
                .iter()
                .enumerate()
                .for_each(|(index, child)| paths(child, format!("{prefix}/{index}"), out)),
            _ => {}
        }
        out.push(prefix);
    }
    for fixture in fixtures {
        let original: Value = serde_json::from_str(fixture).unwrap();
        let mut pointers = Vec::new();
        paths(&original, String::new(), &mut pointers);
        for pointer in pointers.iter().filter(|pointer| !pointer.is_empty()) {
            for replacement in &replacements {
                let mut mangled = original.clone();
                *mangled.pointer_mut(pointer).unwrap() = replacement.clone();
                assert!(
                    parse_notification(mangled.to_string().as_bytes(), received_at()).is_ok(),
                    "{pointer} = {replacement}"
                );
            }
        }
    }
}
