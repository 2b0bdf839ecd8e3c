//! The `reshelf` binary: parses the command line and hands over to [`reshelf::cli`].

fn main() -> std::process::ExitCode {
    reshelf::cli::main()
}
