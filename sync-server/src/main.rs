//! The `together-server` binary: see [`together_server::cli`].
fn main() -> std::process::ExitCode {
    match together_server::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
