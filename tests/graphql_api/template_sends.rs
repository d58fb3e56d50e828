//! Templates going out, through signed webhooks and GraphQL against the mock Graph API: notices
//! outside the 24-hour window as their mapped templates with parameters filled from the report,
//! a reply outside the window refused with the templates that fit, the stored mapping
//! winning over the config file's, and the satisfaction question as the SATISFACTION template,
//! answered by its quick reply.

use super::templates::{
    MAP, PURPOSES, WABA_ID, add_templates, admin, names, refreshed, spawn_with_account,
    template_sends,
};
use super::*;

#[tokio::test]
async fn notices_outside_the_window_go_out_as_their_mapped_templates_filled_from_the_report() {
    let app = spawn_with_account().await;
    add_templates(&app);
    let admin = admin(&app).await;
    let ops = operator(&app).await;
    refreshed(&app, &admin).await;
    for (purpose, name) in [
        ("FORWARDED", "laporan_diteruskan"),
        ("RESOLVED", "laporan_selesai"),
    ] {
        let mapped = app
            .graphql(Some(&admin), MAP, json!({ "p": purpose, "n": name }))
            .await;
        assert_eq!(
            mapped["data"]["setTemplateForPurpose"]["source"], "STORED",
            "{mapped}"
        );
    }
    let (id, ticket) = app
        .citizen_reports("081277001122", "Motor saya dicuri di depan pasar")
        .await;
    close_the_window(&app).await;

    let forwarded = forward(&app, &ops, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    let unit_name = forwarded["data"]["forwardReport"]["assignedUnit"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("{forwarded}"))
        .to_string();
    let resolved = set_status(&app, &ops, &id, "RESOLVED").await;
    assert_eq!(
        resolved["data"]["setReportStatus"]["status"], "RESOLVED",
        "{resolved}"
    );

    let sends = template_sends(&app).await;
    assert_eq!(sends.len(), 2, "{sends:?}");
    let notice = &sends[0]["template"];
    assert_eq!(notice["name"], "laporan_diteruskan");
    assert_eq!(notice["language"]["code"], "id");
    assert_eq!(
        notice["components"][0]["parameters"],
        json!([
            { "type": "text", "parameter_name": "nama", "text": "Warga" },
            { "type": "text", "parameter_name": "ticket", "text": ticket },
            { "type": "text", "parameter_name": "satuan", "text": unit_name },
        ])
    );
    let notice = &sends[1]["template"];
    assert_eq!(notice["name"], "laporan_selesai");
    assert_eq!(
        notice["components"][0]["parameters"],
        json!([
            { "type": "text", "text": ticket },
            { "type": "text", "text": unit_name },
            { "type": "text", "text": "selesai ditangani" },
        ])
    );
}

#[tokio::test]
async fn a_reply_outside_the_window_without_a_template_is_refused_listing_the_templates_that_fit() {
    let app = spawn_with_account().await;
    add_templates(&app);
    let admin = admin(&app).await;
    let ops = operator(&app).await;
    refreshed(&app, &admin).await;
    let (id, ticket) = app
        .citizen_reports("081277003344", "Ada kecelakaan di jembatan Ampera")
        .await;
    close_the_window(&app).await;
    let messages_before = app.state.store.len(Table::Messages);
    let reply = "mutation($id: ID!) { replyToReporter(reportId: $id, text: \"Mohon kirim foto.\") { id kind } }";

    let refused = app.graphql(Some(&ops), reply, json!({ "id": id })).await;

    assert_refused_outside_the_window(&app, &refused, messages_before);
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("laporan_diterima (id, 1 parameters)"),
        "{message}"
    );
    let offered = &refused["errors"][0]["extensions"]["templates"];
    assert_eq!(
        names(offered),
        ["laporan_diterima", "laporan_selesai", "laporan_diteruskan"],
        "approved, in Indonesian, fillable: {refused}"
    );
    assert_eq!(offered[1]["parameterCount"], 3);

    let mapped = app
        .graphql(
            Some(&admin),
            MAP,
            json!({ "p": "OUTSIDE_WINDOW", "n": "laporan_diterima" }),
        )
        .await;
    assert_eq!(
        mapped["data"]["setTemplateForPurpose"]["source"], "STORED",
        "{mapped}"
    );
    let sent = app.graphql(Some(&ops), reply, json!({ "id": id })).await;
    assert!(sent["errors"].is_null(), "{sent}");
    let sends = template_sends(&app).await;
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["template"]["name"], "laporan_diterima");
    assert_eq!(
        sends[0]["template"]["components"][0]["parameters"],
        json!([{ "type": "text", "text": ticket }])
    );
}

