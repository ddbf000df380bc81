#!/usr/bin/env python3
"""Which frames of the hidden sets zxing-cpp reads and our scanner does not (and
the reverse), grouped by what the generator did to them.

  cargo run --release -p countersign-core --example scan_accuracy -- --misses \
      --set target/qr-hidden/seed-11 ... > target/qr-hidden/ours-misses.txt
  python3 scripts/scanner/compare_misses.py target/qr-hidden/ours-misses.txt \
      target/qr-hidden/zxing-cpp.json
"""
import json
import os
import re
import sys
from collections import Counter


def our_misses(path):
    """{set dir: {frame file}} from scan_accuracy's `--misses` output."""
    misses, current = {}, None
    for line in open(path, encoding="utf-8"):
        header = re.match(r"set from --set \((.*), \d+ images\)", line)
        if header:
            current = os.path.normpath(header.group(1))
            misses[current] = set()
        missed = re.match(r"\s+missed (\S+)", line)
        if missed and current:
            misses[current].add(missed.group(1))
    return misses


def bucket(entry):
    # The generator's knobs that decide readability most: module size, blur, type.
    px = entry["module_px"]
    size = "<2 px" if px < 2 else "2-3 px" if px < 3 else "3-4 px" if px < 4 else ">=4 px"
    blur = "blurred" if entry["blur_sigma"] > 1.5 or entry["motion_blur_px"] > 3 else "sharp"
    return f"{entry['payload_type']:<10} {size:<7} {blur}"


def main():
    ours = our_misses(sys.argv[1])
    peer = json.load(open(sys.argv[2]))
    only_peer, only_ours = Counter(), Counter()
    for result in peer["sets"]:
        directory = os.path.normpath(result["dir"])
        manifest = {e["file"]: e for e in json.load(open(os.path.join(directory, "manifest.json")))}
        missed_here = ours.get(directory, set())
        for frame in result["frames"]:
            entry = manifest[frame["file"]]
            if entry["expected"] is None:
                continue
            we_read = frame["file"] not in missed_here
            if frame["read"] and not we_read:
                only_peer[bucket(entry)] += 1
            elif we_read and not frame["read"]:
                only_ours[bucket(entry)] += 1
    print(f"read by zxing-cpp only: {sum(only_peer.values())}; by ours only: {sum(only_ours.values())}")
    for name, counter in (("zxing-cpp only", only_peer), ("ours only", only_ours)):
        print(f"\n{name}:")
        for key, count in counter.most_common():
            print(f"  {count:3d}  {key}")


if __name__ == "__main__":
    main()
