//! `[listen]`: where the public and admin listeners bind. Holds the typed [`Listen`] and its
//! check (two addresses that must not collide).
//!
//! May depend on `problems` and `raw`.

use std::net::SocketAddr;
use std::str::FromStr;

use super::problems::Problems;
use super::raw::RawListen;

/// `[listen]`.
#[derive(Debug, Clone)]
pub struct Listen {
    /// Storefront traffic. Default `0.0.0.0:8080`.
    pub public: SocketAddr,
    /// Metrics and health. Default `127.0.0.1:9100`.
    pub admin: SocketAddr,
    /// Send `X-Reshelf` on listing pages (as a trailer when the page streams and the client
    /// takes trailers). Default `true`.
    pub debug_header: bool,
    /// Stream listing pages: the head and the bytes before a listing go out as they arrive,
    /// only the listing region is held. `false`: the whole page is read, then sent, with
    /// `X-Reshelf` in its head. Default `true`.
    pub stream_listings: bool,
}

/// The typed `[listen]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawListen, p: &mut Problems) -> Option<Listen> {
    let public = socket_addr(&raw.public, "listen.public", p);
    let admin = socket_addr(&raw.admin, "listen.admin", p);
    let (public, admin) = (public?, admin?);
    // Port 0 asks the kernel for a fresh port each time, so two such listeners never collide.
    let overlap =
        public.ip() == admin.ip() || public.ip().is_unspecified() || admin.ip().is_unspecified();
    if public.port() != 0 && public.port() == admin.port() && overlap {
        p.add(
            "listen.admin",
            format!(
                "{admin} collides with listen.public ({public}); the admin listener must be a \
                 separate address so that it is never exposed with the storefront"
            ),
        );
        return None;
    }
    Some(Listen {
        public,
        admin,
        debug_header: raw.debug_header,
        stream_listings: raw.stream_listings,
    })
}

fn socket_addr(text: &str, key: &str, p: &mut Problems) -> Option<SocketAddr> {
    match SocketAddr::from_str(text) {
        Ok(addr) => Some(addr),
        Err(e) => {
            p.add(key, format!("{text:?} is not an IP:port address ({e})"));
            None
        }
    }
}
