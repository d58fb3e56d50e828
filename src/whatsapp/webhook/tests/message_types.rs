//! One test per message-type fixture: text, media, location, contacts, interactive replies,
//! template buttons, reactions, stickers and unsupported types.

use super::*;

#[test]
fn inbound_text_carries_body_sender_bsuid_and_time() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_text.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.external_id,
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDExMjREMzAyNjlCRkI0MkJDN0VDAA=="
    );
    assert_eq!(message.sender.phone, phone("+6281234567890"));
    assert_eq!(
        message.sender.bsuid.as_deref(),
        Some("ID.1487265930142857361")
    );
    assert_eq!(message.sender.profile_name.as_deref(), Some("Budi Santoso"));
    assert_eq!(message.sender.username, None);
    assert_eq!(message.sent_at, at(1_795_871_700));
    assert_eq!(message.recipient_account.as_deref(), Some(PHONE_NUMBER_ID));
    let MessageContent::Text { body } = &message.content else {
        panic!("{:?}", message.content)
    };
    assert!(body.starts_with("Selamat malam Pak, saya mau lapor."));
    assert!(
        body.ends_with("Tolong dibantu \u{1f64f}"),
        "surrogate pair decoded: {body}"
    );
    assert_eq!(message.context, MessageContext::default());
    assert!(message.errors.is_empty());
    assert_eq!(message.raw["type"], "text");
    assert_eq!(message.raw["id"], json!(message.external_id));
}

#[test]
fn inbound_image_caption_keeps_media_reference_and_url() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_image_caption.json"
    ));
    let message = only_message(&items);
    assert_eq!(message.sender.phone, phone("+6281298765432"));
    assert_eq!(message.sender.profile_name.as_deref(), Some("Siti Rahayu"));
    let (kind, image) = media(message);
    assert_eq!(kind, MediaKind::Image);
    assert_eq!(image.media_id, "9893133057567650");
    assert_eq!(image.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        image.sha256.as_deref(),
        Some("kQIThnAo7X8Tr1WH4rO4EC0RD4au+8+HEHZ8hGeagJQ=")
    );
    assert!(image.url.as_deref().unwrap().starts_with(
        "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=9893133057567650"
    ));
    assert_eq!(
        image.caption.as_deref(),
        Some("Ini foto mobil pelaku, plat B 1234 XYZ, kabur ke arah Jl. Juanda")
    );
    assert_eq!(image.filename, None);
    assert_eq!(image.animated, None);
    assert_eq!(message.content.text(), image.caption.as_deref());
}

#[test]
fn inbound_video_is_media_and_flagged_forwarded() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_video.json"
    ));
    let message = only_message(&items);
    let (kind, video) = media(message);
    assert_eq!(kind, MediaKind::Video);
    assert_eq!(video.media_id, "9960230478796091");
    assert_eq!(video.mime_type.as_deref(), Some("video/mp4"));
    assert_eq!(
        video.caption.as_deref(),
        Some("Rekaman CCTV warung, pelakunya pakai helm hitam dan jaket ojol")
    );
    assert!(message.context.forwarded);
    assert!(!message.context.frequently_forwarded);
    assert_eq!(message.context.quoted_id, None);
    assert_eq!(message.sender.phone, phone("+6281211112222"));
}

#[test]
fn inbound_document_keeps_filename_and_caption() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_document.json"
    ));
    let message = only_message(&items);
    let (kind, document) = media(message);
    assert_eq!(kind, MediaKind::Document);
    assert_eq!(document.media_id, "2265102666701999");
    assert_eq!(document.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        document.filename.as_deref(),
        Some("Surat_Keterangan_Kehilangan_KTP.pdf")
    );
    assert_eq!(
        document.caption.as_deref(),
        Some("Surat keterangan kehilangan dari kelurahan")
    );
    assert_eq!(message.sender.profile_name.as_deref(), Some("Rina Kusuma"));
    assert_eq!(message.sent_at, at(1_795_871_880));
}

