#!/usr/bin/env python3
"""Parses every Swift file under a directory with tree-sitter-swift and fails on
any syntax error: the check CI can make without a Swift compiler.

The grammar misreads two things uniffi generates, so they are rewritten first
(keeping line numbers), and nothing else is: the `#if swift(>=5.8)` /
`@_documentation(visibility: private)` / `#endif` lines around some
declarations are blanked, and a closure that returns the empty tuple,
`{ () }`, is read as the empty closure `{ }` (both return Void).

Usage: check_swift_syntax.py [ROOT]   (ROOT defaults to ios/)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tree_sitter
import tree_sitter_swift

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
UNIFFI_IF = re.compile(rb"^\s*#if swift\(>=5\.8\)\s*$")
UNIFFI_ATTRIBUTE = re.compile(rb"^\s*@_documentation\(visibility: private\)\s*$")
DIRECTIVE = re.compile(rb"^\s*#(if|endif)\b")
VOID_CLOSURE = re.compile(rb"= \{ \(\) \}$")


def blank_uniffi_conditionals(source: bytes) -> bytes:
    """The source with uniffi's `#if swift(>=5.8)` blocks' directive and
    attribute lines blanked; every other `#if … #endif` is kept."""
    lines = source.split(b"\n")
    depth = 0
    uniffi_depths: list[int] = []
    for index, line in enumerate(lines):
        if UNIFFI_IF.match(line):
            depth += 1
            uniffi_depths.append(depth)
            lines[index] = b""
            continue
        match = DIRECTIVE.match(line)
        if match and match.group(1) == b"if":
            depth += 1
        elif match:
            if uniffi_depths and uniffi_depths[-1] == depth:
                uniffi_depths.pop()
                lines[index] = b""
            depth -= 1
        elif uniffi_depths and UNIFFI_ATTRIBUTE.match(line):
            lines[index] = b""
        else:
            lines[index] = VOID_CLOSURE.sub(b"= { }", line)
    return b"\n".join(lines)


def first_problems(node, limit: int = 3) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []

    def visit(current) -> None:
        if len(found) >= limit:
            return
        if current.is_error or current.is_missing:
            row, column = current.start_point
            what = "missing " + current.type if current.is_missing else "cannot parse"
            found.append((row + 1, column + 1, what))
            return
        for child in current.children:
            visit(child)

    visit(node)
    return found


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "ios")
    files = sorted(root.rglob("*.swift"))
    if not files:
        print(f"check_swift_syntax: no Swift files under {root}")
        return 1
    failed = 0
    for path in files:
        tree = PARSER.parse(blank_uniffi_conditionals(path.read_bytes()))
        if tree.root_node.has_error:
            failed += 1
            for row, column, what in first_problems(tree.root_node):
                print(f"{path}:{row}:{column}: {what}")
    if failed:
        print(f"check_swift_syntax: {failed} of {len(files)} Swift files do not parse")
        return 1
    print(f"check_swift_syntax: {len(files)} Swift files parse")
    return 0


if __name__ == "__main__":
    sys.exit(main())
