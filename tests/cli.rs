//! The command line as an administrator uses it: `siaga user add` on a stopped server's data
//! dir, `siaga schema`, and clear refusals.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn siaga(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_siaga"))
        .args(args)
        .env("SIAGA_DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
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
