//! Logging setup (text or JSON lines) and error formatting that keeps every cause.
//!
//! May depend on: `config` (the `[log]` section). Any module may use it.

mod batch;

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

/// Keeps the log writer's background thread alive; dropping it writes out the lines still
/// waiting, for at most a second (a stderr that accepts nothing for longer must not keep the
/// process from exiting). Hold it until the process is done logging.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: Option<batch::Guard>,
}

/// Installs the global tracing subscriber: text or JSON lines on stderr, level from `RUST_LOG`
/// (default `info`). A second call (tests, the demo) keeps the first subscriber.
///
/// Lines are written in batches by a background thread, at most 100 ms after they were logged
/// ([`batch`]): one `write` per batch instead of one per access line, which was ≈9 % of a small
/// passthrough request's CPU (BENCHMARKS.md "Profile (top costs)"), and no wake-up of that
/// thread per line. Nothing is dropped: a logging thread waits when 8 MiB are waiting.
/// Without a thread (the system refused one), lines go straight to stderr.
pub fn init(format: crate::config::LogFormat) -> LogGuard {
    use tracing_subscriber::fmt::writer::EitherWriter;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (batched, guard) = batch::start(std::io::stderr()).ok().unzip();
    // A writer per event by value, not boxed: no allocation per access line.
    let writer = move || match &batched {
        Some(batched) => EitherWriter::A(batched.clone()),
        None => EitherWriter::B(std::io::stderr()),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        // Colour codes only for a person at a terminal; log collectors get plain text.
        .with_ansi(ansi);
    let installed = match format {
        crate::config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
    LogGuard {
        _writer: installed.ok().and(guard),
    }
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
