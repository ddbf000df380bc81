#!/usr/bin/env bash
# Generates the Swift bindings of countersign-ffi into the Swift package
# (ios/CountersignKit), or into OUT_DIR to compare with the committed copy:
#   Sources/CountersignFFI/*.swift   the three crates' Swift, one Swift module
#   Headers/*.h, module.modulemap    one C module, CountersignRustFFI, for all
#                                    three headers (the XCFramework's Headers)
# Every crate names CountersignRustFFI as its ffi_module_name (uniffi.toml), so
# the three Swift files import the one C module the XCFramework carries.
# Usage: scripts/ios/generate-swift.sh [OUT_DIR]   (default ios/CountersignKit)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-ios/CountersignKit}"
# The same build as scripts/generate-bindings.sh (library mode reads the
# metadata of an unstripped library; loopback-http changes no exported API).
cargo build -q -p countersign-ffi --features loopback-http,bindgen
case "$(uname -s)" in
    Darwin) library=target/debug/libcountersign_ffi.dylib ;;
    *) library=target/debug/libcountersign_ffi.so ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo run -q -p countersign-ffi --features loopback-http,bindgen --bin uniffi-bindgen-swift -- \
    "$library" "$work" --swift-sources --headers --modulemap \
    --module-name CountersignRustFFI --modulemap-filename module.modulemap
rm -rf "$out/Sources/CountersignFFI" "$out/Headers"
mkdir -p "$out/Sources/CountersignFFI" "$out/Headers"
mv "$work"/*.swift "$out/Sources/CountersignFFI/"
mv "$work"/*.h "$work/module.modulemap" "$out/Headers/"
echo "Swift: $out/Sources/CountersignFFI, headers and modulemap: $out/Headers"
