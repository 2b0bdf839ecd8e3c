//! The simulator's HTTP side: [`start`], the [`SimHandle`] tests steer it with, and the request
//! flow (record → latency and fault → token check → the API's answer).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use hyper::body::Incoming;
use hyper::Request;
use serde_json::json;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::api;
use super::catalog::Catalog;
use super::config::{Api, SimConfig};
use super::faults::{Fault, FaultPlan, FaultTable};
use super::inspect::Inspector;
use super::learn::Brain;
use super::net::{self, Body, BodyError};
use super::record::{RecordedRequest, Recorder};

/// Name of the header that carries the app token (the README, "Fashion.AI API").
pub const TOKEN_HEADER: &str = "x-fashionai-app-token";

/// Largest request body read, in bytes (1 MiB); larger bodies get 413.
const MAX_BODY: usize = 1 << 20;

/// State shared by every connection of one simulator.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: SimConfig,
    pub faults: FaultTable,
    pub recorder: Recorder,
    pub brain: Brain,
    /// `profile_path` split around `{email}`; `None` when the template lacks it.
    profile_affixes: Option<(String, String)>,
    shutdown: CancellationToken,
}

/// Starts a simulator on an already bound listener and returns at once. It serves until the
/// handle is shut down or dropped.
pub async fn start(config: SimConfig, listener: TcpListener) -> SimHandle {
    let addr = listener
        .local_addr()
        .expect("a bound TCP listener has a local address");
    let shutdown = CancellationToken::new();
    let profile_affixes = config
        .profile_path
        .split_once("{email}")
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
    let shared = Arc::new(Shared {
        faults: FaultTable::new(config.faults),
        recorder: Recorder::new(config.record_limit),
        brain: Brain::new(config.min_events, config.max_sessions),
        profile_affixes,
        shutdown: shutdown.clone(),
        config,
    });
    let state = Arc::clone(&shared);
    let task = net::spawn_server(listener, shutdown, move |req| {
        let state = Arc::clone(&state);
        async move { handle(&state, req).await }
    });
    SimHandle {
        addr,
        shared,
        task: Some(task),
    }
}

