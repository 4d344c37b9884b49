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