#[test]
fn inbound_audio_voice_is_a_voice_note() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_audio_voice.json"
    ));
    let message = only_message(&items);
    let (kind, audio) = media(message);
    assert_eq!(kind, MediaKind::Voice);
    assert_eq!(audio.media_id, "8443007400251528");
    assert_eq!(audio.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
    assert_eq!(audio.caption, None);
    assert_eq!(message.sender.phone, phone("+6281255556666"));
    assert_eq!(
        message.sender.bsuid.as_deref(),
        Some("ID.5928374610293847561")
    );
}

#[test]
fn audio_without_the_voice_flag_stays_audio() {
    let body = messages_body(
        json!([]),
        json!([{ "from": "6281255556666", "id": "wamid.audio", "timestamp": "1795871940",
                 "type": "audio", "audio": { "id": "1", "mime_type": "audio/mpeg", "voice": false } }]),
    );
    let items = parse_value(&body);
    assert_eq!(media(only_message(&items)).0, MediaKind::Audio);
}

#[test]
fn inbound_location_keeps_coordinates_name_address_and_url() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_location.json"
    ));
    let message = only_message(&items);
    let MessageContent::Location {
        latitude,
        longitude,
        name,
        address,
        url,
    } = &message.content
    else {
        panic!("{:?}", message.content)
    };
    assert_eq!(*latitude, -6.3728412);
    assert_eq!(*longitude, 106.8343397);
    assert_eq!(name.as_deref(), Some("Indomaret Margonda Raya"));
    assert!(
        address
            .as_deref()
            .unwrap()
            .starts_with("Jl. Margonda Raya No.358")
    );
    assert_eq!(
        url.as_deref(),
        Some("https://maps.google.com/?cid=1234567890123456789")
    );
}

#[test]
fn inbound_location_coords_only_has_no_name_or_address() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_location_coords_only.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.content,
        MessageContent::Location {
            latitude: -6.1753924,
            longitude: 106.8271528,
            name: None,
            address: None,
            url: None,
        }
    );
}

#[test]
fn location_coordinates_may_be_numeric_strings_but_not_garbage() {
    let body = messages_body(
        json!([]),
        json!([
            { "from": "6281298765432", "id": "wamid.a", "timestamp": "1795872010", "type": "location",
              "location": { "latitude": " -6.5 ", "longitude": "106.25" } },
            { "from": "6281298765432", "id": "wamid.b", "timestamp": "1795872010", "type": "location",
              "location": { "latitude": "utara", "longitude": 106.25 } },
            { "from": "6281298765432", "id": "wamid.c", "timestamp": "1795872010", "type": "location",
              "location": { "latitude": 123.0, "longitude": 106.25 } }
        ]),
    );
    let items = parse_value(&body);
    assert_eq!(items.len(), 3);
    assert!(matches!(
        message(&items[0]).content,
        MessageContent::Location { latitude, longitude, .. } if latitude == -6.5 && longitude == 106.25
    ));
    for item in &items[1..] {
        assert_eq!(
            message(item).content,
            MessageContent::Unsupported {
                original_type: "location".into(),
                known_to_meta: false
            }
        );
    }
}

#[test]
fn inbound_contacts_lists_the_shared_witness() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_contacts.json"
    ));
    let message = only_message(&items);
    assert_eq!(message.sender.profile_name.as_deref(), Some("Andi Pratama"));
    assert_eq!(
        message.content,
        MessageContent::Contacts {
            contacts: vec![SharedContact {
                formatted_name: Some("Joko Susilo".into()),
                phones: vec!["+62 812-3456-7001".into()],
                emails: vec!["joko.susilo@example.com".into()],
            }]
        }
    );
}

#[test]
fn inbound_interactive_button_reply_quotes_our_message() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_interactive_button_reply.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.content,
        MessageContent::Interactive {
            kind: InteractiveKind::ButtonReply,
            reply_id: Some("lapor_kecelakaan".into()),
            title: Some("Kecelakaan".into()),
            description: None,
            response_json: None,
        }
    );
    assert_eq!(
        message.context.quoted_id.as_deref(),
        Some("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjdERERBNTJBNzZEMDQ1Q0M4OQA=")
    );
}

#[test]
fn inbound_interactive_list_reply_keeps_the_description() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_interactive_list_reply.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.content,
        MessageContent::Interactive {
            kind: InteractiveKind::ListReply,
            reply_id: Some("kategori_pencurian".into()),
            title: Some("Pencurian".into()),
            description: Some("Curanmor, jambret, pencurian rumah".into()),
            response_json: None,
        }
    );
    assert!(message.context.quoted_id.is_some());
}

