//! Configuration: the TOML file an operator writes, parsed strictly (unknown keys are errors)
//! and validated in one pass that reports every problem with its key.
//!
//! [`RawConfig`] mirrors the file; [`Config`] is the validated, typed form the proxy runs on.
//! Parsing never touches the process environment: the caller passes a lookup so tests stay
//! hermetic.

mod raw;
mod validate;

pub use raw::*;
pub use validate::*;
