//! A reply with a photo in the browser: the reply box shows WhatsApp's limits, refuses a file
//! too large (before it travels) and a PNG named as a PDF (refused by the server, by its
//! contents), uploads the real photo, and the sent image shows in the conversation with its
//! delivery tick once Meta's mock accepted it.

use std::time::{Duration, Instant};

use siaga::domain::user::Role;

use super::{Console, PHOTO_PNG};

#[tokio::test]
async fn an_operator_attaches_a_photo_in_the_reply_box_and_sees_it_sent_in_the_conversation() {
    let Some(console) = Console::open(&[("operator1", Role::Operator, None)]).await else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let (_, ticket) = app
        .citizen_reports("081377301001", "tas saya tertinggal di angkot")
        .await;
    let files = tempfile::tempdir().unwrap();
    let too_large = files.path().join("besar.png");
    let mut big = PHOTO_PNG.to_vec();
    big.resize(6_000_000, 0);
    std::fs::write(&too_large, big).unwrap();
    let disguised = files.path().join("surat.pdf");
    std::fs::write(&disguised, PHOTO_PNG).unwrap();
    let photo = files.path().join("tas.png");
    std::fs::write(&photo, PHOTO_PNG).unwrap();

    console.sign_in("operator1").await;
    browser.click(&format!("tr[data-ticket='{ticket}']")).await;
    browser.click("#tab-reply").await;
    let limits = browser
        .wait_until(
            "the limits are shown",
            "const p = document.querySelector('#attach-limits'); return p && /5 MB/.test(p.innerText) && p.innerText",
        )
        .await;
    let limits = limits.as_str().unwrap_or_default();
    assert!(
        limits.contains("100 MB") && limits.contains("16 MB"),
        "{limits}"
    );

    browser.choose_file("#attach-file", &too_large).await;
    let refused = browser.text_of("#attach-error").await;
    assert!(refused.contains("terlalu besar"), "{refused}");
    browser.choose_file("#attach-file", &disguised).await;
    browser
        .wait_until(
            "the server's refusal of a PNG named .pdf",
            "const p = document.querySelector('#attach-error'); return p && /Jenis berkas/.test(p.innerText)",
        )
        .await;
    assert!(
        app.state.store.is_empty(siaga::store::Table::Attachments),
        "nothing was kept of the refused files"
    );

    browser.choose_file("#attach-file", &photo).await;
    browser.wait_for("#attached[data-kind=image]").await;
    browser
        .type_into("#reply-text", "Apakah ini tas Anda?")
        .await;
    browser.screenshot("15-reply-with-attachment").await;
    browser.click("#send-reply").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app
        .graph
        .sent_messages()
        .iter()
        .any(|sent| sent["type"] == "image" && sent["image"]["caption"] == "Apakah ini tas Anda?")
    {
        assert!(
            Instant::now() < deadline,
            "the photo never reached the Graph API"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.graph.uploads().len(), 1);
    browser
        .wait_until(
            "the sent photo is shown in the conversation with its tick",
            "const b = [...document.querySelectorAll('#chat .bubble.out[data-kind=image]')].find(b => b.innerText.includes('tas Anda'));
             const img = b && b.querySelector('img.media');
             return img && img.complete && img.naturalWidth > 0 && b.querySelector('[data-delivery=ACCEPTED], [data-delivery=SENT]')",
        )
        .await;
    browser.screenshot("16-photo-sent").await;
    console.close().await;
}
