//! The command line as an administrator uses it: `siaga user add` on a stopped server's data
//! dir, `siaga schema`, and clear refusals.

mod common;

use std::process::Command;

/// The binary on `data_dir`, made private first: tempfile creates folders by the umask, and
/// siaga refuses a data dir others can read.
fn siaga(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    if data_dir.exists() {
        std::fs::set_permissions(
            data_dir,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
    }
    common::run_siaga(data_dir, args, stdin)
}

#[tokio::test]
async fn an_admin_created_on_the_command_line_can_sign_in() {
    let data_dir = tempfile::tempdir().unwrap();
    let created = siaga(
        data_dir.path(),
        &[
            "user",
            "add",
            "--username",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "a-long-admin-password\n",
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let officer = siaga(
        data_dir.path(),
        &[
            "user",
            "add",
            "--username",
            "kemuning",
            "--role",
            "officer",
            "--unit",
            "POLSEK_PLG_KEMUNING",
            "--password-stdin",
        ],
        "officer-password-1\n",
    );
    assert!(
        officer.status.success(),
        "{}",
        String::from_utf8_lossy(&officer.stderr)
    );

    let no_unit = siaga(
        data_dir.path(),
        &[
            "user",
            "add",
            "--username",
            "x",
            "--role",
            "officer",
            "--password-stdin",
        ],
        "officer-password-1\n",
    );
    assert!(!no_unit.status.success());
    let bad_unit = siaga(
        data_dir.path(),
        &[
            "user",
            "add",
            "--username",
            "xyz",
            "--role",
            "officer",
            "--unit",
            "NOWHERE",
            "--password-stdin",
        ],
        "officer-password-1\n",
    );
    assert!(!bad_unit.status.success());
    assert!(String::from_utf8_lossy(&bad_unit.stderr).contains("unknown unit"));
    let bad_role = siaga(
        data_dir.path(),
        &[
            "user",
            "add",
            "--username",
            "xyz",
            "--role",
            "general",
            "--password-stdin",
        ],
        "officer-password-1\n",
    );
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));

    let app =
        common::spawn_app_with(|settings| settings.data_dir = Some(data_dir.path().to_path_buf()))
            .await;
    let response = app
        .graphql(None, "mutation { login(username: \"admin\", password: \"a-long-admin-password\") { user { role } } }", serde_json::json!({}))
        .await;
    assert_eq!(
        response["data"]["login"]["user"]["role"], "ADMIN",
        "{response}"
    );
}

#[test]
fn the_schema_command_prints_the_committed_schema() {
    let output = Command::new(env!("CARGO_BIN_EXE_siaga"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(printed.contains("type Query"));
    assert_eq!(printed, siaga::api::graphql::schema_sdl());
}

#[test]
fn a_bad_setting_is_refused_with_its_name() {
    let data_dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_siaga"))
        .args(["serve", "--listen", "nowhere"])
        .env("SIAGA_DATA_DIR", data_dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("listen"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_backup_restores_into_a_working_data_dir() {
    let data_dir = tempfile::tempdir().unwrap();
    {
        let mut app = common::spawn_app_with(|settings| {
            settings.data_dir = Some(data_dir.path().to_path_buf())
        })
        .await;
        app.post_fixture("inbound_text").await;
        app.stop().await;
    }
    let backup_dir = tempfile::tempdir().unwrap();
    let target = backup_dir.path().join("copy");
    let backed_up = siaga(data_dir.path(), &["backup", target.to_str().unwrap()], "");
    assert!(
        backed_up.status.success(),
        "{}",
        String::from_utf8_lossy(&backed_up.stderr)
    );
    let again = siaga(data_dir.path(), &["backup", target.to_str().unwrap()], "");
    assert!(!again.status.success(), "a backup never overwrites");

    let restored_dir = tempfile::tempdir().unwrap();
    let restored = siaga(
        restored_dir.path(),
        &["restore", target.to_str().unwrap()],
        "",
    );
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let export = siaga(restored_dir.path(), &["export", "--format", "jsonl"], "");
    let text = String::from_utf8(export.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("Motor saya dicuri"));
    let into_used = siaga(
        restored_dir.path(),
        &["restore", target.to_str().unwrap()],
        "",
    );
    assert!(
        !into_used.status.success(),
        "a restore never overwrites a data dir"
    );
}

/// Tickets found by a search, in order.
async fn search_tickets(app: &common::TestApp, token: &str, query: &str) -> Vec<String> {
    let response = app
        .graphql(
            Some(token),
            "query($q: String!) { search(query: $q) { edges { node { report { ticket } } } } }",
            serde_json::json!({ "q": query }),
        )
        .await;
    response["data"]["search"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|edge| {
            edge["node"]["report"]["ticket"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn reindex_rebuilds_the_same_answers_and_export_takes_the_report_filter() {
    use siaga::domain::user::Role;
    let data_dir = tempfile::tempdir().unwrap();
    let queries = ["motor", "tipu", "begal OR macet", "sukarami"];
    let (before, forwarded_ticket) = {
        let mut app = common::spawn_app_with(|settings| {
            settings.data_dir = Some(data_dir.path().to_path_buf())
        })
        .await;
        let token = app
            .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
            .await;
        let (id, ticket) = app
            .citizen_reports("081377104001", "motor saya dicuri di sukarami tadi subuh")
            .await;
        app.citizen_reports(
            "081377104002",
            "saya ditipu penjual online, motor tidak dikirim",
        )
        .await;
        app.citizen_reports("081377104003", "macet parah di simpang sekip")
            .await;
        let forwarded = app
            .graphql(
                Some(&token),
                "mutation($id: ID!) { forwardReport(id: $id, unitCode: \"POLSEK_PLG_SUKARAMI\") { status } }",
                serde_json::json!({ "id": id }),
            )
            .await;
        assert!(forwarded["errors"].is_null(), "{forwarded}");
        app.wait_for_index().await;
        let mut before = Vec::new();
        for query in queries {
            before.push(search_tickets(&app, &token, query).await);
        }
        assert!(
            before.iter().all(|tickets| !tickets.is_empty()),
            "{before:?}"
        );
        app.stop().await;
        (before, ticket)
    };

    let reindexed = siaga(data_dir.path(), &["reindex"], "");
    let stderr = String::from_utf8_lossy(&reindexed.stderr);
    assert!(reindexed.status.success(), "{stderr}");
    assert!(stderr.contains("indexed 3 reports"), "{stderr}");

    let export = siaga(
        data_dir.path(),
        &["export", "--format", "jsonl", "--status", "FORWARDED"],
        "",
    );
    let lines = String::from_utf8(export.stdout).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains(&forwarded_ticket));
    let under_polrestabes = siaga(
        data_dir.path(),
        &[
            "export",
            "--unit",
            "POLRESTABES_PALEMBANG",
            "--status",
            "new,forwarded",
        ],
        "",
    );
    assert_eq!(
        String::from_utf8_lossy(&under_polrestabes.stdout)
            .lines()
            .count(),
        1
    );
    let full = String::from_utf8(siaga(data_dir.path(), &["export"], "").stdout).unwrap();
    assert!(full.contains("+6281377104001"), "{full}");
    let masked = siaga(data_dir.path(), &["export", "--mask-phones"], "");
    let masked = String::from_utf8(masked.stdout).unwrap();
    assert_eq!(masked.lines().count(), 3, "{masked}");
    for number in ["81377104001", "81377104002", "81377104003", "wamid."] {
        assert!(!masked.contains(number), "{number} in {masked}");
    }
    let store = siaga::store::Store::open(&data_dir.path().join("store")).unwrap();
    let exports: Vec<_> = siaga::audit::all_entries(&store)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == siaga::domain::audit::AuditAction::Export)
        .collect();
    assert_eq!(exports.len(), 4, "every export is on the audit trail");
    assert!(
        exports[3]
            .detail
            .as_deref()
            .unwrap()
            .contains("phones masked"),
        "{exports:?}"
    );
    drop(store);
    let refused = siaga(data_dir.path(), &["export", "--status", "LOST"], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown status"));
    // No citizen answered the satisfaction question: nothing matches; a word that is not a
    // rating is refused.
    let unanswered = siaga(
        data_dir.path(),
        &["export", "--satisfaction", "puas,TIDAK_PUAS"],
        "",
    );
    assert!(unanswered.status.success());
    assert_eq!(unanswered.stdout, b"");
    let refused = siaga(data_dir.path(), &["export", "--satisfaction", "BAGUS"], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown satisfaction"));

    // The rebuilt index answers as the incremental one did; then, without any index at all,
    // the server rebuilds it by itself before it reports ready.
    for remove_index in [false, true] {
        if remove_index {
            std::fs::remove_dir_all(data_dir.path().join("index")).unwrap();
        }
        let mut app = common::spawn_app_with(|settings| {
            settings.data_dir = Some(data_dir.path().to_path_buf())
        })
        .await;
        let token = app.login("ops1").await;
        let mut after = Vec::new();
        for query in queries {
            after.push(search_tickets(&app, &token, query).await);
        }
        assert_eq!(after, before, "index removed: {remove_index}");
        app.stop().await;
    }
}
