#!/usr/bin/env bash
# Builds the phone library as it ships (release profile, cdylib alone: with the
# rlib and staticlib crate types beside it rustc skips LTO and the library is
# 40 % larger) and fails if it is more than 5 % larger than the size
# docs/benchmarks.md documents ("Library size"). After a deliberate change,
# update the documented figure there with the new one this prints.
# Usage: scripts/size/check-library-size.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo rustc --locked --release -q -p countersign-ffi --lib --crate-type cdylib
case "$(uname -s)" in
    Darwin) library=target/release/libcountersign_ffi.dylib ;;
    *) library=target/release/libcountersign_ffi.so ;;
esac
size=$(wc -c < "$library")
documented=$(sed -n 's/.*library-size-bytes: \([0-9]*\).*/\1/p' docs/benchmarks.md | head -n 1)
if [ -z "$documented" ]; then
    echo "docs/benchmarks.md has no 'library-size-bytes: N' marker" >&2
    exit 1
fi
limit=$(( documented * 105 / 100 ))
echo "libcountersign_ffi: $size bytes stripped; documented $documented, limit $limit (+5 %)"
if [ "$size" -gt "$limit" ]; then
    echo "the library grew past the documented size by more than 5 %: find what with" >&2
    echo "cargo bloat (docs/benchmarks.md, 'Library size'), cut it or document the new size" >&2
    exit 1
fi
