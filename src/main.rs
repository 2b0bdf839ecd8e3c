//! The `reshelf` binary: parses the command line and hands over to [`reshelf::cli`].

/// mimalloc instead of the system allocator: a personalized page allocates and frees
/// page-sized buffers (the buffered origin body, the reordered output) on every request, and
/// glibc returned them to the kernel and faulted them back in each time (≈15 % of the CPU of a
/// listing page under load, BENCHMARKS.md "Load, session 2"); mimalloc keeps them warm.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    reshelf::cli::main()
}
