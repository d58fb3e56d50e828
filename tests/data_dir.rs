//! The data dir as the binary leaves it: private to its user (0700, files 0600), and a start
//! on a data dir open to group or others refused unless that is said to be intended.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::run_siaga as siaga;

const ADD_ADMIN: [&str; 7] = [
    "user",
    "add",
    "--username",
    "admin",
    "--role",
    "admin",
    "--password-stdin",
];

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn walk(path: &Path, seen: &mut Vec<(std::path::PathBuf, bool, u32)>) {
    for entry in std::fs::read_dir(path).unwrap() {
        let entry = entry.unwrap();
        let is_dir = entry.file_type().unwrap().is_dir();
        seen.push((entry.path(), is_dir, mode(&entry.path())));
        if is_dir {
            walk(&entry.path(), seen);
        }
    }
}

#[test]
fn a_data_dir_created_by_siaga_is_0700_and_its_files_0600() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("siaga-data");
    let created = siaga(&data_dir, &ADD_ADMIN, "a-long-admin-password\n");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    // The search index too.
    let indexed = siaga(&data_dir, &["reindex"], "");
    assert!(
        indexed.status.success(),
        "{}",
        String::from_utf8_lossy(&indexed.stderr)
    );

    assert_eq!(mode(&data_dir), 0o700);
    let mut entries = Vec::new();
    walk(&data_dir, &mut entries);
    assert!(
        entries
            .iter()
            .any(|(path, _, _)| path.ends_with("store/db")),
        "{entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|(path, _, _)| path.starts_with(data_dir.join("index"))),
        "{entries:?}"
    );
    for (path, is_dir, mode) in entries {
        let expected = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, expected, "{} is {mode:o}", path.display());
    }
}

#[test]
fn a_data_dir_open_to_others_is_refused_with_the_fix_unless_allowed() {
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(data_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();

    for args in [&ADD_ADMIN[..], &["serve", "--listen", "127.0.0.1:0"][..]] {
        let refused = siaga(data_dir.path(), args, "a-long-admin-password\n");
        assert!(!refused.status.success(), "{args:?} started");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!("chmod 700 {}", data_dir.path().display()))
                && stderr.contains("--allow-shared-data-dir"),
            "{args:?}: {stderr}"
        );
    }
    assert!(
        !data_dir.path().join("store").exists(),
        "nothing was written"
    );

    let mut allowed_args = ADD_ADMIN.to_vec();
    allowed_args.push("--allow-shared-data-dir");
    let allowed = siaga(data_dir.path(), &allowed_args, "a-long-admin-password\n");
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    // The data dir is left as the administrator chose.
    assert_eq!(mode(data_dir.path()), 0o755);
}
