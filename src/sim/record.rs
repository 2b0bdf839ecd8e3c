//! What the simulator received: every request kept (up to a limit) and counted per API, so tests
//! can assert the exact call reshelf made.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;
use http::{HeaderMap, Method};

use super::config::Api;

/// One request as received, before any fault or token check.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Which API the path and method matched; `None` for anything else (answered 404/405).
    pub api: Option<Api>,
    pub method: Method,
    /// Path without the query, as sent (still percent-encoded).
    pub path: String,
    /// Raw query string, without `?`.
    pub query: Option<String>,
    /// All headers, the app token included.
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RecordedRequest {
    /// A header's value, when present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The query decoded (`+` and `%XX`) into pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }
}

/// The log and the counters.
#[derive(Debug)]
pub(crate) struct Recorder {
    limit: usize,
    log: Mutex<VecDeque<RecordedRequest>>,
    counts: [AtomicU64; 3],
}

impl Recorder {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            log: Mutex::new(VecDeque::new()),
            counts: Default::default(),
        }
    }

    pub fn record(&self, request: RecordedRequest) {
        if let Some(api) = request.api {
            self.counts[api.slot()].fetch_add(1, Ordering::Relaxed);
        }
        if self.limit == 0 {
            return;
        }
        let mut log = self.lock();
        if log.len() >= self.limit {
            log.pop_front();
        }
        log.push_back(request);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().iter().cloned().collect()
    }

    pub fn count(&self, api: Api) -> u64 {
        self.counts[api.slot()].load(Ordering::Relaxed)
    }

    pub fn clear(&self) {
        self.lock().clear();
        for c in &self.counts {
            c.store(0, Ordering::Relaxed);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        // Pushes and pops leave the deque consistent even if a holder panicked.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}
