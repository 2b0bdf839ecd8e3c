//! The experiment on real sockets: holdout pages are the origin's bytes with the event still
//! sent; goals count once per session, only after exposure, across two reshelf processes that
//! share nothing but the shopper's cookie; a tampered cookie is ignored and re-issued.
//! Shadow mode and the readout: `experiment_shadow.rs`.

mod common;

use common::api::{ids, FakeApi, Mode};
use common::binary::Proc;
use common::experiment::*;
use common::{fetch, metrics_text, shop};
use reshelf::experiment::{Arm, CookieKey, Journey};

#[tokio::test]
async fn holdout_pages_are_the_origins_bytes_and_still_fire_the_event() {
    let origin = origin().await;
    let api = FakeApi::start(Mode::Answer(ids(&["p4", "x9", "p2"]))).await;
    let proxy = proxy(&toml(&origin, &api, &experiment("live", 50))).await;
    let held = session_in(Arm::Holdout);
    let page = fetch::page(
        proxy.public_addr(),
        "/category/dresses",
        &[("cookie", &cookies(&held, None))],
    )
    .await;
    assert_eq!(page.body, shop::html_page().as_bytes(), "byte for byte");
    assert_eq!(page.verdict().unwrap(), "native; reason=holdout");
    assert!(
        exp_cookie(&page.headers).is_some(),
        "exposure recorded in the cookie"
    );
    let seen = api.seen();
    assert_eq!(seen.len(), 1, "categoryView still sent");
    assert_eq!(seen[0].body["sessionId"], held.as_str());
    assert_eq!(seen[0].body["eventType"], "categoryView");

    let treated = session_in(Arm::Treatment);
    let page = fetch::page(
        proxy.public_addr(),
        "/category/dresses",
        &[("cookie", &cookies(&treated, None))],
    )
    .await;
    assert_eq!(page.verdict().unwrap(), "personalized");
    assert_eq!(shop::order(&page.text())[0], "p4");

    let bot = fetch::page(
        proxy.public_addr(),
        "/category/dresses",
        &[("user-agent", "Googlebot/2.1")],
    )
    .await;
    assert!(exp_cookie(&bot.headers).is_none(), "crawlers are in no arm");

    let text = eventually(proxy.admin_addr(), |t| async move {
        metric(
            &t,
            r#"reshelf_experiment_views_total{arm="treatment",outcome="personalized"}"#,
        ) == 1.0
            && metric(
                &t,
                r#"reshelf_experiment_views_total{arm="holdout",outcome="native"}"#,
            ) == 1.0
    })
    .await;
    assert_eq!(
        metric(&text, r#"reshelf_experiment_sessions_total{arm="holdout"}"#),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            r#"reshelf_experiment_sessions_total{arm="treatment"}"#
        ),
        1.0
    );
    assert_eq!(metric(&text, "reshelf_experiment_holdout_ratio"), 0.5);
    proxy.shutdown().await;
}

