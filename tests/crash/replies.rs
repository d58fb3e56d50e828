//! Replies across a SIGKILL: a reply queued but never handed to Meta goes out within two
//! seconds of the restart, whatever the reconcile wait; a reply that was handed to Meta (its
//! answer lost in the crash) waits for Meta's `sent` status and is not sent again.

use std::time::Instant;

use super::*;

/// Long enough that a reply made to wait for it could not go out within two seconds.
const RECONCILE_SECONDS: u64 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_never_attempted_goes_out_at_once_after_a_kill_and_an_attempted_one_is_not_sent_twice()
 {
    let reconcile = RECONCILE_SECONDS.to_string();
    // An expired token pauses the channel for 150 retry bases: two and a half minutes.
    let rig = Rig::new(&[
        ("SIAGA_WA_RECONCILE_SECONDS", &reconcile),
        ("SIAGA_WA_RETRY_BASE_MS", "1000"),
    ])
    .await;
    let graph = &rig.graph;
    let (citra, andi, budi) = (1, 2, 3);

    let mut server = rig.start().await;
    // Citra's reply reaches Meta, whose answer is held back past the kill.
    graph.delay_send_responses(Duration::from_secs(120));
    assert!(rig.post(&delivery(citra, 0).1).await);
    wait_for_send_to(graph, citra).await;
    // Andi's reply meets an expired token, and the channel pauses.
    graph.delay_send_responses(Duration::ZERO);
    graph.push_send_error_fixture("error_190_token_expired", 401);
    assert!(rig.post(&delivery(andi, 0).1).await);
    wait_until_channel_paused(&rig).await;
    // Budi's reply is queued while the channel is paused: it is never handed to Meta.
    assert!(rig.post(&delivery(budi, 0).1).await);
    kill_hard(&mut server);
    assert_eq!(
        sends_to(graph, budi),
        0,
        "Budi's reply left before the kill"
    );

    let mut server = rig.start().await;
    let ready_at = Instant::now();
    // Meta reports Citra's reply as sent.
    let (body, wamid) = graph
        .accepted_sends()
        .into_iter()
        .find(|(body, _)| body["to"] == recipient(citra))
        .expect("Meta accepted Citra's reply");
    assert!(rig.post(&sent_status(&body, &wamid)).await);

    let budi_answered_at = wait_for_send_to(graph, budi).await;
    let delay = budi_answered_at.saturating_duration_since(ready_at);
    assert!(
        delay < Duration::from_secs(2),
        "a reply never handed to Meta went out {delay:?} after the restart"
    );

    // Citra's reply waits out the reconcile wait, finds its status, and is done; Andi's waits
    // for the channel's pause, which the crash cut short, to come due.
    let settle_limit = Duration::from_secs(RECONCILE_SECONDS + 10);
    assert!(
        rig.outbox_reaches(1, settle_limit).await,
        "Citra's reply is reconciled"
    );
    assert_eq!(sends_to(graph, citra), 1, "Citra's reply was sent once");
    assert_eq!(sends_to(graph, budi), 1, "Budi's reply was sent once");
    stop(&mut server);
}

/// How many replies to `citizen(index)` the mock accepted.
fn sends_to(graph: &MockGraph, index: usize) -> usize {
    graph
        .sent_messages()
        .iter()
        .filter(|body| body["to"] == recipient(index))
        .count()
}

/// Waits for the first reply to `citizen(index)` and returns when the mock received it.
async fn wait_for_send_to(graph: &MockGraph, index: usize) -> Instant {
    for _ in 0..3000 {
        let first = graph
            .sent_at()
            .into_iter()
            .find(|(body, _)| body["to"] == recipient(index));
        if let Some((_, received_at)) = first {
            return received_at;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no reply to citizen {index} within 30 s");
}

async fn wait_until_channel_paused(rig: &Rig) {
    for _ in 0..1000 {
        let whatsapp = rig.readiness().await["whatsapp"].clone();
        if whatsapp
            .as_str()
            .is_some_and(|state| state.starts_with("unhealthy"))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the channel never paused");
}
