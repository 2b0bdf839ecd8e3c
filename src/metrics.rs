//! Prometheus metrics: one [`Metrics`] struct registered on its own [`Registry`], held in app
//! state. Label values are bounded: route kinds, outcomes, reasons and status classes only.
//! Call sites record through the typed recorders ([`Metrics::listing_page`],
//! [`Metrics::request_done`], [`Metrics::origin_answered`]) rather than label arrays.
//!
//! May depend on: `kit` (route kinds and verdicts are its labels).

pub mod experiment;

use std::time::Duration;

use crate::kit::context::RouteKind;
use crate::kit::verdict::Verdict;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Latency buckets in seconds, fine-grained below 10 ms where proxy overhead lives.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0,
    2.5, 5.0, 15.0,
];

/// Every metric reshelf exports. Names are the contract of the README ("Operations basics")
/// and `deploy/grafana/metric-names.txt`.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// `route` = passthrough | listing | endpoint; `status_class` = 1xx..5xx, or `none` when
    /// the client left before the response head; `complete` = whether the body reached the
    /// client whole.
    pub requests: IntCounterVec,
    pub request_duration: HistogramVec,
    pub origin_duration: HistogramVec,
    /// `kind` = connect | timeout | protocol.
    pub origin_errors: IntCounterVec,
    /// `outcome` = personalized | native | aborted; `reason` = none or the `X-Reshelf` reason.
    pub listing_pages: IntCounterVec,
    /// `result` = ok | empty | error | timeout.
    pub ranking_duration: HistogramVec,
    /// `result` = hit | miss | stale.
    pub ranking_cache_lookups: IntCounterVec,
    pub ranking_cache_bytes: IntGauge,
    pub ranking_cache_entries: IntGauge,
    /// 0 closed, 1 open, 2 half-open.
    pub breaker_state: IntGauge,
    pub ranking_events_dropped: IntCounter,
    /// `format` = html | json.
    pub rewrite_duration: HistogramVec,
    pub rewrite_bytes: IntCounterVec,
    pub ranking_coverage: Histogram,
    /// `endpoint` = shop_the_look | search | profile.
    pub endpoint_requests: IntCounterVec,
    pub endpoint_upstream_duration: HistogramVec,
    pub rate_limited: IntCounterVec,
    /// `result` = success | failure.
    pub config_reloads: IntCounterVec,
    pub inflight_requests: IntGauge,
    /// `reshelf_experiment_*` (see [`experiment`]).
    pub experiment: experiment::ExperimentMetrics,
    /// `listener` = public | admin.
    pub connections_open: IntGaugeVec,
    pub connections_max: IntGaugeVec,
    /// Connections answered 503 because the listener's budget was full, by `listener`.
    pub connections_refused: IntCounterVec,
    /// Requests answered 503 at once under load, by `reason` ([`Shed`]).
    pub requests_shed: IntCounterVec,
    /// `kind` = head | idle | send.
    pub connection_timeouts: IntCounterVec,
    pub accept_errors: IntCounterVec,
    /// The soft `nofile` limit in force (after raising it to the hard limit).
    pub open_files_limit: IntGauge,
    build_info: IntGaugeVec,
}

