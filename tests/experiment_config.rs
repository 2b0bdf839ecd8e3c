//! `[experiment]` in the config: defaults (off), a holdout turned on with two lines and a key
//! in the environment, and every bad key named.

// Each test binary uses a different subset of the shared helpers.
#[allow(dead_code)]
#[path = "common/config_text.rs"]
mod config_text;

use config_text::{env, load, problems, with_token, MINIMAL, TOKEN};
use reshelf::experiment::{Arm, Mode};

const KEY: &str = "k3y-of-the-experiment-cookie-0123456789";

fn with_key() -> std::collections::HashMap<String, String> {
    env(&[
        ("FASHIONAI_APP_TOKEN", TOKEN),
        ("RESHELF_EXPERIMENT_KEY", KEY),
    ])
}

#[test]
fn off_by_default() {
    let cfg = load(MINIMAL, &with_token()).unwrap();
    assert!(!cfg.experiment.is_on());
    assert_eq!(cfg.experiment.arm("any"), None);
}

#[test]
fn two_lines_turn_a_holdout_on() {
    let text = format!("{MINIMAL}\n[experiment]\nname = \"po-2026\"\nholdout_percent = 10\n");
    let cfg = load(&text, &with_key()).unwrap();
    let plan = &cfg.experiment;
    assert!(plan.is_on());
    assert_eq!(plan.mode, Mode::Live);
    assert_eq!(plan.cookie, "reshelf_exp");
    assert!(matches!(plan.arm("s"), Some(Arm::Holdout | Arm::Treatment)));
    assert!(
        !cfg.to_redacted_toml().contains(KEY),
        "the key never prints"
    );
}

#[test]
fn goals_parse() {
    let text = format!(
        "{MINIMAL}\n[experiment]\nname = \"x\"\nmode = \"shadow\"\n\
         [[experiment.goals]]\nname = \"cart\"\nmethod = \"POST\"\npath = \"/api/cart/{{any}}\"\n\
         [[experiment.goals]]\nname = \"order\"\nmethod = \"GET\"\npath = \"/checkout/thank-you\"\nvalue_header = \"x-order-value\"\n"
    );
    let cfg = load(&text, &with_key()).unwrap();
    let plan = &cfg.experiment;
    assert!(plan.is_on(), "shadow mode measures without a holdout");
    let post = http::Method::POST;
    let hits: Vec<_> = plan
        .goals_matching(&post, "/api/cart/9")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits, [0]);
    assert_eq!(
        plan.goals[1].value_header.as_ref().unwrap(),
        "x-order-value"
    );
}

#[test]
fn every_bad_key_is_named() {
    let text = format!(
        "{MINIMAL}\n[experiment]\nholdout_percent = 60\nmode = \"dark\"\ncookie = \"a b\"\n\
         [[experiment.goals]]\nname = \"Cart!\"\nmethod = \"post\"\npath = \"cart/{{id}}\"\nvalue_header = \"bad header\"\n\
         [[experiment.goals]]\nname = \"ok\"\nmethod = \"GET\"\npath = \"/a\"\n\
         [[experiment.goals]]\nname = \"ok\"\nmethod = \"GET\"\npath = \"/b\"\n"
    );
    let keys: Vec<String> = problems(&text, &with_token())
        .into_iter()
        .map(|p| p.key)
        .collect();
    for key in [
        "experiment.holdout_percent",
        "experiment.mode",
        "experiment.name",
        "experiment.cookie",
        "experiment.cookie_key_env",
        "experiment.goals[0].name",
        "experiment.goals[0].method",
        "experiment.goals[0].path",
        "experiment.goals[0].value_header",
        "experiment.goals[2].name",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
    }
}

#[test]
fn a_short_key_is_refused_without_echoing_it() {
    let text = format!("{MINIMAL}\n[experiment]\nname = \"x\"\nholdout_percent = 5\n");
    let env = env(&[
        ("FASHIONAI_APP_TOKEN", TOKEN),
        ("RESHELF_EXPERIMENT_KEY", "short-secret"),
    ]);
    let problems = problems(&text, &env);
    let message = config_text::message_for(&problems, "experiment.cookie_key_env");
    assert!(message.contains("at least 32"), "{message}");
    assert!(!message.contains("short-secret"));
}
