//! The UI's only door to the app shell: Tauri's `invoke`, bound once, with typed wrappers.

use serde::de::DeserializeOwned;
use together_core::view::TodayView;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `window.__TAURI__.core.invoke`, available because `withGlobalTauri` is on.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Calls a shell command without arguments and decodes its answer. The error is the shell's message,
/// already written for people.
async fn call<T: DeserializeOwned>(command: &str) -> Result<T, String> {
    let args = js_sys::Object::new().into();
    let value = tauri_invoke(command, args).await.map_err(describe)?;
    serde_wasm_bindgen::from_value(value)
        .map_err(|error| format!("the app sent an answer the screen cannot read: {error}"))
}

fn describe(error: JsValue) -> String {
    error
        .as_string()
        .unwrap_or_else(|| "the app did not answer; please restart it".to_owned())
}

/// The Today screen's data.
pub async fn today() -> Result<TodayView, String> {
    call("today").await
}
