//! The `reshelf` binary: parses the command line and hands over to [`reshelf::cli`].

/// jemalloc (tikv-jemallocator, built with its `background_threads` feature: jemalloc's own
/// background thread purges freed pages on its decay clock, 10 s for dirty pages by default).
///
/// Not the system allocator: a personalized page allocates and frees page-sized buffers (the
/// buffered origin body, the reordered output) on every request, and glibc returned them to
/// the kernel and faulted them back in each time (≈15 % of the CPU of a listing page under
/// load, BENCHMARKS.md "Load, session 2"); jemalloc keeps them for the decay time and reuses
/// them, as mimalloc did before it.
///
/// Not mimalloc: after a burst of connections closed, mimalloc kept the freed memory (still
/// 241–248 MiB a minute after 5,000 connections closed) because much of it was freed by
/// another worker thread than the one that allocated it and is collected only when that owner
/// allocates again; nothing in the process asks it to while idle, and asking needs `unsafe`.
/// jemalloc's background thread returns it without any call from reshelf: 15–17 MiB idle,
/// 26–33 MiB 10 s after the burst, passthrough throughput the same or better and the rewrite
/// engine the same within the bench machine's noise (BENCHMARKS.md "Allocator: memory
/// returned after a burst"). Operators can tune it through jemalloc's environment,
/// `_RJEM_MALLOC_CONF` (README "Memory after a burst").
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    reshelf::cli::main()
}
