//! Media in the chat: a voice note plays in a player that can seek (the media endpoint answers
//! byte ranges through a signed link), and a shared location shows on a small map.

use base64::Engine as _;
use serde_json::json;
use sha2::Digest as _;
use siaga::domain::user::Role;

use super::common::{fixture, refresh_timestamps};
use super::{Console, timeline_in_the_readers_words};

/// Two seconds of a 440 Hz tone, 8 kHz mono 16-bit PCM, as a WAV file.
fn tone_wav() -> Vec<u8> {
    let rate: u32 = 8_000;
    let samples: Vec<i16> = (0..rate * 2)
        .map(|n| {
            let phase = n as f64 * 440.0 * std::f64::consts::TAU / f64::from(rate);
            (phase.sin() * 8_000.0) as i16
        })
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}

#[tokio::test]
async fn a_voice_note_can_be_sought_and_a_shared_location_is_drawn() {
    let Some(console) = Console::open(&[("operator1", Role::Operator, None)]).await else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let wav = tone_wav();
    app.graph
        .add_media("media-voice-1", wav.clone(), "audio/wav");
    let mut voice = fixture("inbound_audio_voice");
    refresh_timestamps(&mut voice, chrono::Utc::now().timestamp());
    let audio = &mut voice["entry"][0]["changes"][0]["value"]["messages"][0]["audio"];
    audio["id"] = json!("media-voice-1");
    audio["mime_type"] = json!("audio/wav");
    audio["sha256"] =
        json!(base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&wav)));
    audio.as_object_mut().map(|audio| audio.remove("url"));
    assert_eq!(app.post_signed_webhook(&voice).await.status(), 200);
    let citizen = siaga::whatsapp::payload::Citizen {
        phone: siaga::domain::phone::PhoneNumber::parse("+6281255556666").expect("a number"),
        name: "Dewi Lestari".into(),
    };
    let location = siaga::whatsapp::payload::location_message(
        &citizen,
        "wamid.browser.location.1",
        chrono::Utc::now().timestamp(),
        -2.9911,
        104.7567,
        Some("Jembatan Ampera"),
    );
    assert_eq!(app.post_signed_webhook(&location).await.status(), 200);
    let ticket = app.reports()[0].ticket.clone();

    console.sign_in("operator1").await;
    browser.click(&format!("tr[data-ticket='{ticket}']")).await;
    browser.wait_for("#chat figure.minimap").await;
    let playable = browser
        .wait_until(
            "the voice note's length is known and it can be sought",
            "const a = document.querySelector('#chat audio.media');
             return a && a.duration > 1.5 && a.seekable.length > 0 && a.seekable.end(0) > 1.5 && a.duration",
        )
        .await;
    assert!(playable.as_f64().unwrap_or_default() > 1.9, "{playable}");
    let sought = browser
        .eval_async(
            "const done = arguments[arguments.length - 1];
             const a = document.querySelector('#chat audio.media');
             a.addEventListener('seeked', () => done(a.currentTime), { once: true });
             a.currentTime = 1.5;",
            json!([]),
        )
        .await;
    assert!(
        (sought.as_f64().unwrap_or_default() - 1.5).abs() < 0.1,
        "{sought}"
    );
    browser.screenshot("13-report-voice-and-location").await;
    let kinds = timeline_in_the_readers_words(browser).await;
    assert!(kinds.iter().any(|kind| kind == "MEDIA_STORED"), "{kinds:?}");
    console.close().await;
}
