//! Simulated shoppers against the demo (shop, simulator and reshelf on loopback port 0) with a
//! 50 % holdout: with personalization, the readout finds the uplift in add-to-cart that the
//! shoppers' model builds in (their cart propensity rises when products they love are near the
//! top); with every ranking empty (an A/A run), it finds none. The session ids and every choice
//! come from the seed, so both runs are repeatable; the shopper counts are the fewest that
//! keep the A/B result far from the edge (expected z about 6) while the runs stay short.
//! The two tests take turns: each is a load on the machine's cores.

use std::net::SocketAddr;

use reshelf::demo::{Demo, DemoOptions};
use reshelf::sim::shoppers::{self, ShopperArgs, Summary};
use serde_json::Value;

/// One run at a time.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const SHOPPERS: u32 = 160;
const PAGES: u32 = 5;
const SEED: u64 = 1;

async fn run(options: DemoOptions) -> (Summary, Value) {
    let demo = Demo::start_with(SocketAddr::from(([127, 0, 0, 1], 0)), options)
        .await
        .expect("demo starts");
    let args = ShopperArgs {
        target: format!("http://{}", demo.proxy.public_addr()),
        shoppers: SHOPPERS,
        pages: PAGES,
        concurrency: 8,
        max_seconds: 120,
        seed: SEED,
        catalog: None,
        session_cookie: "reshelf_sid".into(),
        admin: None,
    };
    let summary = shoppers::run(&args.to_plan().expect("valid arguments"))
        .await
        .expect("shoppers run");
    let readout = reqwest::Client::new()
        .get(format!("http://{}/experiment", demo.proxy.admin_addr()))
        .header("accept", "application/json")
        .send()
        .await
        .expect("readout answers")
        .json()
        .await
        .expect("readout is JSON");
    demo.shutdown().await;
    // The figures, for the log of a failing run.
    eprint!(
        "{}{}",
        summary.text(),
        shoppers::report::readout_text(&readout)
    );
    assert_eq!(
        (summary.shoppers, summary.failed, summary.not_started),
        (u64::from(SHOPPERS), 0, 0),
        "{}",
        summary.text()
    );
    (summary, readout)
}

/// The add-to-cart goal of the readout.
fn cart(readout: &Value) -> &Value {
    readout["goals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "cart")
        .expect("the demo's cart goal")
}

/// Every shopper exposed once, the split passing its check.
fn assert_split(readout: &Value) {
    let sessions: u64 = readout["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["sessions"].as_u64().unwrap())
        .sum();
    assert_eq!(sessions, u64::from(SHOPPERS), "{readout:#}");
    assert_eq!(readout["srm"]["status"], "ok", "{readout:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personalized_order_shows_a_significant_add_to_cart_uplift() {
    let _turn = TURN.lock().await;
    let options = DemoOptions {
        holdout_percent: 50,
        no_personalization: false,
    };
    let (summary, readout) = run(options).await;
    assert_split(&readout);
    let cart = cart(&readout);
    let relative = &cart["conversion"]["relative"];
    assert!(
        relative["low"].as_f64().unwrap() > 0.0,
        "relative uplift interval above 0: {cart:#}\n{}",
        summary.text()
    );
    assert_eq!(cart["verdict"], "uplift", "{cart:#}");
    // The shoppers saw it too: reordered pages in the treatment arm, native ones held out.
    assert!(summary.tally.reordered > 0 && summary.tally.holdout > 0);
    // Goals counted only for exposed sessions, once each: never more than the carts.
    let converting: u64 = cart["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["converting_sessions"].as_u64().unwrap())
        .sum();
    assert!(converting > 0 && converting <= summary.tally.carts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_personalization_in_either_arm_there_is_no_difference() {
    let _turn = TURN.lock().await;
    let options = DemoOptions {
        holdout_percent: 50,
        no_personalization: true,
    };
    let (summary, readout) = run(options).await;
    assert_split(&readout);
    assert_eq!(summary.tally.reordered, 0, "no page personalized");
    let cart = cart(&readout);
    let relative = &cart["conversion"]["relative"];
    let (low, high) = (
        relative["low"].as_f64().unwrap(),
        relative["high"].as_f64().unwrap(),
    );
    assert!(low < 0.0 && 0.0 < high, "interval holds 0: {cart:#}");
    assert_eq!(cart["verdict"], "no-significant-difference", "{cart:#}");
    for goal in readout["goals"].as_array().unwrap() {
        assert_ne!(goal["verdict"], "uplift", "{goal:#}");
        assert_ne!(goal["verdict"], "downlift", "{goal:#}");
    }
}
