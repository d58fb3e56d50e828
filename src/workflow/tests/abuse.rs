//! Abusive numbers through the real intake with the clock in the test's hands: a flood calms
//! and the automatic replies come back; a block with an end lets the number in again at that
//! end.

use chrono::{Duration, Utc};

use super::*;
use crate::domain::inbound::MessageContent;
use crate::domain::message::{MessageBody, OutboundPurpose};

fn text(body: &str) -> MessageContent {
    MessageContent::Text { body: body.into() }
}

/// The purposes of the automatic messages queued on `report_id`, in order.
fn automatic_replies(fixture: &Fixture, report_id: ReportId) -> Vec<OutboundPurpose> {
    fixture
        .store
        .reports()
        .messages(report_id)
        .unwrap()
        .into_iter()
        .filter_map(|message| match message.body {
            MessageBody::Outbound { purpose, .. } => Some(purpose),
            MessageBody::Inbound { .. } => None,
        })
        .collect()
}

#[test]
fn a_flood_gets_one_slow_down_reply_and_the_replies_resume_once_the_rate_is_within_the_limit() {
    let fixture = fixture();
    let phone = fixture.new_phone();
    let start = Utc::now();
    let at = |seconds: i64| start + Duration::seconds(seconds);
    let (report, _) = fixture.citizen_sends(&phone, text("tolong ada tawuran"), at(0), at(0));
    let first = automatic_replies(&fixture, report.id);
    assert_eq!(first.first(), Some(&OutboundPurpose::NewReportReply));
    for second in 1..=19 {
        fixture.citizen_sends(&phone, text("tolong"), at(second), at(second));
    }
    assert_eq!(
        automatic_replies(&fixture, report.id),
        first,
        "follow-ups within the ack interval"
    );
    fixture.citizen_sends(&phone, text("tolong"), at(20), at(20));
    let mut expected = first.clone();
    expected.push(OutboundPurpose::SlowDown);
    assert_eq!(automatic_replies(&fixture, report.id), expected, "the 21st");
    // One message every 25 seconds is 24 in ten minutes: still over the limit, so no reply,
    // though an acknowledgement would be due after ten minutes.
    for second in (45..=900).step_by(25) {
        fixture.citizen_sends(&phone, text("tolong"), at(second), at(second));
    }
    assert_eq!(
        automatic_replies(&fixture, report.id),
        expected,
        "still flooding"
    );
    // Quiet for ten minutes: the next message finds the rate within the limit again.
    let (joined, _) = fixture.citizen_sends(&phone, text("maaf"), at(1600), at(1600));
    assert_eq!(joined.id, report.id);
    expected.push(OutboundPurpose::FollowUpAck);
    assert_eq!(
        automatic_replies(&fixture, report.id),
        expected,
        "calm again"
    );
    let reporter = fixture
        .store
        .reporters()
        .get(joined.reporter_id)
        .unwrap()
        .unwrap();
    assert_eq!(reporter.pace.slowed_since, None);
    assert!(reporter.pace.recent.len() <= 21);
}

#[tokio::test]
async fn a_block_with_an_end_keeps_the_number_out_of_the_queue_until_then() {
    let fixture = fixture();
    let phone = fixture.new_phone();
    let now = Utc::now();
    let (report, _) = fixture.citizen_sends(&phone, text("ada penipuan"), now, now);
    let blocked = fixture
        .workflow
        .block_reporter(
            &supervisor(),
            report.reporter_id,
            "spam".into(),
            Some(now + Duration::hours(1)),
            Some(report.id),
        )
        .await
        .unwrap();
    assert!(blocked.is_blocked(now + Duration::minutes(59)));
    let in_an_hour = now + Duration::minutes(30);
    let (kept, _) = fixture.citizen_sends(&phone, text("spam spam"), in_an_hour, in_an_hour);
    assert!(kept.blocked, "inside the block: kept in the blocked report");
    assert_ne!(kept.id, report.id);
    assert!(automatic_replies(&fixture, kept.id).is_empty());
    let later = now + Duration::minutes(61);
    let (joined, _) = fixture.citizen_sends(&phone, text("laporan baru"), later, later);
    assert!(!joined.blocked, "the block ended by itself");
    assert_eq!(joined.id, report.id, "back in the report in the queue");

    // Only supervisors and admins block; an operator's attempt changes nothing.
    let refused = fixture
        .workflow
        .block_reporter(&operator(), report.reporter_id, "spam".into(), None, None)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let admin_blocks = fixture
        .workflow
        .block_reporter(&admin(), report.reporter_id, "spam".into(), None, None)
        .await
        .unwrap();
    assert!(admin_blocks.is_blocked(later));
}
