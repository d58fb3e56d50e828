//! Canned replies (issue 18 part 2) through GraphQL over HTTP and the mock Graph API: the
//! variables filled from the report, the reporter, the unit and the operator; an unknown
//! variable refused at creation and update; the use recorded on the message and counted; who
//! may manage them; the profile's starter set, seeded once.

use super::*;

const CREATE: &str = "mutation($title: String!, $text: String!, $tags: [String!]!) { createCannedReply(title: $title, text: $text, tags: $tags) { id title text tags usageCount updatedBy } }";
const LIST: &str =
    "query($s: String) { cannedReplies(search: $s) { id title text tags usageCount } }";

async fn canned_replies(app: &TestApp, token: &str, search: Option<&str>) -> Vec<Value> {
    let response = app.graphql(Some(token), LIST, json!({ "s": search })).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["cannedReplies"]
        .as_array()
        .unwrap()
        .clone()
}

async fn supervisor(app: &TestApp) -> String {
    app.user_token("spv1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await
}

#[tokio::test]
async fn a_canned_reply_goes_out_with_its_variables_filled_and_its_use_recorded() {
    let app = spawn_app().await;
    let spv = supervisor(&app).await;
    app.state
        .services
        .auth
        .create_user(
            "andi",
            &common::password_of("andi"),
            Role::Operator,
            Some("COMMAND_CENTER".parse().unwrap()),
            Some("Brigadir Andi".into()),
        )
        .await
        .unwrap();
    let andi = app.login("andi").await;
    let (id, ticket) = app
        .citizen_reports("081377108001", "motor saya dicuri di pasar 16 ilir")
        .await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    let forwarded = forward(&app, &andi, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    assert!(forwarded["errors"].is_null(), "{forwarded}");
    let unit_name = forwarded["data"]["forwardReport"]["assignedUnit"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    app.graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;

    let created = app
        .graphql(
            Some(&spv),
            CREATE,
            json!({
                "title": "Sapaan tindak lanjut",
                "text": "Yth. {nama}, laporan {ticket} ditangani {satuan}. Salam, {petugas}.",
                "tags": [" Status ", "status", "Tindak Lanjut"],
            }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let canned = &created["data"]["createCannedReply"];
    assert_eq!(canned["tags"], json!(["status", "tindak lanjut"]));
    assert_eq!(canned["updatedBy"], "spv1");
    let canned_id = canned["id"].as_str().unwrap().to_string();
    let expected =
        format!("Yth. Warga, laporan {ticket} ditangani {unit_name}. Salam, Brigadir Andi.");

    let preview = app
        .graphql(
            Some(&andi),
            "query($id: ID!, $r: ID!) { cannedReplyPreview(id: $id, reportId: $r) }",
            json!({ "id": canned_id, "r": id }),
        )
        .await;
    assert_eq!(
        preview["data"]["cannedReplyPreview"],
        expected.as_str(),
        "{preview}"
    );

    let reply = "mutation($r: ID!, $c: ID) { replyToReporter(reportId: $r, cannedReplyId: $c) { text cannedReply { id title } } }";
    let sent = app
        .graphql(Some(&andi), reply, json!({ "r": id, "c": canned_id }))
        .await;
    assert!(sent["errors"].is_null(), "{sent}");
    assert_eq!(sent["data"]["replyToReporter"]["text"], expected.as_str());
    assert_eq!(
        sent["data"]["replyToReporter"]["cannedReply"],
        json!({ "id": canned_id, "title": "Sapaan tindak lanjut" })
    );
    let delivered = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    assert_eq!(
        delivered[2]["text"]["body"],
        expected.as_str(),
        "what the citizen receives"
    );

    // An edited text keeps the link and has its variables filled as well.
    let edited = app
        .graphql(
            Some(&andi),
            "mutation($r: ID!, $c: ID, $t: String) { replyToReporter(reportId: $r, cannedReplyId: $c, text: $t) { text } }",
            json!({ "r": id, "c": canned_id, "t": "Baik {nama}, tiket {ticket} kami catat." }),
        )
        .await;
    assert_eq!(
        edited["data"]["replyToReporter"]["text"],
        format!("Baik Warga, tiket {ticket} kami catat.").as_str(),
        "{edited}"
    );
    let listed = canned_replies(&app, &andi, Some("tindak lanjut sapaan")).await;
    let counted = listed
        .iter()
        .find(|reply| reply["id"] == canned_id.as_str())
        .unwrap();
    assert_eq!(counted["usageCount"], 2, "{listed:?}");
    let messages = app
        .graphql(
            Some(&andi),
            "query($id: ID) { report(id: $id) { messages { direction cannedReply { title } } } }",
            json!({ "id": id }),
        )
        .await;
    let from_canned = messages["data"]["report"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|message| message["cannedReply"]["title"] == "Sapaan tindak lanjut")
        .count();
    assert_eq!(from_canned, 2, "{messages}");
}

#[tokio::test]
async fn an_unknown_variable_is_refused_at_creation_and_update_and_nothing_changes() {
    let app = spawn_app().await;
    let spv = supervisor(&app).await;
    let before = canned_replies(&app, &spv, None).await.len();
    let refused = app
        .graphql(
            Some(&spv),
            CREATE,
            json!({ "title": "Alamat", "text": "Mohon kirim {alamat} Anda, {nama}.", "tags": [] }),
        )
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("BAD_USER_INPUT"),
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("{alamat}") && message.contains("{ticket}"),
        "names the culprit and the allowed ones: {message}"
    );
    assert_eq!(canned_replies(&app, &spv, None).await.len(), before);

    let created = app
        .graphql(
            Some(&spv),
            CREATE,
            json!({ "title": "Alamat", "text": "Mohon kirim alamat Anda, {nama}.", "tags": ["lokasi"] }),
        )
        .await;
    let id = created["data"]["createCannedReply"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let update =
        "mutation($id: ID!, $text: String) { updateCannedReply(id: $id, text: $text) { text } }";
    let refused = app
        .graphql(
            Some(&spv),
            update,
            json!({ "id": id, "text": "Halo {Nama}" }),
        )
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("BAD_USER_INPUT"),
        "{refused}"
    );
    let kept = canned_replies(&app, &spv, Some("alamat")).await;
    assert_eq!(kept[0]["text"], "Mohon kirim alamat Anda, {nama}.");
    let updated = app
        .graphql(
            Some(&spv),
            update,
            json!({ "id": id, "text": "Mohon kirim alamat lengkap, {nama}." }),
        )
        .await;
    assert_eq!(
        updated["data"]["updateCannedReply"]["text"],
        "Mohon kirim alamat lengkap, {nama}."
    );
}

#[tokio::test]
async fn everyone_reads_canned_replies_and_only_supervisors_and_admins_manage_them() {
    let app = spawn_app().await;
    let spv = supervisor(&app).await;
    let ops = operator(&app).await;
    let analyst = app.user_token("ana", Role::Analyst, None).await;
    let admin = app.user_token("adm", Role::Admin, None).await;

    let starter = canned_replies(&app, &analyst, None).await;
    let titles: Vec<&str> = starter
        .iter()
        .map(|reply| reply["title"].as_str().unwrap())
        .collect();
    for expected in [
        "Minta foto",
        "Minta lokasi kejadian",
        "Minta waktu kejadian",
        "Minta keterangan saksi",
        "Cara membuat laporan polisi (SPKT)",
        "Pengingat darurat 110",
    ] {
        assert!(
            titles.contains(&expected),
            "{expected} in the starter set: {titles:?}"
        );
    }
    let spkt = canned_replies(&app, &ops, Some("spkt")).await;
    assert_eq!(spkt.len(), 1, "{spkt:?}");
    assert!(spkt[0]["text"].as_str().unwrap().contains("SPKT"));

    let refused = app
        .graphql(
            Some(&ops),
            CREATE,
            json!({ "title": "x", "text": "y", "tags": [] }),
        )
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("FORBIDDEN"),
        "{refused}"
    );
    let id = starter[0]["id"].as_str().unwrap();
    let refused = app
        .graphql(
            Some(&ops),
            "mutation($id: ID!) { deleteCannedReply(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("FORBIDDEN"),
        "{refused}"
    );
    let by_admin = app
        .graphql(
            Some(&admin),
            CREATE,
            json!({ "title": "Jam layanan", "text": "SPKT buka 24 jam.", "tags": [] }),
        )
        .await;
    assert!(by_admin["errors"].is_null(), "{by_admin}");
    let deleted = app
        .graphql(
            Some(&spv),
            "mutation($id: ID!) { deleteCannedReply(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteCannedReply"]["id"], id, "{deleted}");
    let gone = app
        .graphql(
            Some(&spv),
            "mutation($id: ID!) { deleteCannedReply(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&gone).as_deref(), Some("NOT_FOUND"), "{gone}");
    assert_eq!(canned_replies(&app, &ops, None).await.len(), starter.len());
}

#[tokio::test]
async fn the_starter_set_is_seeded_once_so_deletions_survive_a_restart() {
    let app = spawn_app().await;
    let spv = supervisor(&app).await;
    for reply in canned_replies(&app, &spv, None).await {
        let deleted = app
            .graphql(
                Some(&spv),
                "mutation($id: ID!) { deleteCannedReply(id: $id) { id } }",
                json!({ "id": reply["id"] }),
            )
            .await;
        assert!(deleted["errors"].is_null(), "{deleted}");
    }
    let app = app.restart().await;
    let spv = app.login("spv1").await;
    assert!(canned_replies(&app, &spv, None).await.is_empty());
}
