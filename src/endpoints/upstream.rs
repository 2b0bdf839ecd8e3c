//! One Fashion.AI call for an endpoint: a permit from the shared in-flight bound, the time
//! budget, the upstream-latency metric, and errors scrubbed of URLs (a profile URL holds an
//! e-mail address and a search URL the shopper's words; neither may reach a log line).

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::reply::Endpoint;
use super::Services;
use crate::ranking::client::ApiError;

/// Most Fashion.AI calls the endpoints have in flight at once, all three together. Past it a
/// request is answered at once without a call, so a burst cannot exhaust connections.
pub const MAX_IN_FLIGHT: usize = 64;

/// Why an endpoint's Fashion.AI call gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("{MAX_IN_FLIGHT} Fashion.AI calls already in flight")]
    Busy,
    #[error("Fashion.AI gave no answer within {0:?}")]
    Timeout(Duration),
    #[error("Fashion.AI call failed")]
    Api(#[source] ApiError),
}

/// The shared bound on in-flight calls.
pub(super) fn in_flight_bound() -> Semaphore {
    Semaphore::new(MAX_IN_FLIGHT)
}

/// Runs `call` under a permit and within `budget`; a call past the budget is dropped (and with
/// it the HTTP request), never left running in the background.
pub async fn call<T, F>(
    state: &Services<'_>,
    endpoint: Endpoint,
    budget: Duration,
    call: F,
) -> Result<T, UpstreamError>
where
    F: Future<Output = Result<T, ApiError>>,
{
    let _permit = state
        .endpoints
        .in_flight
        .try_acquire()
        .map_err(|_| UpstreamError::Busy)?;
    let started = Instant::now();
    let result = tokio::time::timeout(budget, call).await;
    state
        .metrics
        .endpoint_upstream_duration
        .with_label_values(&[endpoint.label()])
        .observe(started.elapsed().as_secs_f64());
    match result {
        Err(_) => Err(UpstreamError::Timeout(budget)),
        Ok(Err(e)) => Err(UpstreamError::Api(scrub(e))),
        Ok(Ok(value)) => Ok(value),
    }
}

/// The same error without the request URL that reqwest keeps in its message.
fn scrub(error: ApiError) -> ApiError {
    match error {
        ApiError::Transport(e) => ApiError::Transport(e.without_url()),
        other => other,
    }
}
