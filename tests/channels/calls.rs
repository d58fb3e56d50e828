//! WhatsApp calls record the number they came to, like messages: a call to number B is logged
//! on B's report, never on the citizen's open report of number A.

use super::common::fixture;
use super::{PALEMBANG, POLDA, sent_from, spawn_two_numbers, writes_to};
use serde_json::json;
use siaga::domain::timeline::TimelineKind;
use siaga::whatsapp::payload;

/// The fixtures' citizen.
const CALLER: &str = "081234567890";

#[tokio::test]
async fn a_call_to_the_second_number_counts_as_that_numbers() {
    let app = spawn_two_numbers().await;
    writes_to(&app, POLDA, CALLER, "wamid.call.1", "ada kecelakaan").await;
    assert_eq!(app.reports().len(), 1);

    let connect = payload::addressed_to(
        fixture("call_connect_user_initiated"),
        PALEMBANG,
        "6281370002111",
    );
    assert_eq!(app.post_signed_webhook(&connect).await.status(), 200);
    let mut missed = fixture("call_terminate");
    missed["entry"][0]["changes"][0]["value"]["calls"][0]["status"] = json!("FAILED");
    let missed = payload::addressed_to(missed, PALEMBANG, "6281370002111");
    assert_eq!(app.post_signed_webhook(&missed).await.status(), 200);

    let reports = app.reports();
    assert_eq!(
        reports.len(),
        2,
        "the call opened a report of its own number"
    );
    let on = |number: &str| {
        reports
            .iter()
            .find(|report| report.channel.as_deref() == Some(number))
            .unwrap_or_else(|| panic!("a report on {number}"))
            .clone()
    };
    let (polda, palembang) = (on(POLDA), on(PALEMBANG));
    let kinds = |report: &siaga::domain::report::Report| -> Vec<TimelineKind> {
        app.timeline(report.id)
            .into_iter()
            .map(|event| event.kind)
            .collect()
    };
    assert!(kinds(&palembang).contains(&TimelineKind::CallReceived));
    assert!(kinds(&palembang).contains(&TimelineKind::CallEnded));
    assert!(palembang.flags.contains(&"missed_call".to_string()));
    assert!(!kinds(&polda).contains(&TimelineKind::CallReceived));
    assert!(!kinds(&polda).contains(&TimelineKind::CallEnded));
    assert!(!polda.flags.contains(&"missed_call".to_string()));

    app.wait_until("the call's report is answered", |app| {
        !sent_from(app, PALEMBANG).is_empty()
    })
    .await;
    assert!(
        sent_from(&app, POLDA)
            .iter()
            .all(|body| !body.to_string().contains(&palembang.ticket.to_string())),
        "nothing about the call's report went out from the first number"
    );
}
