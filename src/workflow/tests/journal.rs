//! Notes, logged calls, media views (chain of custody) and merges.

use super::*;
use crate::bus::ReportEventKind;
use crate::domain::ids::{MessageId, ReportId};
use crate::domain::report::ReportStatus;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::workflow::CallKind;

#[tokio::test]
async fn a_note_is_a_timeline_event_by_its_author_and_must_say_something() {
    let fixture = fixture();
    let report = fixture.new_report();
    let mut events = fixture.bus.subscribe();
    let note = fixture
        .workflow
        .add_note(&supervisor(), report.id, "  saksi: pemilik warung  ".into())
        .await
        .unwrap();
    assert_eq!(
        (note.kind, note.actor.clone()),
        (TimelineKind::Note, supervisor().actor())
    );
    assert_eq!(note.note.as_deref(), Some("saksi: pemilik warung"));
    assert_eq!(fixture.timeline(report.id).pop().unwrap(), note);
    assert_eq!(drain(&mut events)[0].kind, ReportEventKind::NoteAdded);

    let before = fixture.snapshot(report.id);
    for text in [String::new(), " \t ".into(), "n".repeat(4001)] {
        assert_refused(
            fixture
                .workflow
                .add_note(&operator(), report.id, text)
                .await,
            ErrorCode::BadUserInput,
        );
    }
    assert_eq!(fixture.snapshot(report.id), before);
    assert!(
        drain(&mut events).is_empty(),
        "a refused change publishes nothing"
    );
    assert!(
        fixture
            .workflow
            .add_note(&operator(), report.id, "n".repeat(4000))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_logged_call_records_kind_outcome_duration_and_note() {
    let fixture = fixture();
    let report = fixture.forwarded_report(POLSEK_ILIR_BARAT_I).await;
    let who = officer(POLSEK_ILIR_BARAT_I);
    let event = fixture
        .workflow
        .log_call(
            &who,
            report.id,
            CallKind::Video,
            "tersambung".into(),
            Some(95),
            Some("pelapor menunjukkan lokasi".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        (event.kind, event.actor.clone()),
        (TimelineKind::CallLogged, who.actor())
    );
    assert_eq!(
        event.note.as_deref(),
        Some("video call: tersambung (95 s): pelapor menunjukkan lokasi")
    );
    let missed = fixture
        .workflow
        .log_call(
            &who,
            report.id,
            CallKind::Whatsapp,
            "tidak diangkat".into(),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        missed.note.as_deref(),
        Some("whatsapp call: tidak diangkat")
    );

    let before = fixture.snapshot(report.id);
    assert_refused(
        fixture
            .workflow
            .log_call(&who, report.id, CallKind::Phone, " ".into(), None, None)
            .await,
        ErrorCode::BadUserInput,
    );
    assert_refused(
        fixture
            .workflow
            .log_call(
                &who,
                report.id,
                CallKind::Phone,
                "ok".into(),
                Some(86_401),
                None,
            )
            .await,
        ErrorCode::BadUserInput,
    );
    assert_eq!(fixture.snapshot(report.id), before);
}

#[tokio::test]
async fn a_media_view_is_written_to_the_timeline_naming_the_viewer() {
    let fixture = fixture();
    let (report, message_id) = fixture.new_report_with_stored_photo();
    let viewer = analyst();
    let (message, viewed_report) = fixture
        .workflow
        .record_media_view(&viewer, message_id)
        .await
        .unwrap();
    assert_eq!(message.id, message_id);
    assert_eq!(viewed_report.id, report.id);
    let last = fixture.timeline(report.id).pop().unwrap();
    assert_eq!(last.kind, TimelineKind::MediaViewed);
    assert_eq!(last.actor, Actor::User("analyst".into()));
    assert_eq!(last.message_id, Some(message_id));
    assert!(last.note.unwrap().contains("image"));
    assert_eq!(
        fixture.stored_report(report.id).updated_at,
        report.updated_at,
        "a view changes no case data"
    );
}

#[tokio::test]
async fn media_views_are_refused_for_unseen_reports_and_missing_files() {
    let fixture = fixture();
    let (report, message_id) = fixture.new_report_with_stored_photo();
    fixture
        .workflow
        .forward(&operator(), report.id, &unit(POLSEK_ILIR_BARAT_II), None)
        .await
        .unwrap();
    let before = fixture.snapshot(report.id);
    assert_refused(
        fixture
            .workflow
            .record_media_view(&officer(POLSEK_ILIR_BARAT_I), message_id)
            .await,
        ErrorCode::Forbidden,
    );
    assert_eq!(fixture.snapshot(report.id), before);
    assert_refused(
        fixture
            .workflow
            .record_media_view(&operator(), MessageId::new(987_654_321))
            .await,
        ErrorCode::NotFound,
    );

    // A text message has no file, and a photo not yet downloaded has none either.
    let text_report = fixture.new_report();
    let text_message = fixture.messages(text_report.id)[0].id;
    assert_refused(
        fixture
            .workflow
            .record_media_view(&operator(), text_message)
            .await,
        ErrorCode::NotFound,
    );
    let phone = fixture.new_phone();
    let pending = crate::domain::inbound::MessageContent::Media {
        kind: crate::domain::inbound::MediaKind::Video,
        media: crate::domain::inbound::MediaRef {
            media_id: "media-2".into(),
            ..Default::default()
        },
    };
    let (pending_report, pending_message) =
        fixture.citizen_sends(&phone, pending, Utc::now(), Utc::now());
    let before = fixture.snapshot(pending_report.id);
    assert_refused(
        fixture
            .workflow
            .record_media_view(&operator(), pending_message)
            .await,
        ErrorCode::NotFound,
    );
    assert_eq!(fixture.snapshot(pending_report.id), before);
}

#[tokio::test]
async fn merging_moves_the_messages_and_marks_the_other_report_duplicate() {
    let fixture = fixture();
    let who = operator();
    let phone = fixture.new_phone();
    let into = fixture.older_report_of(&phone);
    let from = fixture.citizen_writes(&phone, "ada tabrakan di simpang");
    fixture.citizen_writes(&phone, "korban dua orang");
    let from_messages: Vec<MessageId> = fixture
        .messages(from.id)
        .iter()
        .map(|message| message.id)
        .collect();
    assert!(
        from_messages.len() >= 3,
        "two texts and the automatic replies"
    );
    let into_count = fixture.messages(into.id).len();
    let mut events = fixture.bus.subscribe();

    let merged = fixture
        .workflow
        .merge_reports(&who, into.id, from.id)
        .await
        .unwrap();
    assert_eq!(merged.id, into.id);
    assert_eq!(merged.inbound_count, into.inbound_count + 2);
    let into_messages = fixture.messages(into.id);
    assert_eq!(into_messages.len(), into_count + from_messages.len());
    for message_id in &from_messages {
        assert_eq!(fixture.message(*message_id).report_id, Some(into.id));
    }
    assert!(fixture.messages(from.id).is_empty());

    let duplicate = fixture.stored_report(from.id);
    assert_eq!(duplicate.status, ReportStatus::Duplicate);
    let from_notes: Vec<String> = fixture
        .timeline(from.id)
        .into_iter()
        .filter_map(|event| event.note)
        .collect();
    assert!(
        from_notes
            .iter()
            .any(|note| note.contains(&format!("merged into {}", into.ticket))),
        "{from_notes:?}"
    );
    let into_last = fixture.timeline(into.id).pop().unwrap();
    assert_eq!(into_last.kind, TimelineKind::Merged);
    assert!(into_last.note.unwrap().contains(from.ticket.as_str()));
    let kinds: Vec<ReportEventKind> = drain(&mut events).iter().map(|event| event.kind).collect();
    assert!(
        kinds.contains(&ReportEventKind::Merged) && kinds.contains(&ReportEventKind::StatusChanged)
    );

    // The citizen of the duplicate writing again starts a new report; the merged case is not
    // theirs to continue, and the duplicate stays closed.
    let again = fixture.citizen_writes(&phone, "sudah ditangani?");
    assert_ne!(again.id, from.id);
}

#[tokio::test]
async fn merging_a_report_of_the_same_citizen_continues_the_older_report() {
    let fixture = fixture();
    let phone = fixture.new_phone();
    let long_ago = Utc::now() - Duration::hours(30);
    let text = |body: &str| crate::domain::inbound::MessageContent::Text { body: body.into() };
    let (older, _) =
        fixture.citizen_sends(&phone, text("motor hilang kemarin"), long_ago, long_ago);
    let newer = fixture.citizen_writes(&phone, "ini soal motor yang kemarin");
    assert_ne!(older.id, newer.id);
    fixture
        .workflow
        .merge_reports(&supervisor(), older.id, newer.id)
        .await
        .unwrap();
    let follow_up = fixture.citizen_writes(&phone, "platnya BG 1234 XY");
    assert_eq!(
        follow_up.id, older.id,
        "the citizen's next message joins the report that goes on"
    );
}

#[tokio::test]
async fn merging_refuses_itself_final_reports_and_missing_ones() {
    let fixture = fixture();
    let who = operator();
    let phone = fixture.new_phone();
    let first = fixture.older_report_of(&phone);
    let second = fixture.citizen_writes(&phone, "motor saya hilang");
    assert_refused(
        fixture
            .workflow
            .merge_reports(&who, first.id, first.id)
            .await,
        ErrorCode::BadUserInput,
    );
    assert_refused(
        fixture
            .workflow
            .merge_reports(&who, first.id, ReportId::new(777_777))
            .await,
        ErrorCode::NotFound,
    );
    fixture
        .workflow
        .set_status(&who, second.id, ReportStatus::Spam, None)
        .await
        .unwrap();
    let before = (fixture.snapshot(first.id), fixture.snapshot(second.id));
    let error = assert_refused(
        fixture
            .workflow
            .merge_reports(&who, first.id, second.id)
            .await,
        ErrorCode::Conflict,
    );
    assert!(error.message.contains("SPAM"), "{}", error.message);
    assert_refused(
        fixture
            .workflow
            .merge_reports(&who, second.id, first.id)
            .await,
        ErrorCode::Conflict,
    );
    assert_eq!(
        (fixture.snapshot(first.id), fixture.snapshot(second.id)),
        before
    );
}

#[tokio::test]
async fn a_merge_whose_source_changed_after_its_messages_were_listed_writes_nothing() {
    let fixture = fixture();
    let phone = fixture.new_phone();
    let into = fixture.older_report_of(&phone);
    let from = fixture.citizen_writes(&phone, "ada tabrakan");
    let listed: Vec<MessageId> = fixture
        .messages(from.id)
        .iter()
        .map(|message| message.id)
        .collect();
    // The citizen writes again between the listing and the transaction.
    fixture.citizen_writes(&phone, "korban dibawa ke rumah sakit");
    let before = (fixture.snapshot(into.id), fixture.snapshot(from.id));
    let attempt = fixture
        .workflow
        .merge_once(&operator(), into.id, from.id, from.timeline_len, &listed)
        .await
        .unwrap();
    assert!(attempt.is_none(), "a stale listing must be retried");
    assert_eq!(
        (fixture.snapshot(into.id), fixture.snapshot(from.id)),
        before
    );
    // The public call re-reads and moves every message, the late one included.
    fixture
        .workflow
        .merge_reports(&operator(), into.id, from.id)
        .await
        .unwrap();
    assert!(fixture.messages(from.id).is_empty());
}

#[tokio::test]
async fn merging_refuses_two_citizens_reports_and_points_to_linking() {
    let fixture = fixture();
    let first = fixture.new_report();
    let second = fixture.new_report();
    let before = (fixture.snapshot(first.id), fixture.snapshot(second.id));
    let error = assert_refused(
        fixture
            .workflow
            .merge_reports(&operator(), first.id, second.id)
            .await,
        ErrorCode::BadUserInput,
    );
    assert!(error.message.contains("linkReports"), "{}", error.message);
    assert_eq!(
        (fixture.snapshot(first.id), fixture.snapshot(second.id)),
        before
    );
}
