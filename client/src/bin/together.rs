//! The `together` binary: see [`together_client::cli`].
fn main() -> std::process::ExitCode {
    together_client::cli::run()
}