/// A running simulator. Dropping it stops the server too (without waiting).
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, no trailing slash: the `fashionai.base_url` to configure.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Full URL of the recommendation API.
    pub fn recommendation_url(&self) -> String {
        format!(
            "{}{}",
            self.base_url(),
            self.shared.config.recommendation_path
        )
    }

    /// Full URL of the search API, without query.
    pub fn search_url(&self) -> String {
        format!("{}{}", self.base_url(), self.shared.config.search_path)
    }

    /// Full URL of the profile API for `email` (percent-encoded into the path).
    pub fn profile_url(&self, email: &str) -> String {
        let encoded =
            percent_encoding::utf8_percent_encode(email, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let path = self.shared.config.profile_path.replace("{email}", &encoded);
        format!("{}{path}", self.base_url())
    }

    /// The token it accepts.
    pub fn token(&self) -> &str {
        &self.shared.config.token
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.shared.config.catalog
    }

    /// A read-only view of what it knows of each session (see [`Inspector`]).
    pub fn inspector(&self) -> Inspector {
        Inspector {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Sets the same fault plan for all three APIs, effective from the next request.
    pub fn set_fault(&self, plan: FaultPlan) {
        for api in Api::ALL {
            self.shared.faults.set(api, plan);
        }
    }

    /// Sets the fault plan of one API, effective from the next request.
    pub fn set_fault_for(&self, api: Api, plan: FaultPlan) {
        self.shared.faults.set(api, plan);
    }

    /// The fault plan an API runs with now.
    pub fn fault(&self, api: Api) -> FaultPlan {
        self.shared.faults.get(api)
    }

    /// Requests received so far, oldest first (up to `SimConfig::record_limit`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.requests()
    }

    /// Requests received so far for one API.
    pub fn requests_for(&self, api: Api) -> Vec<RecordedRequest> {
        let mut all = self.requests();
        all.retain(|r| r.api == Some(api));
        all
    }

    /// Requests received for an API, faulty and unauthorized ones included.
    pub fn count(&self, api: Api) -> u64 {
        self.shared.recorder.count(api)
    }

    /// Forgets recorded requests and zeroes the counters (session memory stays).
    pub fn clear_requests(&self) {
        self.shared.recorder.clear();
    }

    /// Stops accepting, drops open connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.cancel();
        if let Some(task) = self.task.take() {
            // The loop never panics; a JoinError could only be a cancelled runtime.
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}

/// Which API a request is for, by method and path.
enum Route {
    Api(Api, Option<String>),
    WrongMethod(&'static str),
    Unknown,
}

fn route(shared: &Shared, method: &Method, path: &str) -> Route {
    let config = &shared.config;
    let post = |api| {
        if method == Method::POST {
            Route::Api(api, None)
        } else {
            Route::WrongMethod("POST")
        }
    };
    if path == config.recommendation_path {
        return post(Api::Recommendation);
    }
    if path == config.search_path {
        return post(Api::Search);
    }
    if let Some((prefix, suffix)) = &shared.profile_affixes {
        let email = path
            .strip_prefix(prefix.as_str())
            .and_then(|rest| rest.strip_suffix(suffix.as_str()))
            .filter(|e| !e.is_empty() && !e.contains('/'));
        if let Some(email) = email {
            if method != Method::GET && method != Method::HEAD {
                return Route::WrongMethod("GET, HEAD");
            }
            let email = percent_encoding::percent_decode_str(email).decode_utf8_lossy();
            return Route::Api(Api::Profile, Some(email.into_owned()));
        }
    }
    Route::Unknown
}

async fn handle(shared: &Shared, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let route = route(shared, &parts.method, &path);
    let body = match net::read_body(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e @ BodyError::TooLarge { .. }) => {
            return error(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string());
        }
        Err(e @ BodyError::Read(_)) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let api = match &route {
        Route::Api(api, _) => Some(*api),
        _ => None,
    };
    shared.recorder.record(RecordedRequest {
        api,
        method: parts.method.clone(),
        path,
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body: body.clone(),
    });
    let (api, email) = match route {
        Route::Api(api, email) => (api, email),
        Route::WrongMethod(allow) => {
            let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            return response;
        }
        Route::Unknown => return error(StatusCode::NOT_FOUND, "no such endpoint"),
    };
    if let Some(response) = inject(shared, api).await {
        return response;
    }
    if !authorized(&shared.config.token, &parts.headers) {
        return unauthorized();
    }
    match api {
        Api::Recommendation => api::recommendation(shared, &body),
        Api::Search => api::search(shared, parts.uri.query(), &body),
        Api::Profile => api::profile(shared, email.as_deref().unwrap_or_default()),
    }
}

/// Applies the API's latency and fault; `Some` is the faulty answer to send instead.
async fn inject(shared: &Shared, api: Api) -> Option<Response<Body>> {
    let draw = shared.faults.draw(api);
    if !draw.delay.is_zero() {
        tokio::select! {
            () = tokio::time::sleep(draw.delay) => {}
            () = shared.shutdown.cancelled() => return Some(shutting_down()),
        }
    }
    match draw.fault {
        Fault::None => None,
        Fault::Error => Some(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "simulated failure",
        )),
        Fault::Garbage => Some(net::respond(
            StatusCode::OK,
            "application/json",
            Bytes::from_static(b"{\"products\": [\"<html>502 Bad Gateway</ht"),
        )),
        Fault::Unauthorized => Some(unauthorized()),
        Fault::Hang => {
            tokio::select! {
                () = shared.shutdown.cancelled() => Some(shutting_down()),
                () = tokio::time::sleep(shared.config.hang_limit) => Some(error(
                    StatusCode::GATEWAY_TIMEOUT,
                    "simulated hang reached its limit",
                )),
            }
        }
    }
}

fn authorized(token: &str, headers: &HeaderMap) -> bool {
    let Some(sent) = headers.get(TOKEN_HEADER) else {
        return false;
    };
    // Constant time, so response timing does not leak how much of a guess was right.
    !token.is_empty() && bool::from(sent.as_bytes().ct_eq(token.as_bytes()))
}

fn unauthorized() -> Response<Body> {
    error(
        StatusCode::UNAUTHORIZED,
        "missing or invalid X-FashionAI-APP-Token",
    )
}

fn shutting_down() -> Response<Body> {
    error(StatusCode::SERVICE_UNAVAILABLE, "simulator shutting down")
}

/// `{"error": message}` with a status.
pub(crate) fn error(status: StatusCode, message: &str) -> Response<Body> {
    net::json(status, &json!({ "error": message }))
}
