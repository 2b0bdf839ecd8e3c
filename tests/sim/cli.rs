//! `reshelf sim`: arguments to config, the token from the environment, start and SIGTERM;
//! `reshelf sim shoppers` against the demo, and its bounds.

use std::process::Stdio;
use std::time::Duration;

use clap::Parser;
use reqwest::StatusCode;
use reshelf::sim::{Api, Fault, SimArgs, SimSetupError, TOKEN_HEADER};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: SimArgs,
}

fn parse(argv: &[&str]) -> Result<SimArgs, clap::Error> {
    Wrapper::try_parse_from(std::iter::once("sim").chain(argv.iter().copied())).map(|w| w.args)
}

#[test]
fn arguments_become_a_config_with_the_token_from_the_environment() {
    let args = parse(&[
        "--listen",
        "127.0.0.1:0",
        "--fault",
        "hang",
        "--fault-rate",
        "0.25",
        "--fault-api",
        "search",
        "--latency-ms",
        "20",
        "--min-events",
        "5",
        "--token-env",
        "MY_TOKEN",
    ])
    .unwrap();
    let env = |name: &str| (name == "MY_TOKEN").then(|| "secret-1".to_owned());
    let config = args.to_config(&env).unwrap();
    assert_eq!(config.token, "secret-1");
    assert_eq!(config.min_events, 5);
    let search = config.faults[1];
    assert_eq!(
        (search.fault, search.rate, search.latency),
        (Fault::Hang, 0.25, Duration::from_millis(20))
    );
    assert_eq!(config.faults[0].fault, Fault::None);
    assert_eq!(Api::ALL[1], Api::Search);

    match args.to_config(&|_| None) {
        Err(SimSetupError::MissingToken { var }) => assert_eq!(var, "MY_TOKEN"),
        other => panic!("expected MissingToken, got {other:?}"),
    }
    assert!(parse(&["--listen", "127.0.0.1:0", "--fault-rate", "1.5"]).is_err());
    assert!(parse(&["--listen", "127.0.0.1:0", "--fault", "explode"]).is_err());
}

#[tokio::test]
async fn unset_token_variable_exits_2_naming_it() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_reshelf"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--token-env",
            "RESHELF_TEST_UNSET_TOKEN",
        ])
        .env_remove("RESHELF_TEST_UNSET_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("RESHELF_TEST_UNSET_TOKEN"), "{stderr}");
}

#[tokio::test]
async fn serves_with_the_environment_token_and_exits_0_on_sigterm() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_reshelf"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--token-env",
            "RESHELF_TEST_SIM_TOKEN",
        ])
        .env("RESHELF_TEST_SIM_TOKEN", "cli-token")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the simulator prints its URL")
        .unwrap()
        .expect("a line on stdout");
    let base = line.rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");

    let http = reqwest::Client::new();
    let url = format!("{base}{}", reshelf::sim::RECOMMENDATION_PATH);
    let body = json!({"sessionId": "cli", "eventType": "shopTheLook", "data": {"id": "P1001"}});
    let ok = http
        .post(&url)
        .header(TOKEN_HEADER, "cli-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let denied = http
        .post(&url)
        .header(TOKEN_HEADER, "sim-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn shoppers_shop_through_the_demo_and_print_the_readout() {
    use reshelf::demo::{Demo, DemoOptions};
    let options = DemoOptions {
        holdout_percent: 50,
        no_personalization: false,
    };
    let demo = Demo::start_with(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), options)
        .await
        .unwrap();
    let reshelf = |args: Vec<String>| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_reshelf"))
            .args(args)
            .output()
    };
    let target = format!("http://{}", demo.proxy.public_addr());
    let admin = demo.proxy.admin_addr().to_string();
    let argv = |rest: &[&str]| -> Vec<String> {
        ["sim", "shoppers"]
            .iter()
            .chain(rest)
            .map(|s| s.to_string())
            .collect()
    };
    let output = reshelf(argv(&[
        "--target",
        &target,
        "--shoppers",
        "6",
        "--pages",
        "2",
        "--admin",
        &admin,
    ]))
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("6 shoppers in"), "{stdout}");
    assert!(stdout.contains("12 category pages"), "{stdout}");
    assert!(stdout.contains("readout: sessions treatment"), "{stdout}");
    assert!(stdout.contains("  cart: treatment"), "{stdout}");
    // Each shopper is one session, exposed once.
    let m = &demo.proxy.state().metrics.experiment;
    let sessions: u64 = ["treatment", "holdout"]
        .iter()
        .map(|arm| m.sessions.with_label_values(&[arm]).get())
        .sum();
    assert_eq!(sessions, 6);

    // Only loopback, and bounded: other targets and out-of-range counts are refused.
    for bad in [
        argv(&["--target", "http://192.0.2.1:8080"]),
        argv(&["--target", &target, "--shoppers", "0"]),
        argv(&["--target", &target, "--pages", "51"]),
        vec!["sim".to_string()],
    ] {
        let output = reshelf(bad.clone()).await.unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
    }
    let output = reshelf(argv(&["--target", "http://192.0.2.1:8080"]))
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a loopback address"));
    demo.shutdown().await;
}
