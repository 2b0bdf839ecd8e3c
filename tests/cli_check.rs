//! `reshelf check` as an operator runs it: the real binary, a config file on disk, the token in
//! the child's environment; exit codes and output of the README.

use std::io::Write;
use std::process::{Command, Output};

const TOKEN: &str = "tok-7f3a9c0e5b1d4e2f8a6c";

const GOOD: &str = r#"
[origin]
url = "http://127.0.0.1:3000"

[[pages]]
path = "/category/{id}"
format = "html"
tiles = "ul.products > li"
product_id = "data-product-id"
"#;

const BAD: &str = r#"
[listen]
public = "not-an-address"

[origin]
url = "https://shop.example"

[endpoints]
trusted_proxies = ["10.0.0.0/99"]

[log]
format = "xml"

[[pages]]
path = "/category"
format = "html"
product_id = "data-product-id"
"#;

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    file.write_all(text.as_bytes()).expect("write config");
    file
}

/// The binary with none of reshelf's variables inherited from whoever runs the tests.
fn reshelf() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reshelf"));
    for var in [
        "FASHIONAI_APP_TOKEN",
        "RESHELF_ADMIN_TOKEN",
        "RESHELF_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run reshelf");
    (
        status.code(),
        String::from_utf8(stdout).expect("utf-8 stdout"),
        String::from_utf8(stderr).expect("utf-8 stderr"),
    )
}

#[test]
fn check_prints_the_effective_config_without_the_token() {
    let file = config_file(GOOD);
    let (code, out, err) = run(reshelf()
        .args(["check", "--config"])
        .arg(file.path())
        .env("FASHIONAI_APP_TOKEN", TOKEN)
        .env("RESHELF_ADMIN_TOKEN", "admin-tok-55aa"));
    assert_eq!(code, Some(0), "stderr: {err}");
    assert!(out.contains("[origin]"), "{out}");
    assert!(out.contains("[[pages]]"), "{out}");
    // Defaults are filled in.
    assert!(out.contains("rate_limit_per_minute = 120"), "{out}");
    assert!(out.contains("FASHIONAI_APP_TOKEN (set,"), "{out}");
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "{out}{err}");
    assert!(!out.contains("admin-tok-55aa"), "{out}");
}

#[test]
fn check_output_is_itself_a_valid_config() {
    let file = config_file(GOOD);
    let (code, out, _) = run(reshelf()
        .args(["check", "--config"])
        .arg(file.path())
        .env("FASHIONAI_APP_TOKEN", TOKEN));
    assert_eq!(code, Some(0));
    let again = config_file(&out);
    let (code, out2, err) = run(reshelf()
        .args(["check", "--config"])
        .arg(again.path())
        .env("FASHIONAI_APP_TOKEN", TOKEN));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out2, out);
}

#[test]
fn bad_config_exits_2_naming_every_bad_key() {
    let file = config_file(BAD);
    let (code, out, err) = run(reshelf()
        .args(["check", "--config"])
        .arg(file.path())
        .env("FASHIONAI_APP_TOKEN", TOKEN));
    assert_eq!(code, Some(2), "stdout: {out}");
    for key in [
        "listen.public",
        "origin.url",
        "endpoints.trusted_proxies[0]",
        "log.format",
        "pages[0].path",
        "pages[0].tiles",
    ] {
        assert!(
            err.contains(&format!("{key}: ")),
            "{key} not named in: {err}"
        );
    }
    assert!(err.contains("https origins are not supported yet"), "{err}");
    assert!(out.is_empty(), "nothing on stdout for a bad config: {out}");
}

#[test]
fn unknown_key_exits_2_naming_it() {
    let file = config_file(&GOOD.replace("[origin]", "[origin]\nurl_base = \"x\""));
    let (code, _, err) = run(reshelf()
        .args(["check", "--config"])
        .arg(file.path())
        .env("FASHIONAI_APP_TOKEN", TOKEN));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("origin.url_base: unknown key (line 3)"),
        "{err}"
    );
}

#[test]
fn unknown_keys_are_reported_with_every_other_problem() {
    let text = GOOD
        .replace("[origin]", "[listen]\npublik = 1\n\n[origin]")
        .replace("http://127.0.0.1:3000", "ftp://x")
        .replace("format = \"html\"", "format = \"htm\"");
    let file = config_file(&text);
    let (code, out, err) = run(reshelf()
        .args(["check", "--config"])
        .arg(file.path())
        .env("FASHIONAI_APP_TOKEN", TOKEN));
    assert_eq!(code, Some(2), "stdout: {out}");
    assert!(
        err.contains("listen.publik: unknown key (line 3); did you mean `public`?"),
        "{err}"
    );
    assert!(err.contains("origin.url: "), "{err}");
    assert!(err.contains("pages[0].format: "), "{err}");
}

#[test]
fn missing_token_variable_exits_2_naming_it() {
    let file = config_file(GOOD);
    let (code, _, err) = run(reshelf().args(["check", "--config"]).arg(file.path()));
    assert_eq!(code, Some(2));
    assert!(err.contains("fashionai.token_env"), "{err}");
    assert!(err.contains("FASHIONAI_APP_TOKEN is not set"), "{err}");
}

#[test]
fn config_path_from_reshelf_config_env() {
    let file = config_file(GOOD);
    let (code, out, err) = run(reshelf()
        .arg("check")
        .env("RESHELF_CONFIG", file.path())
        .env("FASHIONAI_APP_TOKEN", TOKEN));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("[origin]"), "{out}");
}

#[test]
fn unreadable_config_file_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope.toml");
    let (code, _, err) = run(reshelf()
        .args(["check", "--config"])
        .arg(&missing)
        .env("FASHIONAI_APP_TOKEN", TOKEN));
    assert_eq!(code, Some(2));
    assert!(err.contains("nope.toml"), "{err}");
}

#[test]
fn unknown_subcommand_and_missing_config_exit_2() {
    let (code, _, err) = run(reshelf().arg("frobnicate"));
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = run(reshelf().arg("check"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--config"), "{err}");
}
