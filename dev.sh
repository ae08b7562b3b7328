#!/usr/bin/env bash
# Pulseboard's developer entry point (Debian/Ubuntu).
#
#   ./dev.sh launch   install what is missing, build, and open the app
#   ./dev.sh test     install what is missing, then rustfmt, clippy and every test,
#                     in a private X display and D-Bus session with a throwaway keyring
#   ./dev.sh bench    the footprint benchmark (start-up, memory with and without window)
#   ./dev.sh bench NAME   another benchmark (benches/NAME.rs) in the same private session
#   ./dev.sh package  build the Debian package (.deb) of the release build; --debug for a
#                     quick one of the debug build (what the test suite checks)
#
# System packages are installed with apt-get (through sudo when not root).
set -euo pipefail
cd "$(dirname "$0")"

# What building and running Tauri 2 needs on Debian/Ubuntu.
BUILD_PACKAGES=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev
  librsvg2-dev libsoup-3.0-dev libxdo-dev libdbus-1-dev gnome-keyring dbus dbus-x11)
# What the headless test suite adds: a virtual display, a window manager to close
# windows the way a person does, WebDriver for WebKitGTK, and D-Bus/X11 tools.
TEST_PACKAGES=(xvfb xauth openbox wmctrl xdotool webkit2gtk-driver libglib2.0-bin procps dbus-bin)
BENCH_PACKAGES=(imagemagick time)
# What bundling needs when there is no npm yet: the Tauri CLI comes from npm
# (package.json pins it).
NODE_PACKAGES=(nodejs npm)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

require_rust() {
  if ! command -v cargo >/dev/null; then
    say "Rust is missing: install it with rustup (https://rustup.rs), then run this again."
    exit 1
  fi
}

install_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  say "Installing tauri-driver (WebDriver bridge for the end-to-end tests)"
  cargo install tauri-driver --version '^2' --locked --quiet
}

# Run "$@" with a private Xvfb display and window manager, inside a private D-Bus
# session whose gnome-keyring is unlocked and keeps its files in a temp dir, so
# tests never touch your own display or keychain.
headless() {
  local tmp status=0
  tmp=$(mktemp -d)
  mkdir -m 700 -p "$tmp/runtime" "$tmp/data"
  cat > "$tmp/session.sh" <<'INNER'
set -euo pipefail
printf 'pulseboard-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Xvfb picks a free display and writes its number once it accepts clients;
# -noreset keeps it from resetting (and dropping a window manager that is
# just connecting) whenever its last client leaves.
Xvfb -displayfd 3 -noreset -screen 0 1400x900x24 -nolisten tcp 3>"$XDG_RUNTIME_DIR/display" >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 100); do [ -s "$XDG_RUNTIME_DIR/display" ] && break; sleep 0.1; done
export DISPLAY=":$(head -n 1 "$XDG_RUNTIME_DIR/display")"
# The window manager, started again if it gave up, until it answers.
openbox >/dev/null 2>&1 &
wm=$!
for _ in $(seq 100); do
  wmctrl -m >/dev/null 2>&1 && break
  kill -0 "$wm" 2>/dev/null || { openbox >/dev/null 2>&1 & wm=$!; }
  sleep 0.1
done
status=0
"$@" || status=$?
kill "$wm" "$xvfb" 2>/dev/null || true
exit "$status"
INNER
  XDG_RUNTIME_DIR="$tmp/runtime" XDG_DATA_HOME="$tmp/data" \
    dbus-run-session -- bash "$tmp/session.sh" "$@" 2> >(grep -v -E 'fd limit|^dbus-daemon\[' >&2) || status=$?
  # GTK starts xdg-document-portal, which mounts a FUSE folder in the runtime
  # dir; it goes away with the session, so unmount it if it lingers, then clean.
  fusermount -u -z "$tmp/runtime/doc" 2>/dev/null || true
  rm -rf "$tmp" 2>/dev/null || true
  return "$status"
}

cmd_launch() {
  install_packages "${BUILD_PACKAGES[@]}"
  require_rust
  say "Building Pulseboard (release; the first build takes a few minutes)"
  cargo build --release --locked
  # A first-time user gets the built-in demo business to explore.
  if [ "$(./target/release/pulseboard workspace list --json | tr -d '[:space:]')" = "[]" ]; then
    say "First run: creating the demo business"
    ./target/release/pulseboard demo
  fi
  say "Opening Pulseboard"
  exec ./target/release/pulseboard
}

run_checks() {
  set -euo pipefail
  cargo fmt --all -- --check
  cargo clippy --locked --all-targets -- -D warnings
  cargo test --locked --no-fail-fast
}

cmd_test() {
  install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  require_rust
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  install_tauri_driver
  say "Running rustfmt, clippy and the tests (headless)"
  export -f run_checks
  headless bash -c run_checks
}

cmd_bench() {
  install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
  require_rust
  if [ -n "${1:-}" ]; then
    # Any other benchmark, in the same private display and keyring (the
    # Shopify one runs `pulseboard sync`, which keeps its token there).
    say "Running the $1 benchmark"
    headless cargo bench --locked --bench "$1"
    return
  fi
  say "Building a bare Tauri 2 window to compare against"
  cargo build --release --quiet --manifest-path benches/bare-window/Cargo.toml
  say "Running the footprint benchmark"
  FOOTPRINT_COMPARE="$PWD/benches/bare-window/target/release/bare-window" \
    headless cargo bench --locked --bench footprint
}

# Build the .deb with the Tauri bundler (desktop entry, icons, dependencies
# from tauri.conf.json) and print its path on the last line.
cmd_package() {
  local profile=() dir=release
  if [ "${1:-}" = "--debug" ]; then profile=(--debug); dir=debug; fi
  install_packages "${BUILD_PACKAGES[@]}"
  command -v npm >/dev/null || install_packages "${NODE_PACKAGES[@]}"
  require_rust
  [ -x node_modules/.bin/tauri ] || { say "Installing the Tauri CLI (npm)"; npm ci --no-audit --no-fund --loglevel=error >&2; }
  say "Building the Debian package"
  node_modules/.bin/tauri build "${profile[@]}" --bundles deb >&2
  ls -t target/"$dir"/bundle/deb/*.deb | head -n 1
}

case "${1:-}" in
  launch) cmd_launch ;;
  test) cmd_test ;;
  bench) cmd_bench "${2:-}" ;;
  package) cmd_package "${2:-}" ;;
  *) echo "usage: ./dev.sh launch|test|bench [NAME]|package [--debug]" >&2; exit 2 ;;
esac
