//! The streamed passthrough: everything that is not a listing page or a reshelf endpoint goes
//! to the origin and back as it came, bodies streamed in both directions, WebSocket upgrades
//! tunneled.

use http::{HeaderValue, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use super::ProxyError;
use crate::app::AppState;
use crate::kit::body::{self, Body};
use crate::kit::context::RequestContext;
use crate::kit::headers::{self, APP_TOKEN};
use crate::origin;

/// Forwards the request to the origin and streams the response back.
pub async fn forward(
    state: &AppState,
    ctx: &RequestContext,
    mut req: Request<Body>,
) -> Result<Response<Body>, ProxyError> {
    let client_upgrade = headers::is_upgrade(req.headers()).then(|| hyper::upgrade::on(&mut req));
    let trusted = state.peer_is_trusted(ctx.peer.ip());
    let upstream = origin::upstream_request(ctx, trusted, req, client_upgrade.is_some());
    let mut resp = origin::send(&*state.origin, &state.metrics, ctx, upstream).await?;
    if let Some(client_upgrade) = client_upgrade {
        if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            let origin_upgrade = hyper::upgrade::on(&mut resp);
            tokio::spawn(tunnel(
                client_upgrade,
                origin_upgrade,
                ctx.request_id.clone(),
            ));
            return Ok(switching_protocols(resp));
        }
    }
    Ok(origin::client_head(resp))
}

/// The 101 answer as the client gets it: the origin's `Upgrade` and `Connection` stay (they
/// are the handshake), the app token does not.
fn switching_protocols(resp: Response<Body>) -> Response<Body> {
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(APP_TOKEN);
    Response::from_parts(parts, body::empty())
}

/// Copies bytes both ways between the upgraded client and origin connections until either
/// side closes.
async fn tunnel(
    client: hyper::upgrade::OnUpgrade,
    origin: hyper::upgrade::OnUpgrade,
    request_id: HeaderValue,
) {
    let request_id = request_id.to_str().unwrap_or("-").to_owned();
    let (client, origin) = match tokio::try_join!(client, origin) {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!(request_id, error = %e, "upgrade failed");
            return;
        }
    };
    let mut client = TokioIo::new(client);
    let mut origin = TokioIo::new(origin);
    match tokio::io::copy_bidirectional(&mut client, &mut origin).await {
        Ok((up, down)) => tracing::debug!(request_id, up, down, "tunnel closed"),
        Err(e) => tracing::debug!(request_id, error = %e, "tunnel ended with an error"),
    }
}
