//! A restricted deployment through the command line: `truce token` makes
//! the credentials and the configuration that grants them, `truce serve`
//! enforces them, and the clients (`submit`, `log audit`, `export`) send
//! the token of `TRUCE_TOKEN`.

mod common;

use common::{Serve, text, truce, truce_with_env};

/// A token for `name` with `permissions`: the token, and the table to add
/// to the configuration.
fn token(dir: &std::path::Path, name: &str, permissions: &str) -> (String, String) {
    let out = truce(dir, &["token", "--name", name, "--permissions", permissions], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    assert!(token.starts_with("truce_") && token.len() > 40, "{token}");
    let stderr = text(&out.stderr);
    let table = stderr[stderr.find("[[access.token]]").expect("a table")..].to_owned();
    assert!(!table.contains(&token), "the configuration holds the token's hash only");
    (token, table)
}

#[test]
fn tokens_made_by_truce_token_are_enforced_and_sent_by_the_clients() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let out = truce(dir, &["init", "--data", "data", "--origin", "cli.example/restricted"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (operator, operator_grant) = token(dir, "operator", "submit,precise");
    let (reader, reader_grant) = token(dir, "reader", "read");
    let refused = truce(dir, &["token", "--name", "x", "--permissions", "read,everything"], b"");
    assert!(text(&refused.stderr).contains("\"everything\" is not submit, read or precise"));
    std::fs::write(
        dir.join("truce.toml"),
        format!("[access]\nmode = \"restricted\"\n\n{operator_grant}\n{reader_grant}"),
    )
    .expect("writes");
    let server = Serve::start(dir, &["--data", "data", "--config", "truce.toml"]);
    let url = server.url.clone();
    let log_vkey = text(&truce(dir, &["key", "public", "--key", "data/keys/log.key"], b"").stdout);
    let log_vkey = log_vkey.trim();

    // Without the token, a submission is refused and says why.
    std::fs::copy(common::REPORT_FIXTURE, dir.join("report.json")).expect("copies");
    common::monitor_source(dir, 1);
    let submit = ["submit", "--url", &url, "--key", "data/keys/operator.key", "m1.json"];
    let out = truce(dir, &submit, b"");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("restricted"), "{}", text(&out.stderr));
    let out = truce_with_env(dir, &submit, b"", &[("TRUCE_TOKEN", &reader)]);
    assert!(text(&out.stderr).contains("submit permission"), "{}", text(&out.stderr));

    // With it, entries are logged and proved: the operator registers the
    // monitor, whose report follows.
    let with_operator = [("TRUCE_TOKEN", operator.as_str())];
    for (key, file, proved) in
        [("data/keys/operator.key", "m1.json", 1), ("m1.key", "report.json", 2)]
    {
        let out = truce_with_env(
            dir,
            &["submit", "--url", &url, "--key", key, "--log-vkey", log_vkey, file],
            b"",
            &with_operator,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let expected = format!("{file}: {proved}, proved in tree of size {}\n", proved + 1);
        assert_eq!(text(&out.stdout), expected);
    }

    // An audit of the entries needs the precise permission.
    let audit = ["log", "audit", "--url", &url, "--vkey", log_vkey, "--entries"];
    assert!(!truce_with_env(dir, &audit, b"", &[("TRUCE_TOKEN", &reader)]).status.success());
    let out = truce_with_env(dir, &audit, b"", &with_operator);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("verified 3 entries"), "{}", text(&out.stdout));

    // A reader's export is coarse; the operator's precise.
    let export = ["export", "--url", &url, "--format", "csv"];
    let out = truce_with_env(dir, &export, b"", &[("TRUCE_TOKEN", &reader)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.contains("omm-t3-2025-11-14-001") && !csv.contains("49.9935"), "{csv}");
    let out = truce_with_env(dir, &export, b"", &with_operator);
    assert!(text(&out.stdout).contains("49.9935"), "{}", text(&out.stdout));
}
