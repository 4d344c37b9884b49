# Sourced by the other scripts: tool versions and where tools live.
# shellcheck shell=bash
CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
# wasm-opt (npm's binaryen; Debian's older binaryen breaks hydration) lives here.
TIDINGS_TOOLS_DIR=${TIDINGS_TOOLS_DIR:-$HOME/.cache/tidings/tools}
export PATH="$HOME/.cargo/bin:$TIDINGS_TOOLS_DIR/node_modules/.bin:$PATH"
# How a release site is built: the staff pages split out of the module
# every page loads (app/src/pages/lazy.rs), and every file precompressed at
# Brotli's best quality, which the server sends as it is.
LEPTOS_RELEASE_FLAGS=(--release --split --precompress --lib-features split)
# Hyperledger ACA-Py, the real DIDComm agent the tests connect through.
ACAPY_VERSION=1.7.0
# PyPI's OpenAPI validator, which checks the served /api/openapi.json.
OPENAPI_VALIDATOR_VERSION=0.9.0

# pip_venv VENV PYTHON PACKAGE: installs PACKAGE from PyPI into a virtual
# environment of its own at VENV, made with PYTHON, unless it already is.
pip_venv() {
  local venv=$1 python=$2 package=$3 sudo=()
  [ "$(cat "$venv/.installed" 2>/dev/null)" = "$package" ] && return
  printf '\033[1m==> Installing %s from PyPI (with %s)\033[0m\n' "$package" "$("$python" --version)" >&2
  # Debian's python3 runs `-m venv` without python3-venv, but cannot make
  # one: ensurepip is what the package adds.
  if ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -q >&2
    "${sudo[@]}" apt-get install -y -q python3-venv >&2
  fi
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$package" >&2
  echo "$package" >"$venv/.installed"
}
