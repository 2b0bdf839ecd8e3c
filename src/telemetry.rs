//! Logging setup (text or JSON lines) and error formatting that keeps every cause.
//!
//! May depend on: `config` (the `[log]` section). Any module may use it.

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
/// queued, waiting up to about a second for them (tracing-appender's limit: a stderr that
/// accepts nothing for longer must not keep the process from exiting). Hold it until the
/// process is done logging.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// Lines the log writer's queue holds before a logging request thread waits for it.
const LOG_QUEUE_LINES: usize = 64 * 1024;

/// Installs the global tracing subscriber: text or JSON lines on stderr, level from `RUST_LOG`
/// (default `info`). A second call (tests, the demo) keeps the first subscriber.
///
/// Lines are written by a background thread through a buffer flushed whenever its queue runs
/// empty: one `write` per burst instead of one per access line, which was ≈9 % of a small
/// passthrough request's CPU (BENCHMARKS.md "Profile (top costs)"). The queue is not lossy: a
/// full queue makes the logging thread wait rather than drop lines.
pub fn init(format: crate::config::LogFormat) -> LogGuard {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .thread_name("reshelf-log")
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
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
        _worker: installed.ok().map(|()| guard),
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