#[tokio::test]
async fn goals_count_once_per_session_after_exposure_across_processes() {
    let origin = origin().await;
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let config = toml(&origin, &api, &experiment("live", 50));
    let a = proxy(&config).await;
    let b = Proc::serve_with_env(&config, "info", &[("RESHELF_EXPERIMENT_KEY", KEY)]).await;
    let s = session_in(Arm::Treatment);
    let (a_pub, b_pub) = (a.public_addr(), b.public.clone());

    // Not exposed yet: the goal does not count, and nothing is written.
    let r = goal(a_pub, "POST", "/cart/add", &cookies(&s, None)).await;
    assert!(exp_cookie(r.headers()).is_none());
    // The first exposure, on A.
    let page = fetch::page(
        a_pub,
        "/category/dresses",
        &[("cookie", &cookies(&s, None))],
    )
    .await;
    let v1 = exp_cookie(&page.headers).expect("cookie set at the first exposure");
    // The same session on B: already exposed, not counted again.
    let b_page: std::net::SocketAddr = b_pub.parse().unwrap();
    let page = fetch::page(
        b_page,
        "/category/shoes",
        &[("cookie", &cookies(&s, Some(&v1)))],
    )
    .await;
    assert_eq!(page.verdict().unwrap(), "personalized");
    assert!(exp_cookie(&page.headers).is_none(), "nothing new to write");
    // Add to cart on B (first), then on A (again), then a failing one on A.
    let r = goal(&b_pub, "POST", "/cart/add", &cookies(&s, Some(&v1))).await;
    let v2 = exp_cookie(r.headers()).expect("first conversion written");
    let r = goal(a_pub, "POST", "/cart/42", &cookies(&s, Some(&v2))).await;
    assert!(exp_cookie(r.headers()).is_none());
    let r = goal(a_pub, "POST", "/cart/fail", &cookies(&s, Some(&v2))).await;
    assert_eq!(r.status(), 500);
    // An order with a value, on B.
    let r = goal(&b_pub, "GET", "/checkout/done", &cookies(&s, Some(&v2))).await;
    let v3 = exp_cookie(r.headers()).unwrap();
    let key = CookieKey::new(KEY.as_bytes().to_vec());
    let journey = Journey::decode(&v3, &key, NAME, &s).unwrap();
    assert_eq!(journey.reached("order"), Some(2550));

    let am = metrics_text(a.admin_addr()).await;
    let bm = metrics_text(&b.admin).await;
    let both = |series: &str| metric(&am, series) + metric(&bm, series);
    let t = |name: &str, goal: &str| format!(r#"{name}{{arm="treatment",goal="{goal}"}}"#);
    assert_eq!(
        both(r#"reshelf_experiment_sessions_total{arm="treatment"}"#),
        1.0
    );
    assert_eq!(
        both(&t("reshelf_experiment_goal_sessions_total", "cart")),
        1.0
    );
    assert_eq!(
        metric(&bm, &t("reshelf_experiment_goal_sessions_total", "cart")),
        1.0
    );
    assert_eq!(
        both(&t("reshelf_experiment_goal_events_total", "cart")),
        2.0,
        "B once, A once"
    );
    assert_eq!(
        both(&t("reshelf_experiment_goal_sessions_total", "order")),
        1.0
    );
    assert_eq!(both(&t("reshelf_experiment_revenue_total", "order")), 25.5);
    assert_eq!(
        both(&t("reshelf_experiment_revenue_squares_total", "order")),
        25.5 * 25.5
    );
    assert_eq!(
        both(r#"reshelf_experiment_sessions_total{arm="holdout"}"#),
        0.0
    );
    a.shutdown().await;
}

#[tokio::test]
async fn a_tampered_cookie_is_ignored_and_reissued() {
    let origin = origin().await;
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let proxy = proxy(&toml(&origin, &api, &experiment("live", 50))).await;
    let s = session_in(Arm::Holdout);
    let page = fetch::page(
        proxy.public_addr(),
        "/category/a",
        &[("cookie", &cookies(&s, None))],
    )
    .await;
    let v1 = exp_cookie(&page.headers).unwrap();
    // Claim the goal already reached, so the conversion would go uncounted.
    let forged = v1.replacen('x', "x.cart", 1);
    let r = goal(
        proxy.public_addr(),
        "POST",
        "/cart/add",
        &cookies(&s, Some(&forged)),
    )
    .await;
    assert!(
        exp_cookie(r.headers()).is_none(),
        "a forged cookie counts nothing"
    );
    let m = &proxy.state().metrics.experiment;
    assert_eq!(
        m.goal_events.with_label_values(&["holdout", "cart"]).get(),
        0
    );
    // The next listing view ignores it and issues a valid one.
    let page = fetch::page(
        proxy.public_addr(),
        "/category/a",
        &[("cookie", &cookies(&s, Some(&forged)))],
    )
    .await;
    let reissued = exp_cookie(&page.headers).expect("re-issued");
    let key = CookieKey::new(KEY.as_bytes().to_vec());
    assert!(Journey::decode(&forged, &key, NAME, &s).is_none());
    let journey = Journey::decode(&reissued, &key, NAME, &s).expect("valid again");
    assert!(journey.exposed && journey.goals.is_empty());
    proxy.shutdown().await;
}
