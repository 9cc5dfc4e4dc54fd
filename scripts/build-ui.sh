#!/usr/bin/env bash
# Builds the Leptos UI to wasm and lays out ui/dist, which the Tauri app embeds.
# Plain cargo + wasm-bindgen: no trunk, no download. Usage: scripts/build-ui.sh [--release]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

profile=debug
cargo_flags=()
if [[ "${1:-}" == "--release" ]]; then
  profile=release
  cargo_flags=(--release)
fi

step "building the UI (wasm, $profile)"
cargo build -p together-ui --target wasm32-unknown-unknown "${cargo_flags[@]}"

dist="$REPO_ROOT/ui/dist"
staging="$(mktemp -d "$REPO_ROOT/ui/.dist.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
wasm-bindgen --target web --no-typescript --out-name together_ui --out-dir "$staging" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/together-ui.wasm"
cp ui/index.html ui/main.js ui/style.css "$staging/"

# Replace only what changed, so unchanged assets keep their timestamps and the app is not rebuilt
# for nothing.
mkdir -p "$dist"
for file in "$staging"/*; do
  name="$(basename "$file")"
  cmp -s "$file" "$dist/$name" || cp "$file" "$dist/$name"
done
for file in "$dist"/*; do
  [[ -e "$staging/$(basename "$file")" ]] || rm -f "$file"
done
echo "UI ready in $dist ($(du -sh "$dist" | cut -f1))"
