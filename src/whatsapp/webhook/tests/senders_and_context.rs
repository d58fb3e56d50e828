//! Fixtures about who sent a message and what it refers to: quoted and forwarded messages,
//! batches with several contacts, system notices, channel errors and username-only senders.

use super::*;

#[test]
fn inbound_text_reply_context_quotes_our_message() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_text_reply_context.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.content.text(),
        Some("Iya Pak, pelakunya dua orang, boncengan.")
    );
    assert_eq!(
        message.context.quoted_id.as_deref(),
        Some("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA=")
    );
    assert!(!message.context.forwarded);
}

#[test]
fn inbound_text_frequently_forwarded_is_flagged() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_text_frequently_forwarded.json"
    ));
    let message = only_message(&items);
    assert!(message.context.frequently_forwarded);
    assert!(!message.context.forwarded);
    assert!(
        message
            .content
            .text()
            .unwrap()
            .starts_with("INFO PENTING!!")
    );
}

#[test]
fn inbound_batch_two_contacts_pairs_each_message_with_its_sender() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_batch_two_contacts.json"
    ));
    assert_eq!(items.len(), 2);
    let siti = message(&items[0]);
    assert_eq!(siti.sender.profile_name.as_deref(), Some("Siti Rahayu"));
    assert_eq!(siti.sender.phone, phone("+6281298765432"));
    assert_eq!(siti.sender.bsuid.as_deref(), Some("ID.2093847561029384756"));
    assert_eq!(siti.content.kind_name(), "text");
    let andi = message(&items[1]);
    assert_eq!(andi.sender.profile_name.as_deref(), Some("Andi Pratama"));
    assert_eq!(andi.sender.phone, phone("+6281211112222"));
    assert_eq!(andi.sender.bsuid, None);
    assert!(matches!(
        andi.content,
        MessageContent::Location { latitude, .. } if latitude == -6.3910231
    ));
}

#[test]
fn contacts_are_paired_by_identity_not_by_position() {
    let fixture: Value = serde_json::from_str(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_batch_two_contacts.json"
    ))
    .unwrap();
    let mut reversed = fixture.clone();
    let contacts = reversed["entry"][0]["changes"][0]["value"]["contacts"]
        .as_array_mut()
        .unwrap();
    contacts.reverse();
    assert_eq!(contacts[0]["profile"]["name"], "Andi Pratama");
    let items = parse_value(&reversed);
    assert_eq!(items.len(), 2);
    assert_eq!(
        message(&items[0]).sender.profile_name.as_deref(),
        Some("Siti Rahayu")
    );
    assert_eq!(message(&items[0]).sender.phone, phone("+6281298765432"));
    assert_eq!(
        message(&items[1]).sender.profile_name.as_deref(),
        Some("Andi Pratama")
    );
    assert_eq!(message(&items[1]).sender.phone, phone("+6281211112222"));
    assert_eq!(items, parse_value(&fixture));
}

#[test]
fn contacts_pair_by_bsuid_when_the_phone_is_withheld() {
    let body = messages_body(
        json!([
            { "profile": { "name": "Siti" }, "wa_id": "6281298765432", "user_id": "ID.2" },
            { "profile": { "name": "Anonim", "username": "@saksi" }, "user_id": "ID.1" }
        ]),
        json!([{ "from_user_id": "ID.1", "id": "wamid.x", "timestamp": 1795872600,
                 "type": "text", "text": { "body": "halo" } }]),
    );
    let items = parse_value(&body);
    let sender = &only_message(&items).sender;
    assert_eq!(sender.profile_name.as_deref(), Some("Anonim"));
    assert_eq!(sender.username.as_deref(), Some("@saksi"));
    assert_eq!(sender.bsuid.as_deref(), Some("ID.1"));
    assert_eq!(sender.phone, None);
}

#[test]
fn inbound_batch_multi_change_yields_the_message_then_the_status() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_batch_multi_change.json"
    ));
    assert_eq!(items.len(), 2);
    let rina = message(&items[0]);
    assert_eq!(
        rina.content.text(),
        Some("Terima kasih Pak, sudah dibantu.")
    );
    assert_eq!(rina.sender.profile_name.as_deref(), Some("Rina Kusuma"));
    let InboundItem::Status(read) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(read.status, DeliveryStatus::Read);
    assert_eq!(
        read.external_id,
        "wamid.HBgNNjI4MTIzMzMzNDQ0NBUCABEYEkNERTExREY1MUNGMTk4RDRBRgA="
    );
    assert_eq!(read.at, at(1_795_872_475));
    assert_eq!(read.recipient.as_deref(), Some("6281233334444"));
}

#[test]
fn inbound_system_user_changed_number_has_no_contacts_but_the_new_number() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_system_user_changed_number.json"
    ));
    let message = only_message(&items);
    assert_eq!(message.sender.phone, phone("+6281255556666"));
    assert_eq!(message.sender.profile_name, None);
    assert_eq!(
        message.content,
        MessageContent::System {
            kind: "user_changed_number".into(),
            body: Some("User Dewi Lestari changed from 6281255556666 to 6281277778888".into()),
            new_phone: phone("+6281277778888"),
            new_bsuid: None,
        }
    );
}

#[test]
fn a_bsuid_change_notice_is_filed_under_the_previous_bsuid() {
    let body = messages_body(
        json!(null),
        json!([{ "id": "wamid.sys", "timestamp": "1753851315", "type": "system",
                 "system": { "body": "User changed from ID.1 to ID.2", "user_id": "ID.2",
                             "previous_user_id": "ID.1", "type": "user_changed_user_id" } }]),
    );
    let message = only_message(&parse_value(&body)).clone();
    assert_eq!(message.sender.bsuid.as_deref(), Some("ID.1"));
    assert_eq!(message.sender.phone, None);
    assert!(matches!(
        message.content,
        MessageContent::System { ref kind, new_bsuid: Some(ref new), new_phone: None, .. }
            if kind == "user_changed_user_id" && new == "ID.2"
    ));
}

#[test]
fn value_errors_only_become_a_channel_error() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/value_errors_only.json"
    ));
    assert_eq!(items.len(), 1);
    let InboundItem::ChannelError(channel_error) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(channel_error.error.code, 131000);
    assert_eq!(
        channel_error.error.title.as_deref(),
        Some("Something went wrong")
    );
    assert_eq!(
        channel_error.error.details.as_deref(),
        Some("Unsupported webhook payload")
    );
    assert_eq!(
        channel_error.recipient_account.as_deref(),
        Some(PHONE_NUMBER_ID)
    );
    assert_eq!(channel_error.raw["code"], 131000);
}

#[test]
fn inbound_text_username_only_has_a_bsuid_and_no_phone() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_text_username_only_SPECULATIVE.json"
    ));
    let message = only_message(&items);
    assert_eq!(message.sender.phone, None);
    assert_eq!(
        message.sender.bsuid.as_deref(),
        Some("ID.3102938475610293847")
    );
    assert_eq!(message.sender.username.as_deref(), Some("@andi.saksi"));
    assert_eq!(message.sender.profile_name.as_deref(), Some("Andi P."));
    assert!(!message.sender.is_anonymous());
    assert_eq!(
        message.content.text(),
        Some("Saya saksi kejadian tadi, bisa ditelepon?")
    );
}
