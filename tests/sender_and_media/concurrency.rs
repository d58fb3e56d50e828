//! The sender against a slow Graph API: it keeps as many sends in flight as it is allowed
//! (`wa_send_concurrency`), no more, and when intake hands over faster than it sends, the
//! hand-over stays bounded and every reply still goes out once, from the durable queue.

use std::time::{Duration, Instant};

use siaga::ledger::Ledger;

use super::*;

/// `count` new citizens' messages, posted one after the other.
async fn citizens_write(app: &TestApp, count: usize, prefix: &str) {
    for index in 0..count {
        let citizen = payload::Citizen {
            phone: PhoneNumber::parse(&format!("0813{prefix}{index:04}")).unwrap(),
            name: format!("Warga {index}"),
        };
        let body = payload::text_message(
            &citizen,
            &format!("wamid.concurrency.{prefix}.{index}"),
            chrono::Utc::now().timestamp(),
            "tolong ada pencurian motor",
        );
        assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
    }
}

/// The most sends the mock had received within any window of `width` (they are answered
/// only after the mock's delay, so this is how many were in flight at once).
fn most_within(arrivals: &[Instant], width: Duration) -> usize {
    let mut sorted = arrivals.to_vec();
    sorted.sort();
    (0..sorted.len())
        .map(|start| {
            sorted[start..]
                .iter()
                .take_while(|at| at.duration_since(sorted[start]) < width)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn the_sender_keeps_as_many_sends_in_flight_as_it_is_allowed_and_no_more() {
    let delay = Duration::from_millis(400);
    for (concurrency, citizens) in [(4usize, 12usize), (32, 12)] {
        let app = spawn_app_with(|settings| {
            settings.wa_send_concurrency = Some(concurrency);
            settings.wa_send_rate = Some(10_000);
        })
        .await;
        app.graph.delay_send_responses(delay);
        citizens_write(&app, citizens, &format!("{concurrency:02}")).await;
        app.graph
            .wait_for_sent_messages(citizens, Duration::from_secs(20))
            .await;
        let arrivals: Vec<Instant> = app.graph.sent_at().into_iter().map(|(_, at)| at).collect();
        assert_eq!(arrivals.len(), citizens, "each reply sent once");
        // Sends that arrive within the delay of each other were in flight together.
        let together = most_within(&arrivals, delay - Duration::from_millis(50));
        if concurrency < citizens {
            assert!(
                together <= concurrency,
                "{together} in flight with {concurrency} slots"
            );
            assert!(together >= concurrency / 2, "slots left unused: {together}");
        } else {
            // Intake hands each over as it is acknowledged: they overlap instead of queueing.
            assert!(together >= citizens / 2, "sends serialised: {together}");
        }
    }
}

#[tokio::test]
async fn a_sender_far_behind_intake_still_sends_every_reply_once_from_the_queue() {
    // One slot and a slow Graph API: intake hands over far faster than the sender sends, so
    // the bounded hand-over fills up and later replies are left to the durable queue.
    let app = spawn_app_with(|settings| {
        settings.wa_send_concurrency = Some(1);
        settings.wa_send_rate = Some(10_000);
    })
    .await;
    app.graph.delay_send_responses(Duration::from_millis(50));
    let citizens = 90;
    let started = Instant::now();
    citizens_write(&app, citizens, "77").await;
    let intake_took = started.elapsed();
    let sent = app
        .graph
        .wait_for_sent_messages(citizens, Duration::from_secs(60))
        .await;
    let mut recipients: Vec<String> = sent
        .iter()
        .map(|message| message["to"].as_str().unwrap_or_default().to_string())
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), citizens, "every citizen answered");
    assert_eq!(app.graph.sent_messages().len(), citizens, "and only once");
    app.wait_until("the outbox is empty", |app| {
        app.state.store.outbox().is_empty()
    })
    .await;
    // Intake never waited for the sender.
    assert!(intake_took < Duration::from_secs(30), "{intake_took:?}");
}
