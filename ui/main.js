// Loads the wasm UI. Kept as a file, not an inline script, so the page's CSP needs no exceptions.
import init from './together_ui.js';
init();
