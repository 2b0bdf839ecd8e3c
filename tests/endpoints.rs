//! The same-origin endpoints over real sockets: the in-process Fashion.AI simulator, a test
//! origin, and the proxy in front of it. One file per endpoint or concern under
//! `tests/endpoints/`.

mod common;
#[path = "common/endpoints.rs"]
mod rig;

#[path = "endpoints/demo.rs"]
mod demo;
#[path = "endpoints/limits.rs"]
mod limits;
#[path = "endpoints/logs.rs"]
mod logs;
#[path = "endpoints/profile.rs"]
mod profile;
#[path = "endpoints/search.rs"]
mod search;
#[path = "endpoints/shop_the_look.rs"]
mod shop_the_look;
