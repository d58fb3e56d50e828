//! `GET /export?channel=` and `siaga export --channel`: exports of one business number.

use super::common;
use super::{PALEMBANG, POLDA, spawn_two_numbers, writes_to};
use siaga::domain::user::Role;

#[tokio::test]
async fn exports_filter_by_the_number_reports_came_in_on() {
    let app = spawn_two_numbers().await;
    writes_to(&app, POLDA, "081234500021", "wamid.ex.1", "ada kecelakaan").await;
    writes_to(
        &app,
        PALEMBANG,
        "081234500022",
        "wamid.ex.2",
        "ada pencurian",
    )
    .await;
    writes_to(
        &app,
        PALEMBANG,
        "081234500023",
        "wamid.ex.3",
        "ada kebakaran",
    )
    .await;
    app.wait_for_index().await;
    let token = app
        .user_token("sup1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await;

    let (status, all) = app.export(&token, "format=jsonl").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all.lines().count(), 3, "{all}");
    let (status, palembang) = app
        .export(&token, &format!("format=jsonl&channel={PALEMBANG}"))
        .await;
    assert_eq!(status, 200, "{palembang}");
    assert_eq!(palembang.lines().count(), 2, "{palembang}");
    assert!(!palembang.contains("081234500021") && !palembang.contains("6281234500021"));
    let (status, polda) = app
        .export(&token, &format!("format=jsonl&channel={POLDA}"))
        .await;
    assert_eq!(status, 200, "{polda}");
    assert_eq!(polda.lines().count(), 1, "{polda}");
    let (status, refused) = app.export(&token, "format=jsonl&channel=palembang").await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.contains("phone number id"), "{refused}");

    let data_dir = app.data_dir.clone();
    let _guard = app.close().await;
    std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let cli = common::run_siaga(&data_dir, &["export", "--channel", PALEMBANG], "");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(String::from_utf8(cli.stdout).unwrap().lines().count(), 2);
    let refused = common::run_siaga(&data_dir, &["export", "--channel", "12ab"], "");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("phone number id"), "{stderr}");
}
