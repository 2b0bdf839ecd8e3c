//! Logging setup (text or JSON lines) and error formatting that keeps every cause.

/// `error: cause: cause` — the error and its whole `source()` chain on one line.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