#[tokio::test]
async fn the_stored_mapping_wins_over_the_config_files_template_until_it_is_cleared() {
    let app = spawn_app_with(|settings| {
        settings.wa_business_account_id = Some(WABA_ID.into());
        settings.replies = Some(siaga::profile::ReplyOverrides {
            fallback_template: Some(siaga::profile::TemplateRef {
                name: "status_laporan".into(),
                language: "id".into(),
            }),
            ..Default::default()
        });
    })
    .await;
    add_templates(&app);
    let admin = admin(&app).await;
    let ops = operator(&app).await;
    refreshed(&app, &admin).await;
    let outside_window = |response: &Value| response["data"]["templatePurposes"][0].clone();
    let purposes = app.graphql(Some(&admin), PURPOSES, json!({})).await;
    assert_eq!(
        outside_window(&purposes),
        json!({ "purpose": "OUTSIDE_WINDOW", "name": "status_laporan", "language": "id",
                "source": "CONFIG", "setBy": null, "template": null }),
        "the config file's, not in Meta's list: {purposes}"
    );
    let (id, ticket) = app
        .citizen_reports("081277005566", "Lampu lalu lintas mati di simpang Charitas")
        .await;
    close_the_window(&app).await;
    let reply = "mutation($id: ID!) { replyToReporter(reportId: $id, text: \"Sudah kami teruskan.\") { id } }";

    app.graphql(
        Some(&admin),
        MAP,
        json!({ "p": "OUTSIDE_WINDOW", "n": "laporan_selesai" }),
    )
    .await;
    let sent = app.graphql(Some(&ops), reply, json!({ "id": id })).await;
    assert!(sent["errors"].is_null(), "{sent}");
    let cleared = app
        .graphql(Some(&admin), MAP, json!({ "p": "OUTSIDE_WINDOW" }))
        .await;
    assert_eq!(
        cleared["data"]["setTemplateForPurpose"]["source"], "CONFIG",
        "{cleared}"
    );
    let sent = app.graphql(Some(&ops), reply, json!({ "id": id })).await;
    assert!(sent["errors"].is_null(), "{sent}");

    let sends = template_sends(&app).await;
    let names: Vec<&str> = sends
        .iter()
        .map(|send| send["template"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["laporan_selesai", "status_laporan"]);
    assert_eq!(
        sends[0]["template"]["components"][0]["parameters"][2]["text"],
        "diterima"
    );
    assert_eq!(
        sends[1]["template"]["components"][0]["parameters"],
        json!([{ "type": "text", "text": ticket }]),
        "a template Meta's list does not describe gets the ticket"
    );
}

/// Part 4 outside the window: the satisfaction question goes out as the template an admin
/// mapped to SATISFACTION, filled from the report, and the citizen's tap on its quick reply
/// (Meta's `button` message, not `interactive`) answers it.
#[tokio::test]
async fn outside_the_window_the_question_is_the_mapped_satisfaction_template_and_its_quick_reply_answers()
 {
    let app = spawn_with_account().await;
    add_templates(&app);
    app.graph.add_template(
        "survei_kepuasan",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan {{1}} telah ditangani {{2}}. Bagaimana penilaian Anda? Puas, Cukup atau Tidak puas.",
    );
    let admin = admin(&app).await;
    let ops = operator(&app).await;
    refreshed(&app, &admin).await;
    let mapped = app
        .graphql(
            Some(&admin),
            MAP,
            json!({ "p": "SATISFACTION", "n": "survei_kepuasan" }),
        )
        .await;
    assert_eq!(
        mapped["data"]["setTemplateForPurpose"]["source"], "STORED",
        "{mapped}"
    );
    let phone = "081277005566";
    let (id, ticket) = app
        .citizen_reports(phone, "Motor saya dicuri di depan pasar")
        .await;
    triage(&app, &ops, &id, "curanmor").await;
    let forwarded = forward(&app, &ops, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    let unit_name = forwarded["data"]["forwardReport"]["assignedUnit"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("{forwarded}"))
        .to_string();
    set_status(&app, &ops, &id, "IN_PROGRESS").await;
    close_the_window(&app).await;
    set_status(&app, &ops, &id, "RESOLVED").await;

    let sends = template_sends(&app).await;
    let question = sends
        .iter()
        .find(|send| send["template"]["name"] == "survei_kepuasan")
        .unwrap_or_else(|| panic!("the satisfaction template: {sends:?}"));
    assert_eq!(
        question["template"]["components"][0]["parameters"],
        json!([
            { "type": "text", "text": ticket },
            { "type": "text", "text": unit_name },
        ])
    );

    let wa_id = format!("62{}", phone.trim_start_matches('0'));
    let mut tap = common::fixture("inbound_template_quick_reply_button");
    let value = &mut tap["entry"][0]["changes"][0]["value"];
    value["contacts"][0] = json!({ "profile": { "name": "Warga" }, "wa_id": wa_id });
    let message = &mut value["messages"][0];
    message.as_object_mut().unwrap().remove("from_user_id");
    message["from"] = json!(wa_id);
    message["id"] = json!("wamid.template.rate.1");
    message["timestamp"] = json!(chrono::Utc::now().timestamp().to_string());
    message["button"] = json!({ "payload": "Tidak puas", "text": "Tidak puas" });
    assert_eq!(app.post_signed_webhook(&tap).await.status(), 200);
    let answered =
        super::satisfaction::satisfaction_of(&app, &ops, &id).await["satisfaction"].clone();
    assert_eq!(answered["rating"], "TIDAK_PUAS", "{answered}");
    assert_eq!(app.reports().len(), 1, "the answer opens no report");
}