impl Metrics {
    /// Creates the metrics on a fresh registry.
    pub fn new() -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let histogram = |name: &str, help: &str, labels: &[&str], buckets: &[f64]| {
            let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
            let h = HistogramVec::new(opts, labels).expect("valid metric");
            registry
                .register(Box::new(h.clone()))
                .expect("unique metric");
            h
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("unique metric");
            g
        };
        let gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("unique metric");
            g
        };
        let coverage_buckets = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
        let metrics = Metrics {
            requests: counter(
                "reshelf_requests_total",
                "Requests on the public listener by route kind, status class and whether the \
                 response reached the client whole.",
                &["route", "status_class", "complete"],
            ),
            request_duration: histogram(
                "reshelf_request_duration_seconds",
                "Whole request duration, until the response body is sent.",
                &["route"],
                LATENCY_BUCKETS,
            ),
            origin_duration: histogram(
                "reshelf_origin_duration_seconds",
                "Time until the origin's response headers.",
                &["route"],
                LATENCY_BUCKETS,
            ),
            origin_errors: counter(
                "reshelf_origin_errors_total",
                "Origin requests that failed, by kind.",
                &["kind"],
            ),
            listing_pages: counter(
                "reshelf_listing_pages_total",
                "Listing pages by outcome and native-order reason.",
                &["outcome", "reason"],
            ),
            ranking_duration: histogram(
                "reshelf_ranking_duration_seconds",
                "categoryView call duration by result.",
                &["result"],
                LATENCY_BUCKETS,
            ),
            ranking_cache_lookups: counter(
                "reshelf_ranking_cache_lookups_total",
                "Ranking cache lookups: hit, miss, or stale serve.",
                &["result"],
            ),
            ranking_cache_bytes: gauge(
                "reshelf_ranking_cache_bytes",
                "Weighed size of the ranking cache in bytes.",
            ),
            ranking_cache_entries: gauge(
                "reshelf_ranking_cache_entries",
                "Entries in the ranking cache.",
            ),
            breaker_state: gauge(
                "reshelf_breaker_state",
                "Ranking API circuit breaker: 0 closed, 1 open, 2 half-open.",
            ),
            ranking_events_dropped: {
                let c = IntCounter::new(
                    "reshelf_ranking_events_dropped_total",
                    "categoryView events not sent because the breaker or the limit refused them.",
                )
                .expect("valid metric");
                registry
                    .register(Box::new(c.clone()))
                    .expect("unique metric");
                c
            },
            rewrite_duration: histogram(
                "reshelf_rewrite_duration_seconds",
                "Time spent reordering a listing body.",
                &["format"],
                LATENCY_BUCKETS,
            ),
            rewrite_bytes: counter(
                "reshelf_rewrite_bytes_total",
                "Bytes of listing bodies reordered.",
                &["format"],
            ),
            ranking_coverage: {
                let h = Histogram::with_opts(
                    HistogramOpts::new(
                        "reshelf_ranking_coverage_ratio",
                        "Share of a page's tiles that the ranking named.",
                    )
                    .buckets(coverage_buckets.to_vec()),
                )
                .expect("valid metric");
                registry
                    .register(Box::new(h.clone()))
                    .expect("unique metric");
                h
            },
            endpoint_requests: counter(
                "reshelf_endpoint_requests_total",
                "Same-origin endpoint requests by endpoint and outcome.",
                &["endpoint", "outcome"],
            ),
            endpoint_upstream_duration: histogram(
                "reshelf_endpoint_upstream_duration_seconds",
                "Fashion.AI call duration for the same-origin endpoints.",
                &["endpoint"],
                LATENCY_BUCKETS,
            ),
            rate_limited: counter(
                "reshelf_rate_limited_total",
                "Requests refused with 429 by the per-client rate limit.",
                &["endpoint"],
            ),
            config_reloads: counter(
                "reshelf_config_reloads_total",
                "Config reloads on SIGHUP by result.",
                &["result"],
            ),
            inflight_requests: gauge(
                "reshelf_inflight_requests",
                "Requests being served on the public listener.",
            ),
            connections_open: gauge_vec(
                "reshelf_connections_open",
                "Connections being served, by listener.",
                &["listener"],
            ),
            connections_max: gauge_vec(
                "reshelf_connections_max",
                "The connection budget of each listener.",
                &["listener"],
            ),
            connections_refused: counter(
                "reshelf_connections_refused_total",
                "Connections refused with 503 because the listener's budget was full.",
                &["listener"],
            ),
            requests_shed: counter(
                "reshelf_requests_shed_total",
                "Requests answered 503 with Retry-After under load: requests (listen.max_requests \
                 in progress), origin-connections (origin.max_connections busy past \
                 origin.queue_timeout_ms).",
                &["reason"],
            ),
            connection_timeouts: counter(
                "reshelf_connection_timeouts_total",
                "Connections closed by a timeout: head (request head too slow), idle \
                 (keep-alive idle), send (client stopped reading).",
                &["kind"],
            ),
            accept_errors: counter(
                "reshelf_accept_errors_total",
                "accept() failures (out of file descriptors, ...), by listener.",
                &["listener"],
            ),
            open_files_limit: gauge(
                "reshelf_open_files_limit",
                "The soft nofile limit in force after raising it to the hard limit.",
            ),
            build_info: {
                let g = IntGaugeVec::new(
                    Opts::new("reshelf_build_info", "Build information; always 1."),
                    &["version"],
                )
                .expect("valid metric");
                registry
                    .register(Box::new(g.clone()))
                    .expect("unique metric");
                g
            },
            experiment: experiment::ExperimentMetrics::register(&registry),
            registry,
        };
        metrics
            .build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        // Exported from the start (at 0), so that a rate over them never starts from nothing.
        for reason in [Shed::Requests, Shed::OriginConnections] {
            metrics.requests_shed.with_label_values(&[reason.label()]);
        }
        metrics
    }

    /// One listing page's verdict, in `reshelf_listing_pages_total`.
    pub fn listing_page(&self, verdict: Verdict) {
        self.listing_pages
            .with_label_values(&[verdict.outcome_label(), verdict.reason_label()])
            .inc();
    }

    /// One listing page whose body ended before the shopper had all of it (origin failure,
    /// client gone): `outcome="aborted"`, never counted as a page served.
    pub fn listing_page_aborted(&self) {
        self.listing_pages
            .with_label_values(&["aborted", "none"])
            .inc();
    }

    /// One public request done: its status class (`None`: the client left before the
    /// response head), whether the body reached the client whole, and its whole duration.
    pub fn request_done(
        &self,
        route: RouteKind,
        status: Option<http::StatusCode>,
        complete: bool,
        elapsed: Duration,
    ) {
        let class = status.map_or("none", status_class);
        let complete = if complete { "true" } else { "false" };
        self.requests
            .with_label_values(&[route.label(), class, complete])
            .inc();
        self.request_duration
            .with_label_values(&[route.label()])
            .observe(elapsed.as_secs_f64());
    }

    /// One request shed under load.
    pub fn request_shed(&self, reason: Shed) {
        self.requests_shed
            .with_label_values(&[reason.label()])
            .inc();
    }

    /// One origin request answered (or failed, with the `kind` label of its error) after
    /// `elapsed`.
    pub fn origin_answered(&self, route: RouteKind, elapsed: Duration, error: Option<&str>) {
        self.origin_duration
            .with_label_values(&[route.label()])
            .observe(elapsed.as_secs_f64());
        if let Some(kind) = error {
            self.origin_errors.with_label_values(&[kind]).inc();
        }
    }

    /// The registry in Prometheus text exposition format.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 * 1024);
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding into a Vec cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// `2xx`-style class of a status code, the only status label we export.
/// Why a request was answered 503 at once instead of being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shed {
    /// `listen.max_requests` requests were in progress.
    Requests,
    /// Every origin connection (`origin.max_connections`) stayed busy past the queue timeout.
    OriginConnections,
}

impl Shed {
    /// The `reason` label.
    pub fn label(self) -> &'static str {
        match self {
            Shed::Requests => "requests",
            Shed::OriginConnections => "origin-connections",
        }
    }
}

pub fn status_class(status: http::StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}
