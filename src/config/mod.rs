//! Configuration: the TOML file an operator writes, parsed strictly (unknown keys are errors)
//! and validated in one pass that reports every problem with its key.
//!
//! [`RawConfig`] mirrors the file; [`Config`] is the validated, typed form the proxy runs on.
//! Parsing never touches the process environment: the caller passes a lookup so tests stay
//! hermetic.

mod checks;
mod frontend;
mod pages;
mod raw;
mod redact;
mod route;
mod services;
mod validate;

pub use raw::*;
pub use route::{Route, ID_PLACEHOLDER};
pub use validate::*;
