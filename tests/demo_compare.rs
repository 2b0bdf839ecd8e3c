//! The demo's compare page in a real browser (headless Chromium through chromedriver, as
//! `e2e_browser.rs`): before any category page it says the browser has no session; after a
//! shopper browsed a few category pages, it shows for their session the shop's native order
//! and, beside it, exactly the order the shopper saw on the category page, with what the
//! simulator learned and its answers to the last views.

#[path = "common/browser.rs"]
mod browser;
#[path = "common/sim.rs"]
mod sim;

use std::net::SocketAddr;

use browser::Browser;
use reshelf::demo::compare::PATH;
use reshelf::demo::Demo;

/// The text of every element matching `selector`, in order.
async fn texts(browser: &Browser, selector: &str) -> Vec<String> {
    let script = format!(
        "return Array.from(document.querySelectorAll({})).map(e => e.textContent.trim());",
        serde_json::to_string(selector).unwrap()
    );
    browser.script(&script).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_page_shows_the_order_the_shopper_saw_beside_the_native_one() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let demo = Demo::start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let public = format!("http://{}", demo.proxy.public_addr());
    let catalog = demo.sim.catalog().clone();

    // The home page links the compare page.
    browser.goto(&format!("{public}/")).await;
    let links: Vec<String> = browser
        .script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));")
        .await;
    assert!(links.iter().any(|l| l == PATH), "{links:?}");

    // No category page yet: no session, and no order of one's own.
    browser.goto(&format!("{public}{PATH}")).await;
    assert_eq!(texts(&browser, "#no-session").await.len(), 1);
    assert!(browser.ids("#personalized li").await.is_empty());

    // Two empty answers, then ranked pages: vestidos, then calcas.
    let vestidos = format!("{public}/category/vestidos");
    for _ in 0..3 {
        browser.tile_order(&vestidos).await;
    }
    let saw_vestidos = browser.tile_order(&vestidos).await;
    let saw_calcas = browser
        .tile_order(&format!("{public}/category/calcas"))
        .await;
    let native_vestidos = sim::native(&catalog, "vestidos");
    assert_ne!(saw_vestidos, native_vestidos, "the pages were personalized");

    browser
        .goto(&format!("{public}{PATH}?category=vestidos"))
        .await;
    assert_eq!(browser.ids("ol#native > li").await, native_vestidos);
    assert_eq!(browser.ids("ol#personalized > li").await, saw_vestidos);
    assert!(texts(&browser, "#no-session").await.is_empty());
    // What the simulator weighs: features with their learned weights.
    let learned = texts(&browser, "table#learned tbody tr").await;
    assert!(!learned.is_empty());
    assert!(
        learned
            .iter()
            .any(|row| row.starts_with("style") || row.starts_with("colour")),
        "{learned:?}"
    );
    // The last views, newest first: calcas ranked; the first two vestidos views empty.
    let recent = texts(&browser, "table#recent tbody tr").await;
    assert_eq!(recent.len(), 5, "{recent:?}");
    assert!(
        recent[0].contains("Calças") && recent[0].contains("X-Reshelf: personalized"),
        "{recent:?}"
    );
    for row in &recent[3..] {
        assert!(row.contains("reason=empty"), "{recent:?}");
    }

    // Without a category it compares the one viewed last.
    browser.goto(&format!("{public}{PATH}")).await;
    assert_eq!(
        browser.ids("ol#native > li").await,
        sim::native(&catalog, "calcas")
    );
    assert_eq!(browser.ids("ol#personalized > li").await, saw_calcas);

    browser.quit().await;
    demo.shutdown().await;
}
