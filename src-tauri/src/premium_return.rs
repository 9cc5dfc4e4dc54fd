//! Coming back from Stripe Checkout: the browser opens `bettertogether://premium?checkout=…`, the
//! app (or its running instance) receives it, syncs (which asks for the new entitlement) and
//! tells the screens to refresh.

use tauri::{App, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

use crate::shell::Shell;
use crate::worker::DATA_CHANGED;

/// Listens for the app's deep links.
pub fn listen(app: &App) {
    // Installed builds register the scheme with the system (bundle configuration); a bare
    // binary does not, and then only "Check again" brings Premium in.
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        if event
            .urls()
            .iter()
            .any(|url| url.host_str() == Some("premium"))
        {
            if let Some(worker) = handle.state::<Shell>().worker() {
                worker.kick();
            }
            use tauri::Emitter;
            let _ = handle.emit(DATA_CHANGED, ());
        }
    });
}
