//! Replies, requests and notices under the 24-hour rule.

use super::*;
use crate::bus::ReportEventKind;
use crate::domain::ids::ReportId;
use crate::domain::inbound::DeliveryStatus;
use crate::domain::message::{Direction, MessageBody, OutboundContent, OutboundPurpose};
use crate::domain::report::ReportStatus;
use crate::domain::timeline::{Actor, TimelineKind};

fn outbound(message: &Message) -> (&OutboundContent, OutboundPurpose, Option<&str>) {
    match &message.body {
        MessageBody::Outbound {
            content,
            purpose,
            author,
        } => (content, *purpose, author.as_deref()),
        MessageBody::Inbound { .. } => panic!("expected an outbound message: {message:#?}"),
    }
}

#[tokio::test]
async fn a_reply_inside_the_window_is_free_text_by_the_user() {
    let fixture = fixture();
    let report = fixture.new_report();
    let outbox_before = fixture.outbox_len();
    let mut events = fixture.bus.subscribe();
    let message = fixture
        .workflow
        .reply_to_reporter(
            &operator(),
            report.id,
            "  Baik, petugas menuju lokasi.  ".into(),
        )
        .await
        .unwrap();
    let (content, purpose, author) = outbound(&message);
    assert_eq!(
        content,
        &OutboundContent::Text {
            body: "Baik, petugas menuju lokasi.".into()
        }
    );
    assert_eq!(purpose, OutboundPurpose::OperatorReply);
    assert_eq!(author, Some("operator"));
    assert_eq!(message.direction, Direction::Outbound);
    assert_eq!(
        message.delivery.as_ref().unwrap().status,
        DeliveryStatus::Queued
    );
    assert_eq!(fixture.outbox_len(), outbox_before + 1);
    assert_eq!(fixture.message(message.id), message, "stored as returned");
    let last = fixture.timeline(report.id).pop().unwrap();
    assert_eq!(
        (last.kind, last.actor, last.message_id),
        (
            TimelineKind::ReplyQueued,
            operator().actor(),
            Some(message.id)
        )
    );
    let published = drain(&mut events);
    assert_eq!(published.len(), 1);
    assert_eq!(
        (published[0].kind, published[0].message_id),
        (ReportEventKind::ReplyQueued, Some(message.id))
    );
    // The outbox sender was woken: a permit is waiting.
    tokio::time::timeout(
        std::time::Duration::from_secs(1),
        fixture.outbox_wake.notified(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn replies_are_one_to_4096_characters() {
    let fixture = fixture();
    let report = fixture.new_report();
    let before = fixture.snapshot(report.id);
    for text in ["".to_string(), "   \n ".to_string(), "x".repeat(4097)] {
        assert_refused(
            fixture
                .workflow
                .reply_to_reporter(&operator(), report.id, text)
                .await,
            ErrorCode::BadUserInput,
        );
    }
    assert_eq!(fixture.snapshot(report.id), before);
    assert!(
        fixture
            .workflow
            .reply_to_reporter(&operator(), report.id, "x".repeat(4096))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn outside_the_window_without_a_template_a_reply_is_refused_and_nothing_is_queued() {
    let fixture = fixture();
    let report = fixture.new_report_with_closed_window();
    let before = fixture.snapshot(report.id);
    let mut events = fixture.bus.subscribe();
    let error = assert_refused(
        fixture
            .workflow
            .reply_to_reporter(&operator(), report.id, "Mohon kirim foto.".into())
            .await,
        ErrorCode::Conflict,
    );
    for phrase in ["24-hour window", "closed", "no template configured"] {
        assert!(
            error.message.contains(phrase),
            "{phrase}: {}",
            error.message
        );
    }
    assert_eq!(
        fixture.snapshot(report.id),
        before,
        "no message, no outbox item, no timeline event"
    );
    assert!(drain(&mut events).is_empty());
}

#[tokio::test]
async fn outside_the_window_with_a_template_the_reply_goes_out_as_the_template() {
    let fixture = fixture_with_fallback_template();
    let report = fixture.new_report_with_closed_window();
    let outbox_before = fixture.outbox_len();
    let message = fixture
        .workflow
        .reply_to_reporter(&operator(), report.id, "Mohon kirim foto.".into())
        .await
        .unwrap();
    let (content, purpose, author) = outbound(&message);
    assert_eq!(
        content,
        &OutboundContent::Template {
            name: "status_laporan".into(),
            language: "id".into(),
            parameters: vec![report.ticket.to_string()],
            parameter_names: Vec::new(),
        }
    );
    assert_eq!(
        (purpose, author),
        (OutboundPurpose::OperatorReply, Some("operator"))
    );
    assert!(message.delivery.as_ref().unwrap().fell_back_to_template);
    assert_eq!(fixture.outbox_len(), outbox_before + 1);
    let note = fixture.timeline(report.id).pop().unwrap();
    assert_eq!(note.kind, TimelineKind::Note);
    assert!(
        note.note.unwrap().contains("Mohon kirim foto."),
        "the unsent words are kept"
    );
}

#[tokio::test]
async fn location_and_call_permission_requests_go_out_inside_the_window_only() {
    let fixture = fixture_with_fallback_template();
    let report = fixture.new_report();
    let location = fixture
        .workflow
        .request_location(&operator(), report.id)
        .await
        .unwrap();
    let OutboundContent::LocationRequest { body } = outbound(&location).0 else {
        panic!("{location:#?}")
    };
    assert!(body.contains(report.ticket.as_str()), "{body}");
    let call = fixture
        .workflow
        .request_call_permission(&officer(POLRESTABES), report.id)
        .await;
    assert_refused(call, ErrorCode::Forbidden);
    let call = fixture
        .workflow
        .request_call_permission(&supervisor(), report.id)
        .await
        .unwrap();
    let OutboundContent::CallPermissionRequest { body } = outbound(&call).0 else {
        panic!("{call:#?}")
    };
    assert!(body.contains(report.ticket.as_str()), "{body}");

    let closed = fixture.new_report_with_closed_window();
    let before = fixture.snapshot(closed.id);
    let error = assert_refused(
        fixture
            .workflow
            .request_location(&operator(), closed.id)
            .await,
        ErrorCode::Conflict,
    );
    assert!(
        error.message.contains("24-hour window"),
        "{}",
        error.message
    );
    assert_refused(
        fixture
            .workflow
            .request_call_permission(&operator(), closed.id)
            .await,
        ErrorCode::Conflict,
    );
    assert_eq!(
        fixture.snapshot(closed.id),
        before,
        "no template stands in for an interactive request"
    );
}

/// The last outbound message of a report, with its purpose.
fn last_outbound(fixture: &Fixture, report_id: ReportId) -> Message {
    fixture
        .messages(report_id)
        .into_iter()
        .rev()
        .find(|message| message.direction == Direction::Outbound)
        .unwrap()
}

#[tokio::test]
async fn forwarding_and_resolving_tell_the_citizen_inside_the_window() {
    let fixture = fixture();
    let report = fixture.new_report();
    let mut events = fixture.bus.subscribe();
    fixture
        .workflow
        .forward(
            &operator(),
            report.id,
            &unit(POLRESTABES),
            Some("curanmor".into()),
        )
        .await
        .unwrap();
    let notice = last_outbound(&fixture, report.id);
    let (content, purpose, _) = outbound(&notice);
    assert_eq!(purpose, OutboundPurpose::StatusNotice);
    let OutboundContent::Text { body } = content else {
        panic!("{content:?}")
    };
    assert!(
        body.contains(report.ticket.as_str()) && body.contains("Polrestabes Palembang"),
        "{body}"
    );
    let kinds: Vec<ReportEventKind> = drain(&mut events).iter().map(|event| event.kind).collect();
    assert_eq!(
        kinds,
        [
            ReportEventKind::Assigned,
            ReportEventKind::StatusChanged,
            ReportEventKind::ReplyQueued
        ]
    );

    let outbox_before = fixture.outbox_len();
    fixture
        .workflow
        .forward(
            &operator(),
            report.id,
            &unit(POLRESTABES),
            Some("catatan tambahan".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        fixture.outbox_len(),
        outbox_before,
        "a re-forward to the same unit tells nothing new"
    );

    fixture
        .workflow
        .set_status(&operator(), report.id, ReportStatus::Resolved, None)
        .await
        .unwrap();
    // The resolved notice, then (since #19) the satisfaction question with its three buttons.
    let outbound_messages: Vec<Message> = fixture
        .messages(report.id)
        .into_iter()
        .filter(|message| message.direction == Direction::Outbound)
        .collect();
    let [.., notice, question] = &outbound_messages[..] else {
        panic!("{outbound_messages:#?}")
    };
    let OutboundContent::Text { body } = outbound(notice).0 else {
        panic!("{notice:#?}")
    };
    assert!(
        body.contains("selesai") && body.contains(report.ticket.as_str()),
        "{body}"
    );
    let (OutboundContent::Buttons { choices, .. }, OutboundPurpose::Satisfaction, None) =
        outbound(question)
    else {
        panic!("{question:#?}")
    };
    assert_eq!(choices.len(), 3);
}

#[tokio::test]
async fn outside_the_window_notices_use_the_template_or_the_timeline_says_they_were_not_sent() {
    let with_template = fixture_with_fallback_template();
    let report = with_template.new_report_with_closed_window();
    with_template
        .workflow
        .forward(&operator(), report.id, &unit(POLRES_OKI), None)
        .await
        .unwrap();
    let notice = last_outbound(&with_template, report.id);
    let (content, purpose, _) = outbound(&notice);
    assert!(
        matches!(content, OutboundContent::Template { .. }),
        "{content:?}"
    );
    assert_eq!(purpose, OutboundPurpose::StatusNotice);

    let without = fixture();
    let report = without.new_report_with_closed_window();
    let outbox_before = without.outbox_len();
    let forwarded = without
        .workflow
        .forward(&operator(), report.id, &unit(POLRES_OKI), None)
        .await
        .unwrap();
    assert_eq!(
        forwarded.status,
        ReportStatus::Forwarded,
        "the change itself succeeds"
    );
    assert_eq!(without.outbox_len(), outbox_before);
    let last = without.timeline(report.id).pop().unwrap();
    assert_eq!(
        (last.kind, last.actor),
        (TimelineKind::NoticeNotSent, Actor::System)
    );
    assert!(
        last.note
            .unwrap()
            .contains("forwarded to Polres Ogan Komering Ilir")
    );
    without
        .workflow
        .set_status(&operator(), report.id, ReportStatus::Resolved, None)
        .await
        .unwrap();
    // Neither the resolved notice nor (since #19) the satisfaction question could go out.
    let timeline = without.timeline(report.id);
    let [.., resolved, question] = &timeline[..] else {
        panic!("{timeline:#?}")
    };
    assert_eq!(resolved.kind, TimelineKind::NoticeNotSent);
    assert!(
        resolved
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("resolved")
    );
    assert_eq!(question.kind, TimelineKind::NoticeNotSent);
    assert!(
        question
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("satisfaction question was not asked")
    );
    assert_eq!(without.outbox_len(), outbox_before);
}
