//! Support for the end-to-end suites: locating built binaries, a private X display, `tauri-driver`
//! and WebDriver sessions on the real app, and a notification daemon per app instance.
//!
//! Everything here starts real processes and cleans them up on drop, so a failed assertion never
//! leaves an app, a driver or an X server running.

pub mod app;
pub mod display;
pub mod notifications;
pub mod paths;
pub mod server;

pub use app::{AppSession, TauriDriver};
pub use display::VirtualDisplay;
pub use notifications::NotificationDesk;
pub use server::ServerProcess;
