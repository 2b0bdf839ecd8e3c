//! `GET /profiles/email/{email}` on the admin listener: the bearer token, address checks, the
//! profile passed on byte for byte and cached, upstream failures as 404/502/504, and no way to
//! reach it through the public listener.

use reshelf::sim::{Api, Fault, FaultPlan, TOKEN_HEADER};

use crate::common::TEST_TOKEN;
use crate::rig::{requests_series, Options, Rig, ADMIN_TOKEN};

fn bearer() -> String {
    format!("Bearer {ADMIN_TOKEN}")
}

#[tokio::test]
async fn returns_the_profile_as_received_and_caches_it() {
    let rig = Rig::start("").await;
    let direct = rig
        .http
        .get(rig.sim.profile_url("ana.souza@example.com.br"))
        .header(TOKEN_HEADER, TEST_TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    rig.sim.clear_requests();

    let answer = rig
        .profile("Ana.Souza@Example.com.br", Some(&bearer()))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body.as_bytes(),
        &direct[..],
        "bytes as Fashion.AI sent them"
    );
    assert!(
        answer.body.contains("\"perfil_cliente\"") && answer.body.contains("momento_compra_atual")
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("private, no-store"));

    let sent = rig.sim.requests_for(Api::Profile);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(
        sent[0].path,
        "/api/v1/crm/protected/profile/email/ana%2Esouza%40example%2Ecom%2Ebr"
    );
    assert_eq!(sent[0].header(TOKEN_HEADER), Some(TEST_TOKEN));

    // The same address, percent-encoded and in another case: served from the cache.
    let again = rig
        .profile(
            "ana.souza%40EXAMPLE.com.br",
            Some(&format!("bearer {ADMIN_TOKEN}")),
        )
        .await;
    assert_eq!(again.body, answer.body);
    assert_eq!(rig.sim.count(Api::Profile), 1);
    assert_eq!(rig.sample(&requests_series("profile", "ok")).await, 2.0);
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn without_the_admin_token_it_is_401() {
    let rig = Rig::start("").await;
    let wrong = format!("Bearer {ADMIN_TOKEN}x");
    let basic = format!("Basic {ADMIN_TOKEN}");
    for auth in [
        None,
        Some(wrong.as_str()),
        Some(basic.as_str()),
        Some("Bearer "),
    ] {
        let answer = rig.profile("ana@example.com", auth).await;
        assert_eq!(answer.status, 401, "{auth:?}");
        assert!(answer
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer"));
        assert!(answer.json()["error"].is_string());
    }
    assert_eq!(rig.sim.count(Api::Profile), 0);
    assert_eq!(
        rig.sample(&requests_series("profile", "unauthorized"))
            .await,
        4.0
    );
    rig.proxy.shutdown().await;

    // No admin token configured: nobody gets in, whatever they send.
    let options = Options {
        admin_token: false,
        ..Options::default()
    };
    let closed = Rig::start_with(options, "").await;
    assert_eq!(
        closed
            .profile("ana@example.com", Some(&bearer()))
            .await
            .status,
        401
    );
    assert_eq!(
        closed
            .profile("ana@example.com", Some("Bearer "))
            .await
            .status,
        401
    );
    assert_eq!(closed.sim.count(Api::Profile), 0);
    closed.proxy.shutdown().await;
}

#[tokio::test]
async fn bad_addresses_are_400_and_unknown_ones_404() {
    let rig = Rig::start("").await;
    for bad in [
        "ana",
        "ana%40",
        "%40example.com",
        "ana%20x%40example.com",
        "a%40b%40c.com",
        "%FF%40x.com",
    ] {
        let answer = rig.profile(bad, Some(&bearer())).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert!(answer.json()["error"].is_string());
    }
    assert_eq!(rig.sim.count(Api::Profile), 0, "nothing invalid is sent");
    let unknown = rig
        .profile("nobody.home@example.com", Some(&bearer()))
        .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["error"].is_string());
    let post = rig
        .http
        .post(rig.admin_url("/profiles/email/ana@example.com"))
        .header("authorization", bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET");
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn upstream_failures_are_502_and_a_hang_504() {
    let rig = Rig::start("").await;
    for (n, (fault, status)) in [
        (Fault::Error, 502),
        (Fault::Garbage, 502),
        (Fault::Unauthorized, 502),
        (Fault::Hang, 504),
    ]
    .into_iter()
    .enumerate()
    {
        rig.sim
            .set_fault_for(Api::Profile, FaultPlan::always(fault));
        let answer = rig
            .profile(&format!("user{n}@example.com"), Some(&bearer()))
            .await;
        assert_eq!(answer.status, status, "{fault:?}: {}", answer.body);
        assert!(answer.json()["error"].is_string());
    }
    // Failures are not cached.
    rig.sim.set_fault_for(Api::Profile, FaultPlan::none());
    assert_eq!(
        rig.profile("user0@example.com", Some(&bearer()))
            .await
            .status,
        200
    );
    assert_eq!(rig.sample(&requests_series("profile", "error")).await, 3.0);
    assert_eq!(
        rig.sample(&requests_series("profile", "timeout")).await,
        1.0
    );
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn the_public_listener_does_not_serve_profiles() {
    let rig = Rig::start("").await;
    for path in [
        "/profiles/email/ana@example.com",
        "/profiles/email/ana%40example.com",
        "/_reshelf/profiles/email/ana@example.com",
    ] {
        let answer = rig.get(path, &[("authorization", &bearer())]).await;
        assert_eq!(answer.status, 404, "{path}");
        assert!(!answer.body.contains("perfil_cliente"), "{path}");
    }
    // The first two went to the origin like any other page; the last is an unknown endpoint.
    assert_eq!(
        *rig.origin_paths.lock().unwrap(),
        [
            "/profiles/email/ana@example.com",
            "/profiles/email/ana%40example.com"
        ]
    );
    assert_eq!(rig.sim.count(Api::Profile), 0);
    rig.proxy.shutdown().await;
}
