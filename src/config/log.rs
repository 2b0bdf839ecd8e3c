//! `[log]`: the format of the log lines reshelf writes on stderr. Holds the typed [`Log`] and
//! [`LogFormat`] and their check.
//!
//! May depend on `problems` and `raw`.

use super::problems::Problems;
use super::raw::RawLog;

/// `[log] format`. Default `Text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// `[log]`.
#[derive(Debug, Clone)]
pub struct Log {
    pub format: LogFormat,
}

/// The typed `[log]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawLog, p: &mut Problems) -> Option<Log> {
    let format = match raw.format.as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => {
            p.add(
                "log.format",
                format!("{other:?} is not \"text\" or \"json\""),
            );
            return None;
        }
    };
    Some(Log { format })
}
