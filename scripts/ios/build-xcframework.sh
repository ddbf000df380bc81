#!/usr/bin/env bash
# Builds ios/CountersignKit/CountersignRustFFI.xcframework: countersign-ffi as a
# static library for every platform the Swift package supports, with the
# generated C headers and module map (ios/CountersignKit/Headers, made by
# scripts/ios/generate-swift.sh) as the module CountersignRustFFI.
#
# Slices:
#   ios-arm64                    aarch64-apple-ios                         devices
#   ios-arm64_x86_64-simulator   aarch64-apple-ios-sim + x86_64-apple-ios  simulators (one fat .a)
#   macos-arm64_x86_64           aarch64-apple-darwin + x86_64-apple-darwin `swift test` on a Mac
#
# No watchOS slice: the Watch app holds no keys and runs no Rust. It shows what
# the phone sends it (WatchRequest) and answers through the phone, which
# re-checks and signs. Rust's watchOS device target (arm64_32-apple-watchos) is
# Tier 3 besides: no prebuilt standard library, nightly and -Zbuild-std only.
#
# Needs a Mac with Xcode (xcodebuild, lipo, the iOS SDKs) and rustup.
# Usage: scripts/ios/build-xcframework.sh
set -euo pipefail

if [[ "$(uname -s)" != "Darwin" ]]; then
    echo "build-xcframework.sh: an XCFramework is built on macOS with Xcode; this machine runs $(uname -s)." >&2
    exit 1
fi
for tool in rustup cargo xcodebuild xcrun lipo; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-xcframework.sh: $tool is missing (install Xcode and rustup)." >&2
        exit 1
    fi
done
# The Command Line Tools alone have no iOS SDK; say so before a long build fails.
if ! xcrun --sdk iphoneos --show-sdk-path >/dev/null 2>&1; then
    echo "build-xcframework.sh: no iOS SDK; select Xcode with: sudo xcode-select -s /Applications/Xcode.app" >&2
    exit 1
fi

cd "$(dirname "$0")/../.."
package=ios/CountersignKit
output="$package/CountersignRustFFI.xcframework"
library=libcountersign_ffi.a
target_dir="${CARGO_TARGET_DIR:-target}"
targets=(
    aarch64-apple-ios
    aarch64-apple-ios-sim
    x86_64-apple-ios
    aarch64-apple-darwin
    x86_64-apple-darwin
)

if ! ls "$package"/Headers/*.h >/dev/null 2>&1 || [[ ! -f "$package/Headers/module.modulemap" ]]; then
    echo "build-xcframework.sh: $package/Headers has no headers or module.modulemap; run scripts/ios/generate-swift.sh" >&2
    exit 1
fi

rustup target add "${targets[@]}"

# The oldest systems the package supports (Package.swift's platforms): rustc
# and the C compiled by build scripts (SQLite) read these.
export IPHONEOS_DEPLOYMENT_TARGET=13.0
export MACOSX_DEPLOYMENT_TARGET=12.0

for target in "${targets[@]}"; do
    echo "==> $target"
    # The static library alone: beside the rlib and cdylib crate types rustc
    # skips LTO, and the library grows by 40 % (docs/benchmarks.md).
    cargo rustc --release -p countersign-ffi --lib --crate-type staticlib --target "$target"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ios-simulator" "$work/macos" "$work/headers"

# An XCFramework holds one library per platform, so each platform's
# architectures go into one fat archive.
lipo -create \
    "$target_dir/aarch64-apple-ios-sim/release/$library" \
    "$target_dir/x86_64-apple-ios/release/$library" \
    -output "$work/ios-simulator/$library"
lipo -create \
    "$target_dir/aarch64-apple-darwin/release/$library" \
    "$target_dir/x86_64-apple-darwin/release/$library" \
    -output "$work/macos/$library"

cp "$package"/Headers/*.h "$package/Headers/module.modulemap" "$work/headers/"

rm -rf "$output"
xcodebuild -create-xcframework \
    -library "$target_dir/aarch64-apple-ios/release/$library" -headers "$work/headers" \
    -library "$work/ios-simulator/$library" -headers "$work/headers" \
    -library "$work/macos/$library" -headers "$work/headers" \
    -output "$output"

echo "XCFramework: $output"
for slice in "$output"/*/; do
    echo "  $(basename "$slice"): $(lipo -archs "$slice/$library")"
done
