//! The real binary under a low `nofile` limit (256, set by `ulimit -n` in the shell that
//! starts it): it derives its connection budget from the limit, and with more clients than
//! the budget every client gets an answer (the origin's 200, or reshelf's clean 503 with
//! `Retry-After`), never a 502 blamed on a healthy origin, and never "Too many open files";
//! `/healthz` answers throughout.

mod common;

use std::time::Duration;

use common::binary::Proc;
use common::raw;
use common::{client, config_toml, HTML_PAGE};
use tokio::sync::mpsc;

const NOFILE: u32 = 256;
const CLIENTS: usize = 150;
const BOUND: Duration = Duration::from_secs(30);

async fn within<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {BOUND:?}"))
}

/// `max_connections=N` from the start-up log line.
fn budget(line: &str) -> usize {
    line.split("max_connections=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no max_connections in {line}"))
}

#[tokio::test]
async fn more_clients_than_the_budget_each_get_an_answer_and_healthz_stays_up() {
    // This process holds the clients' and the origin's sockets.
    reshelf::server::budget::raise_nofile();
    let (origin, gate, mut arrivals) = common::origin::gated().await;
    // The served requests wait at the origin while the rest are refused: no origin timeout
    // may end them first.
    let toml = config_toml(origin.addr, None, HTML_PAGE)
        .replace("timeout_ms = 2000", "timeout_ms = 60000")
        .replace("[listen]", "[listen]\nconnection_wait_ms = 100");
    let mut proc = Proc::serve_with_nofile(&toml, "info", NOFILE).await;
    // Logged before "reshelf listening", which `serve_with_nofile` waited for.
    let line = proc
        .drain_log()
        .lines()
        .find(|l| l.contains("file-descriptor budget"))
        .expect("the budget is logged at start")
        .to_owned();
    assert!(line.contains(&format!("nofile={NOFILE}")), "{line}");
    let max = budget(&line);
    assert!(max > 0 && max < CLIENTS / 2, "{line}");
    let public: std::net::SocketAddr = proc.public.parse().unwrap();

    let (done, mut answers) = mpsc::unbounded_channel();
    for i in 0..CLIENTS {
        let done = done.clone();
        tokio::spawn(async move {
            let answer = raw::get(public, &format!("/item/{i}"))
                .await
                .map(|(_, r)| r);
            let _ = done.send(answer);
        });
    }
    // The budget's worth reach the origin and wait there; every other client is refused.
    for _ in 0..max {
        within("a served request reaches the origin", arrivals.recv()).await;
    }
    for _ in 0..CLIENTS - max {
        let resp = within("a refusal", answers.recv()).await.unwrap();
        let resp = resp.expect("a whole response, not a reset");
        assert_eq!(resp.status, 503, "{resp:?}");
        assert_eq!(resp.header("retry-after"), Some("1"), "{resp:?}");
    }
    let health = client()
        .get(format!("http://{}/healthz", proc.admin))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .expect("healthz answers while the public side is saturated");
    assert_eq!(health.status(), 200);
    let metrics = client()
        .get(format!("http://{}/metrics", proc.admin))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let refused = format!(
        r#"reshelf_connections_refused_total{{listener="public"}} {}"#,
        CLIENTS - max
    );
    assert!(metrics.contains(&refused), "{refused}\n{metrics}");
    assert!(metrics.contains(&format!("reshelf_open_files_limit {NOFILE}")));

    gate.add_permits(CLIENTS);
    for _ in 0..max {
        let resp = within("a served answer", answers.recv()).await.unwrap();
        let resp = resp.expect("a whole response");
        assert_eq!(resp.status, 200, "{resp:?}");
        assert_eq!(resp.body, b"from the origin");
    }
    let log = proc.drain_log();
    assert!(!log.contains("Too many open files"), "{log}");
    assert!(!log.contains("status=502"), "{log}");
}
