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

/// Installs the global tracing subscriber: text or JSON lines on stderr, level from `RUST_LOG`
/// (default `info`). A second call (tests, the demo) keeps the first subscriber.
pub fn init(format: crate::config::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal; log collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        crate::config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
}

/// [`error_chain`] on one line, for log records: a log collector must not split one event
/// into several (TOML and config errors span lines).
pub fn error_line(error: &(dyn std::error::Error + 'static)) -> String {
    error_chain(error)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
