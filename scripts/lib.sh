# Shared settings for the project's scripts. Sourced, not run.

# The repository root, whatever directory a script is started from.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

# One cargo target directory outside the clone, shared by every build and every clone on this
# machine, so a fresh clone (and CI) reuses what an earlier build compiled.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/better-together/target}"
export PATH="$HOME/.cargo/bin:$PATH"

# Print a step heading.
step() { printf '\n==> %s\n' "$*"; }