#[test]
fn flow_answers_and_unknown_interactive_types_are_interactive() {
    let body = messages_body(
        json!([]),
        json!([
            { "from": "6281234567890", "id": "wamid.flow", "timestamp": "1795872125", "type": "interactive",
              "interactive": { "type": "nfm_reply", "nfm_reply": { "name": "flow", "body": "Sent",
                               "response_json": "{\"lokasi\":\"Depok\"}" } } },
            { "from": "6281234567890", "id": "wamid.other", "timestamp": "1795872125", "type": "interactive",
              "interactive": { "type": "carousel_reply", "carousel_reply": {} } }
        ]),
    );
    let items = parse_value(&body);
    assert_eq!(
        message(&items[0]).content,
        MessageContent::Interactive {
            kind: InteractiveKind::FlowReply,
            reply_id: Some("flow".into()),
            title: Some("Sent".into()),
            description: None,
            response_json: Some("{\"lokasi\":\"Depok\"}".into()),
        }
    );
    assert!(matches!(
        message(&items[1]).content,
        MessageContent::Interactive {
            kind: InteractiveKind::Other,
            ..
        }
    ));
}

#[test]
fn inbound_template_quick_reply_button_is_a_template_button() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_template_quick_reply_button.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.content,
        MessageContent::TemplateButton {
            payload: Some("KONFIRMASI_LAPORAN_YA".into()),
            text: Some("Ya, benar".into()),
        }
    );
    assert_eq!(
        message.context.quoted_id.as_deref(),
        Some("wamid.HBgNNjI4MTIzMzMzNDQ0NBUCABEYEkNERTExREY1MUNGMTk4RDRBRgA=")
    );
}

#[test]
fn inbound_reaction_targets_our_message_with_the_emoji() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_reaction.json"
    ));
    assert_eq!(
        only_message(&items).content,
        MessageContent::Reaction {
            target_id: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA="
                .parse()
                .unwrap(),
            emoji: Some("\u{1f64f}".into()),
        }
    );
}

#[test]
fn inbound_reaction_removed_has_no_emoji() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_reaction_removed.json"
    ));
    assert_eq!(
        only_message(&items).content,
        MessageContent::Reaction {
            target_id: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA="
                .parse()
                .unwrap(),
            emoji: None,
        }
    );
    let without_key = messages_body(
        json!([]),
        json!([{ "from": "6281234567890", "id": "wamid.r", "timestamp": "1795872190", "type": "reaction",
                 "reaction": { "message_id": "wamid.target" } }]),
    );
    assert_eq!(
        only_message(&parse_value(&without_key)).content,
        MessageContent::Reaction {
            target_id: "wamid.target".parse().unwrap(),
            emoji: None
        }
    );
}

#[test]
fn inbound_sticker_is_media_with_the_animated_flag() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_sticker.json"
    ));
    let (kind, sticker) = media(only_message(&items));
    assert_eq!(kind, MediaKind::Sticker);
    assert_eq!(sticker.media_id, "4495551518845581");
    assert_eq!(sticker.mime_type.as_deref(), Some("image/webp"));
    assert_eq!(sticker.animated, Some(false));
}

#[test]
fn inbound_unsupported_is_known_to_meta_with_its_error() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/inbound_unsupported.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.content,
        MessageContent::Unsupported {
            original_type: "poll_creation".into(),
            known_to_meta: true
        }
    );
    assert_eq!(
        message.errors,
        vec![ApiError {
            code: 131051,
            title: Some("Message type unknown".into()),
            message: Some("Message type unknown".into()),
            details: Some("Message type is currently not supported.".into()),
        }]
    );
}

#[test]
fn legacy_unknown_type_is_unsupported_by_meta() {
    let body = messages_body(
        json!([]),
        json!([{ "from": "6281211112222", "id": "wamid.u", "timestamp": "1795872300", "type": "unknown" }]),
    );
    assert_eq!(
        only_message(&parse_value(&body)).content,
        MessageContent::Unsupported {
            original_type: "unknown".into(),
            known_to_meta: true
        }
    );
}
