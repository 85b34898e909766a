//! Keys in a PKCS#11 token (SoftHSM, a real PKCS#11 library): the log's
//! key, a witness's key and a source's key are made in the token, never
//! leave it, and sign the log, its cosignatures and entries there; a wrong
//! PIN is refused by name, and no PIN is ever written.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Serve, text, truce_with_env};

const ORIGIN: &str = "cli.example/hsm";
const PIN: &str = "pin-7a9c3e51";

/// A SoftHSM token labelled `truce` in `dir`; returns the environment
/// that points SoftHSM at it and holds the PIN.
fn token(dir: &Path) -> Vec<(&'static str, String)> {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).expect("dir");
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display()),
    )
    .expect("writes");
    let env =
        vec![("SOFTHSM2_CONF", conf.display().to_string()), ("TRUCE_HSM_PIN", PIN.to_owned())];
    let out = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "truce", "--pin", PIN, "--so-pin", "so-pin-42"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("softhsm2-util runs (scripts/setup installs softhsm2)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    env
}

fn uri(module: &str, object: &str) -> String {
    format!("pkcs11:token=truce;object={object}?module-path={module}&pin-source=env:TRUCE_HSM_PIN")
}

fn run(dir: &Path, args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    truce_with_env(dir, args, b"", &env)
}

#[test]
fn the_log_a_witness_and_a_source_sign_with_keys_that_never_leave_the_token() {
    let Some(module) = truce_testkit::softhsm() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let env = token(dir);
    let (log_uri, witness_uri) = (uri(&module, "log"), uri(&module, "witness"));

    // The keys are made in the token; a second with the same label is refused.
    let out = run(dir, &["key", "generate", "--name", ORIGIN, "--pkcs11", &log_uri], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log_vkey = text(&out.stdout).trim().to_owned();
    assert!(log_vkey.starts_with(&format!("{ORIGIN}+")), "{log_vkey}");
    let again = run(dir, &["key", "generate", "--name", ORIGIN, "--pkcs11", &log_uri], &env);
    assert!(text(&again.stderr).contains("exists already"), "{}", text(&again.stderr));
    let witness_name = "w1.example/witness";
    let out = run(
        dir,
        &["key", "generate", "--cosigner", "--name", witness_name, "--pkcs11", &witness_uri],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let witness_vkey = text(&out.stdout).trim().to_owned();

    // The log is made and signed by the token's key: no key file.
    let witness_port = common::free_port();
    std::fs::write(
        dir.join("truce.toml"),
        format!(
            "log_key = \"{log_uri}\"\n[[witness]]\nname = \"w1\"\nurl = \"http://127.0.0.1:{witness_port}\"\nvkey = \"{witness_vkey}\"\n"
        ),
    )
    .expect("writes");
    let out =
        run(dir, &["init", "--data", "data", "--config", "truce.toml", "--origin", ORIGIN], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!dir.join("data/keys/log.key").exists());
    let written = std::fs::read_to_string(dir.join("data/keys/log.vkey")).expect("log.vkey");
    assert_eq!(written.trim(), log_vkey);

    // A witness whose key is in the token cosigns what the log signs there.
    let listen = format!("127.0.0.1:{witness_port}");
    let log = format!("{ORIGIN}={log_vkey}");
    let witness_args = [
        "witness",
        "serve",
        "--key",
        &witness_uri,
        "--name",
        witness_name,
        "--state",
        "w1",
        "--listen",
        &listen,
        "--log",
        &log,
    ];
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let witness = common::start_with(dir, &witness_args, witness_port, &env_refs);
    let server =
        Serve::start_with_env(dir, &["--data", "data", "--config", "truce.toml"], &env_refs);
    std::fs::write(
        dir.join("policy.txt"),
        format!("log {log_vkey}\nwitness w1 {witness_vkey}\nquorum w1\n"),
    )
    .expect("writes");
    common::monitor_source(dir, 1);
    let submit = [
        "submit",
        "--url",
        &server.url,
        "--key",
        "data/keys/operator.key",
        "--log-vkey",
        &log_vkey,
        "--witness-policy",
        "policy.txt",
        "--witness-wait",
        "20",
        "m1.json",
    ];
    let out = run(dir, &submit, &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "m1.json: 1, proved in tree of size 2\n");

    // A source's key in the token signs its entries there, under its label.
    let source_uri = uri(&module, "monitor-9");
    let out = run(dir, &["key", "generate", "--name", "monitor-9", "--pkcs11", &source_uri], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let source_vkey = text(&out.stdout).trim().to_owned();
    let register = serde_json::json!({
        "type": "truce.source/v1", "source": "m9", "action": "register", "key": source_vkey,
        "name": "Monitor 9", "role": "monitor", "organisation": "Mission", "reliability": "B",
    });
    std::fs::write(dir.join("m9.json"), register.to_string()).expect("writes");
    std::fs::write(dir.join("report.json"), common::report_fixture().to_string()).expect("writes");
    let submit = |key: &str, file: &str| {
        run(
            dir,
            &["submit", "--url", &server.url, "--key", key, "--log-vkey", &log_vkey, file],
            &env,
        )
    };
    let out = submit("data/keys/operator.key", "m9.json");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = submit(&source_uri, "report.json");
    assert_eq!(
        text(&out.stdout),
        "report.json: 3, proved in tree of size 4\n",
        "{}",
        text(&out.stderr)
    );
    let out = run(dir, &["entry", "sign", "--key", &source_uri, "report.json"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(dir.join("report.signed"), &out.stdout).expect("writes");
    let out = run(dir, &["entry", "check", "--vkey", &source_vkey, "report.signed"], &env);
    assert!(text(&out.stdout).contains("signed by monitor-9+"), "{}", text(&out.stderr));

    let audit = ["log", "audit", "--url", &server.url, "--vkey", &log_vkey, "--entries"];
    let out = run(dir, &audit, &env);
    assert!(text(&out.stdout).starts_with("verified 4 entries"), "{}", text(&out.stderr));
    drop(server);
    drop(witness);

    // A wrong PIN: the server does not start, and says which token.
    let mut wrong = env.clone();
    wrong[1].1 = "pin-wrong-0000".to_owned();
    let out = run(
        dir,
        &["serve", "--data", "data", "--config", "truce.toml", "--listen", "127.0.0.1:0"],
        &wrong,
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("logging in (token \"truce\", object \"log\")"), "{stderr}");
    assert!(!stderr.contains("pin-wrong-0000"));

    // No PIN anywhere the processes wrote.
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        if entry.path().extension().is_some_and(|e| e == "log") {
            let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
            assert!(!log.contains(PIN), "{} holds the PIN", entry.path().display());
        }
    }
}
