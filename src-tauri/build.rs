//! Tauri's build step, reading the configuration at the repository root and generating the
//! permissions of the app's own commands (so capabilities can allow exactly those).
fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(&["today"]));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
