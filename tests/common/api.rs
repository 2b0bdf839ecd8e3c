//! A Fashion.AI stand-in on 127.0.0.1:0 with a ranking the test chooses and a behaviour it can
//! switch at any time; it records every request it receives. (The full simulator lives in
//! `reshelf::sim`; this one exists so tests can assert an exact order.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::{Response, StatusCode};

use super::origin::{full, TestBody, TestServer};

/// How the stand-in answers the next calls.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// `{"products": ranking}`.
    Answer(Vec<String>),
    /// Answers after a delay.
    Slow(Vec<String>, Duration),
    /// Never answers.
    Hang,
    /// 500.
    Error,
    /// 200 with a body that is not JSON.
    Garbage,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: Option<String>,
    pub token: Option<String>,
    pub body: serde_json::Value,
}

pub struct FakeApi {
    pub server: TestServer,
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeApi {
    pub async fn start(mode: Mode) -> FakeApi {
        let mode = Arc::new(Mutex::new(mode));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (m, s) = (mode.clone(), seen.clone());
        let server = TestServer::start(move |req| {
            let (mode, seen) = (m.clone(), s.clone());
            async move {
                let path = req.uri().path().to_owned();
                let query = req.uri().query().map(str::to_owned);
                let token = req
                    .headers()
                    .get("x-fashionai-app-token")
                    .map(|v| v.to_str().unwrap().to_owned());
                let bytes = req.into_body().collect().await.unwrap().to_bytes();
                let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
                seen.lock().unwrap().push(Seen {
                    path,
                    query,
                    token,
                    body,
                });
                let current = mode.lock().unwrap().clone();
                match current {
                    Mode::Answer(ids) => answer(&ids),
                    Mode::Slow(ids, delay) => {
                        tokio::time::sleep(delay).await;
                        answer(&ids)
                    }
                    Mode::Hang => std::future::pending().await,
                    Mode::Error => Response::builder().status(500).body(full("boom")).unwrap(),
                    Mode::Garbage => Response::new(full("<html>not json")),
                }
            }
        })
        .await;
        FakeApi { server, mode, seen }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(ids: &[String]) -> Response<TestBody> {
    let body = serde_json::json!({ "products": ids }).to_string();
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(full(body))
        .unwrap()
}

/// `["p3", "p1"]` as owned strings.
pub fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
