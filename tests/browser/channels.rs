//! Issue 19 part 1 in the browser: with two business numbers configured, the queue offers a
//! channel filter and the report shows the number it came in on.

use siaga::config::{NumberSettings, WhatsAppSection};
use siaga::domain::user::Role;
use siaga::whatsapp::payload;

use super::{Console, choose, text_payload, wait_until_live};

const POLDA: &str = "112233445566778";
const PALEMBANG: &str = "223344556677889";

#[tokio::test]
async fn an_operator_filters_the_queue_by_number_and_sees_the_reports_number() {
    let Some(console) = Console::open_with(
        |settings| {
            settings.wa_phone_number_id = None;
            settings.whatsapp = Some(WhatsAppSection {
                numbers: vec![
                    NumberSettings {
                        phone_number_id: POLDA.into(),
                        label: "Polda Sumsel".into(),
                        ..Default::default()
                    },
                    NumberSettings {
                        phone_number_id: PALEMBANG.into(),
                        label: "Polrestabes Palembang".into(),
                        ..Default::default()
                    },
                ],
            });
        },
        &[("operator1", Role::Operator, Some("COMMAND_CENTER"))],
    )
    .await
    else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let to_polda = text_payload("081377602001", "wamid.browser.ch.1", "motor saya dicuri");
    assert_eq!(app.post_signed_webhook(&to_polda).await.status(), 200);
    let to_palembang = payload::addressed_to(
        text_payload(
            "081377602002",
            "wamid.browser.ch.2",
            "rumah saya kemalingan",
        ),
        PALEMBANG,
        "6281370002111",
    );
    assert_eq!(app.post_signed_webhook(&to_palembang).await.status(), 200);
    let tickets: Vec<(String, Option<String>)> = app
        .reports()
        .into_iter()
        .map(|report| (report.ticket.to_string(), report.channel))
        .collect();
    let ticket_on = |number: &str| {
        tickets
            .iter()
            .find(|(_, channel)| channel.as_deref() == Some(number))
            .map(|(ticket, _)| ticket.clone())
            .unwrap()
    };
    let (polda_row, palembang_row) = (
        format!("tr[data-ticket='{}']", ticket_on(POLDA)),
        format!("tr[data-ticket='{}']", ticket_on(PALEMBANG)),
    );

    console.sign_in("operator1").await;
    wait_until_live(browser).await;
    browser.wait_for(&polda_row).await;
    browser.wait_for(&palembang_row).await;
    choose(browser, "#filter-channel", PALEMBANG).await;
    browser
        .wait_until(
            "only Palembang's report is listed",
            &format!("return !document.querySelector(\"{polda_row}\")"),
        )
        .await;
    browser.wait_for(&palembang_row).await;
    browser.screenshot("channels-01-queue-filter").await;
    browser.click(&palembang_row).await;
    browser.wait_for("#report-channel").await;
    assert_eq!(
        browser.text_of("#report-channel").await,
        "Polrestabes Palembang"
    );
}
