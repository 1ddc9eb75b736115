//! `yagura user` and `yagura token`: provisioning users and tokens, with
//! secrets never stored in clear.

mod common;
use common::yagura;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn add_user_with_password(data: &Path, name: &str, password: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yagura"))
        .env("YAGURA_DATA", data)
        .env_remove("YAGURA_CONFIG")
        .args([
            "user",
            "add",
            name,
            "--org",
            "jpcert",
            "--role",
            "partner",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("writes");
    child.wait_with_output().expect("waits")
}

#[test]
fn users_and_tokens_are_provisioned_and_secrets_kept_hashed() {
    let dir = std::env::temp_dir().join(format!("yagura-accounts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    // A user needs an existing organization.
    let o = yagura(
        &data,
        &[
            "user", "add", "alice", "--org", "jpcert", "--role", "analyst",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no organization"));
    assert!(
        yagura(&data, &["org", "add", "jpcert", "--jurisdiction", "JP"])
            .status
            .success()
    );
    let o = yagura(
        &data,
        &["user", "add", "alice", "--org", "jpcert", "--role", "boss"],
    );
    assert_eq!(o.status.code(), Some(2));
    let password = "a long enough passphrase";
    assert!(
        add_user_with_password(&data, "alice", password)
            .status
            .success()
    );
    assert_eq!(
        add_user_with_password(&data, "alice", password)
            .status
            .code(),
        Some(2)
    );
    let short = add_user_with_password(&data, "bob", "short");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let list = yagura(&data, &["user", "list"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 1);

    let created = yagura(&data, &["token", "create", "--user", "alice"]);
    assert!(created.status.success());
    let token = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    assert!(token.starts_with("ygr_") && token.len() == 47, "{token}");
    let listed = String::from_utf8_lossy(&yagura(&data, &["token", "list"]).stdout).into_owned();
    let id = listed.split_whitespace().next().expect("id").to_owned();
    assert!(!listed.contains(&token[4..]));
    // Neither the token nor the password is in the database in clear.
    let mut db = std::fs::read(data.join("yagura.db")).expect("db");
    if let Ok(wal) = std::fs::read(data.join("yagura.db-wal")) {
        db.extend(wal);
    }
    let contains = |needle: &str| db.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!contains(&token[4..]));
    assert!(!contains(password));
    assert!(contains("$argon2id$"));

    assert!(yagura(&data, &["token", "remove", &id]).status.success());
    assert_eq!(
        yagura(&data, &["token", "remove", &id]).status.code(),
        Some(2)
    );
    assert!(yagura(&data, &["user", "remove", "alice"]).status.success());
    assert!(String::from_utf8_lossy(&yagura(&data, &["user", "list"]).stdout).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
