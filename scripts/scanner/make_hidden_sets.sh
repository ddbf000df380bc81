#!/usr/bin/env bash
# Render the hidden synthetic QR frame sets (seeds 11-14, 200 frames, 1280x720) into
# target/qr-hidden/seed-N. These seeds were never used to tune the scanner, so they
# are the honest comparison between our Rust scanner and zxing-cpp
# (scripts/scanner/zxing_cpp_rates.py).
#
# Idempotent: the venv is created only if missing, and a seed whose manifest.json
# exists is skipped (gen_frames.py writes the manifest last, so an interrupted seed
# has none and is rendered again).
#
# Env knobs:
#   COUNTERSIGN_TESTDATA  shared test data root, as the Rust tests read it
#                         (default: <repo>/../shared/testdata)
#   SCANNER_PEER_VENV     venv location (default: <repo>/target/scanner-peer-venv)
#   PYTHON                interpreter used to create the venv (default: python3)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TESTDATA="${COUNTERSIGN_TESTDATA:-$REPO_ROOT/../shared/testdata}"
GEN="$TESTDATA/qr/gen_frames.py"
VENV="${SCANNER_PEER_VENV:-$REPO_ROOT/target/scanner-peer-venv}"
OUT="$REPO_ROOT/target/qr-hidden"
SEEDS=(11 12 13 14)

if [[ ! -x "$VENV/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet -r "$SCRIPT_DIR/requirements.txt"
fi

for seed in "${SEEDS[@]}"; do
    dir="$OUT/seed-$seed"
    if [[ -f "$dir/manifest.json" ]]; then
        echo "seed-$seed: exists, skipped"
        continue
    fi
    echo "seed-$seed: rendering 200 frames into $dir"
    "$VENV/bin/python" "$GEN" --seed "$seed" --count 200 --width 1280 --height 720 --out "$dir"
    # The frames depend on the generator and the numpy/opencv/segno builds, not only
    # on the seed: record them so a later mismatch can be explained.
    {
        echo "gen_frames.py --seed $seed --count 200 --width 1280 --height 720"
        sha256sum "$GEN"
        "$VENV/bin/pip" freeze
    } >"$dir/PROVENANCE.txt"
done
