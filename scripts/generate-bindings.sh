#!/usr/bin/env bash
# Generates the Kotlin bindings of countersign-ffi from the host build of the
# library (library mode needs an unstripped library: the dev profile is). The
# Swift bindings are committed in the Swift package: scripts/ios/generate-swift.sh.
# Usage: scripts/generate-bindings.sh [OUT_DIR]   (default target/bindings)
# The library is built with `loopback-http`: the Kotlin JVM tests it serves
# reach the reference server on 127.0.0.1 over plain http. Phone builds leave
# the feature off (https only; see bindings/Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bindings}"
cargo build -q -p countersign-ffi --features loopback-http,bindgen
case "$(uname -s)" in
    Darwin) library=target/debug/libcountersign_ffi.dylib ;;
    *) library=target/debug/libcountersign_ffi.so ;;
esac
for language in kotlin; do
    rm -rf "$out/$language"
    cargo run -q -p countersign-ffi --features loopback-http,bindgen --bin uniffi-bindgen -- \
        generate --library "$library" --language "$language" --out-dir "$out/$language" --no-format
done
echo "Kotlin: $out/kotlin/dev/countersign/ffi/countersign_ffi.kt"
