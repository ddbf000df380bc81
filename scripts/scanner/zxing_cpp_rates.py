#!/usr/bin/env python3
"""Read rate and decode time of zxing-cpp (PyPI `zxing-cpp`) on synthetic QR frame sets.

  target/scanner-peer-venv/bin/python scripts/scanner/zxing_cpp_rates.py \
      target/qr-hidden/seed-11 ... --json target/qr-hidden/zxing-cpp.json

Each set directory holds frame images and manifest.json (list of {file, expected, ...};
expected is null on frames that hold no code). Scored as core/examples/scan_accuracy.rs
scores our scanner, so the numbers compare directly.
"""
import argparse
import json
import math
import os
import sys
import time
from importlib.metadata import version

import cv2
import zxingcpp


def percentile(sorted_ms, q):
    # Same pick as scan_accuracy.rs (index = round((n-1)*q), half away from zero), not an
    # interpolating percentile, so a 1-frame difference cannot come from the statistic.
    return sorted_ms[int(math.floor((len(sorted_ms) - 1) * q + 0.5))]


def score_set(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    frames, read, wrong, false_pos, positives, negatives = [], 0, 0, 0, 0, 0
    for entry in manifest:
        if entry.get("structured_append_part"):  # the Rust side skips these too
            continue
        # A frame is negative because it has no expected text -- the Rust side's test.
        # The generator's `negative` flag should agree; say so loudly if it does not,
        # since the other fields (payload_type, qr_version...) are filled in either way.
        expected = entry["expected"]
        if entry.get("negative", expected is None) != (expected is None):
            print(f"warning: {directory}/{entry['file']}: negative flag disagrees with expected",
                  file=sys.stderr)
        image = cv2.imread(os.path.join(directory, entry["file"]), cv2.IMREAD_GRAYSCALE)
        started = time.perf_counter()
        # zxing-cpp defaults otherwise (try_rotate / try_downscale / try_invert on,
        # LocalAverage binarizer); the C++ try_harder is on and not exposed in Python.
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        ms = (time.perf_counter() - started) * 1000.0
        # A phone scanner acts on one answer: take the first, as our scanner returns one.
        text = codes[0].text if codes else None
        if expected is None:
            negatives += 1
            outcome = "false_positive" if text is not None else "none"
        else:
            positives += 1
            outcome = "miss" if text is None else ("read" if text == expected else "wrong")
        read += outcome == "read"
        wrong += outcome == "wrong"
        false_pos += outcome == "false_positive"
        frames.append({"file": entry["file"], "read": outcome == "read", "ms": round(ms, 4),
                       "outcome": outcome, "codes": len(codes)})
    return {"set": os.path.basename(os.path.normpath(directory)), "dir": directory,
            "positives": positives, "read": read, "wrong": wrong,
            "negatives": negatives, "false_positives": false_pos, "frames": frames}


def summarise(result, frames):
    times = sorted(f["ms"] for f in frames)
    result["read_pct"] = round(100.0 * result["read"] / max(result["positives"], 1), 1)
    result["median_ms"] = round(percentile(times, 0.5), 3)
    result["p95_ms"] = round(percentile(times, 0.95), 3)
    print(f"{result['set']}: read {result['read']}/{result['positives']} ({result['read_pct']} %), "
          f"wrong {result['wrong']}, false positives {result['false_positives']}/"
          f"{result['negatives']}, median {result['median_ms']:.2f} ms, "
          f"p95 {result['p95_ms']:.2f} ms per frame")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", help="set directories, each with manifest.json")
    ap.add_argument("--json", help="write the summary and per-frame results here")
    a = ap.parse_args()
    print(f"zxing-cpp {version('zxing-cpp')}, opencv {cv2.__version__}")
    sets = [score_set(d) for d in a.sets]
    for s in sets:
        summarise(s, s["frames"])
    total = {"set": "total"}
    for key in ("positives", "read", "wrong", "negatives", "false_positives"):
        total[key] = sum(s[key] for s in sets)
    if len(sets) > 1:  # percentiles over all frames pooled, not an average of per-set ones
        summarise(total, [f for s in sets for f in s["frames"]])
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"decoder": "zxing-cpp", "zxing_cpp_version": version("zxing-cpp"),
                       "formats": "QRCode", "sets": sets,
                       "total": total if len(sets) > 1 else None}, f, indent=1)


if __name__ == "__main__":
    main()
