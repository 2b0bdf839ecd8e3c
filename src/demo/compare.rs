//! The demo's compare page, `/demo/compare?category=ID`: for the shopper's own session and a
//! category, the shop's native order beside the order reshelf serves them, what the
//! simulator has learned about the session, and its answers to the session's last category
//! views.
//!
//! It is a page of the demo shop (so it reaches the browser through the proxy as any other
//! origin page, byte for byte) that reads, and never changes: the session cookie reshelf set
//! (read as the proxy reads it, `identity`), the proxy's ranking cache (the ranking its last
//! listing page for this session and category was ordered by, applied to the native order by
//! the engine's own rule, `rewrite::ranked_order`), and the simulator's memory
//! ([`crate::sim::Inspector`]). Nothing on the proxy's request path exists for it.

mod render;

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method, Request, Response, StatusCode};

use crate::app::AppState;
use crate::config;
use crate::identity;
use crate::ranking::cache::{Key, RankingCache};
use crate::rewrite::ranked_order;
use crate::sim::net::{self, Body};
use crate::sim::{Catalog, Category, Inspector, Product, SessionState};

/// Where the page is served (GET and HEAD).
pub const PATH: &str = "/demo/compare";

/// What the compare page reads: the simulator's memory and the proxy's rankings.
pub struct Lens {
    catalog: Arc<Catalog>,
    sim: Inspector,
    rankings: RankingCache,
    identity: config::Identity,
    /// The proxy's `categoryView` budget, which the page explains.
    budget: Duration,
}

/// Everything one rendering shows.
pub(crate) struct View<'a> {
    pub catalog: &'a Catalog,
    pub category: &'a Category,
    /// Reshelf's session id for this browser, `None` before its first listing page.
    pub session: Option<String>,
    pub native: Vec<&'a Product>,
    /// The order reshelf serves this session, if it holds a ranking for the category.
    pub personalized: Option<Personalized<'a>>,
    /// What the simulator knows of the session.
    pub memory: Option<SessionState>,
    pub budget: Duration,
}

/// The native order reordered by the session's cached ranking.
pub(crate) struct Personalized<'a> {
    pub order: Vec<&'a Product>,
    /// Products the ranking named (the rest follow in native order).
    pub ranked: usize,
    /// Past the cache's TTL: reshelf uses it only while no fresh answer comes.
    pub stale: bool,
}

impl Lens {
    /// A lens on `sim` and on the running proxy's `state` (its cache survives reloads).
    pub fn new(catalog: Arc<Catalog>, sim: Inspector, state: &AppState) -> Lens {
        Lens {
            catalog,
            sim,
            rankings: state.ranking.cache().clone(),
            identity: state.config.identity.clone(),
            budget: state.ranking.budget(),
        }
    }

    /// The compare page for a GET or HEAD of [`PATH`]; `None` for anything else.
    pub async fn serve<B>(&self, req: &Request<B>) -> Option<Response<Body>> {
        let read = req.method() == Method::GET || req.method() == Method::HEAD;
        if !read || req.uri().path() != PATH {
            return None;
        }
        let wanted = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "category")
            .map(|(_, v)| v.into_owned());
        let view = self.view(req.headers(), wanted.as_deref()).await;
        let mut response = net::respond(
            StatusCode::OK,
            "text/html; charset=utf-8",
            render::page(&view),
        );
        // One shopper's page: never stored by a cache.
        response.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        Some(response)
    }

    async fn view(&self, headers: &HeaderMap, wanted: Option<&str>) -> View<'_> {
        let shopper = identity::identify(headers, &self.identity);
        // A minted id is one the proxy never saw: this browser has no session yet.
        let shopper = (!shopper.minted).then_some(shopper);
        let memory = shopper
            .as_ref()
            .and_then(|s| self.sim.session(&s.session_id));
        let categories = self.catalog.categories();
        // The category asked for, else the one last viewed, else the first.
        let category = wanted
            .and_then(|id| self.catalog.category(id))
            .or_else(|| {
                let last = memory.as_ref()?.recent.last()?;
                self.catalog.category(&last.category)
            })
            .unwrap_or(&categories[0]);
        let native: Vec<&Product> = self
            .catalog
            .category_products(&category.id)
            .into_iter()
            .flatten()
            .collect();
        let mut personalized = None;
        if let Some(shopper) = &shopper {
            let key = Key {
                session: shopper.session_id.as_str().into(),
                user: shopper.user_id.as_deref().map(Into::into),
                category: category.id.as_str().into(),
            };
            if let Some(cached) = self.rankings.get(&key).await {
                if !cached.ranking.is_empty() {
                    let ids: Vec<Option<&str>> =
                        native.iter().map(|p| Some(p.id.as_str())).collect();
                    let (order, ranked) = ranked_order(&ids, &cached.ranking);
                    personalized = Some(Personalized {
                        order: order.into_iter().map(|i| native[i]).collect(),
                        ranked,
                        stale: cached.stale,
                    });
                }
            }
        }
        View {
            catalog: &self.catalog,
            category,
            session: shopper.map(|s| s.session_id),
            native,
            personalized,
            memory,
            budget: self.budget,
        }
    }
}
