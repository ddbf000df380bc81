#!/usr/bin/env python3
"""Cross-checks the Swift that uses the core against the generated bindings.

No Swift compiler runs on the machines CI uses, so a renamed or removed FFI
type, method, field or argument label would only show on a Mac. This script
parses every Swift file with tree-sitter-swift and checks:

1. every type named in our Swift is declared by our Swift, by the generated
   bindings, or listed in sdk-names.txt (Apple's and the standard library's);
2. every member reached with a dot (`item.issuer`, `client.approve(…)`,
   `.stepUp`) is declared by our Swift or the bindings, or listed there too;
3. every call of a function, method, initialiser or enum case that the
   bindings or our Swift declare passes labels one of those declarations
   takes (defaults may be left out; a trailing closure passes a closure).

Names are matched without types, so a call fits if any declaration of that
name takes its labels, and a name sdk-names.txt lists (`open`, `cancel`,
`id`) is accepted as a member and not label-checked: the SDK may mean its
own. docs/ios.md says what this does not catch.

Usage: check_ffi_usage.py [--unknown] [ROOT]   (ROOT defaults to ios/)
--unknown prints the names found in neither place, one per line, for review.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter
import tree_sitter_swift

from check_swift_syntax import blank_uniffi_conditionals

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
GENERATED = Path("CountersignKit/Sources/CountersignFFI")
HERE = Path(__file__).resolve().parent


@dataclass
class Declarations:
    types: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    # callable name -> the parameter lists it accepts (a function, a method,
    # an enum case with values, or a type's initialisers under the type's name)
    signatures: dict[str, set[tuple[Parameter, ...]]] = field(default_factory=dict)
    protocols: set[str] = field(default_factory=set)
    # protocol -> the methods it requires, as (name, labels)
    requirements: dict[str, set[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    # type -> its protocols from the bindings, and every method its
    # declaration and extensions declare, as (name, labels)
    adopted: dict[str, set[str]] = field(default_factory=dict)
    methods: dict[str, set[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    # Methods of our types that implement a bindings protocol (a test fake of
    # `AuthenticatorProtocol`, the Keychain `KeyStore`): held to the protocol's
    # labels, and never taken as declarations a call may match instead.
    conformances: list[tuple[str, tuple[Parameter, ...], int]] = field(default_factory=list)

    def add_signature(self, name: str, accepted: tuple[Parameter, ...]) -> None:
        self.signatures.setdefault(name, set()).add(accepted)


def text(node) -> str:
    return node.text.decode()


def identifier(name: str) -> str:
    return name.strip("`")


def is_public(node) -> bool:
    for child in node.children:
        if child.type == "modifiers":
            return any(text(m) in ("public", "open") for m in child.children)
    return False


@dataclass(frozen=True)
class Parameter:
    label: str  # "_" when the call passes it without a label
    optional: bool = False  # has a default value
    closure: bool = False  # a trailing closure may pass it


def parameters(node) -> tuple[Parameter, ...]:
    found: list[Parameter] = []
    children = list(node.children)
    for index, child in enumerate(children):
        if child.type != "parameter":
            continue
        names = [c for c in child.children if c.type == "simple_identifier"]
        if not names:
            continue
        has_default = index + 1 < len(children) and children[index + 1].type == "="
        is_closure = any(c.type == "function_type" for c in child.children)
        found.append(Parameter(identifier(text(names[0])), has_default, is_closure))
    return tuple(found)


def fits(labels: tuple[str, ...], trailing_closure: bool, accepted: tuple[Parameter, ...]) -> bool:
    """Whether a call's labels can bind to these parameters (defaults may be
    left out; a trailing closure binds the last closure parameter)."""
    params = list(accepted)
    if trailing_closure:
        closures = [i for i, p in enumerate(params) if p.closure]
        if not closures:
            return False
        params.pop(closures[-1])
    position = 0
    for label in labels:
        while position < len(params) and params[position].label != label and params[position].optional:
            position += 1
        if position == len(params) or params[position].label != label:
            return False
        position += 1
    return all(p.optional for p in params[position:])


def enum_labels(node) -> tuple[str, ...] | None:
    for child in node.children:
        if child.type == "enum_type_parameters":
            labels = []
            expect_label = True
            for part in child.children:
                if part.type in ("(", ")"):
                    continue
                if part.type == ",":
                    if expect_label:
                        labels.append("_")
                    expect_label = True
                    continue
                if part.type == "simple_identifier" and expect_label:
                    labels.append(identifier(text(part)))
                    expect_label = False
                elif part.type != ":":
                    # An unlabelled associated value: its type came first.
                    if expect_label:
                        labels.append("_")
                        expect_label = False
            return tuple(labels)
    return None


def declared_name(node) -> str | None:
    for child in node.children:
        if child.type in ("type_identifier", "simple_identifier"):
            return identifier(text(child))
    return None


def inherited(node) -> set[str]:
    return {
        identifier(text(t))
        for spec in node.children
        if spec.type == "inheritance_specifier"
        for t in spec.children
        if t.type == "user_type"
    }


def collect(tree, into: Declarations, public_only: bool, foreign_protocols: frozenset[str] = frozenset()) -> None:
    """Declarations of one file; the bindings count only what they publish."""

    def visit(node, owner: str | None, conforming: bool = False) -> None:
        kind = node.type
        if kind in ("class_declaration", "protocol_declaration"):
            name = declared_name(node)
            is_extension = any(c.type == "extension" for c in node.children)
            if name and not is_extension and (not public_only or is_public(node)):
                into.types.add(name)
                if kind == "protocol_declaration":
                    into.protocols.add(name)
            adopted = inherited(node) & foreign_protocols
            if name and adopted:
                into.adopted.setdefault(name, set()).update(adopted)
            conforms = bool(adopted) or (name in into.adopted if name else False)
            for child in node.children:
                visit(child, name, conforms)
            return
        if kind in ("function_declaration", "protocol_function_declaration") and owner:
            name = declared_name(node)
            if name:
                labels = tuple(p.label for p in parameters(node))
                if kind == "protocol_function_declaration":
                    into.requirements.setdefault(owner, set()).add((name, labels))
                else:
                    into.methods.setdefault(owner, set()).add((name, labels))
        if kind == "function_declaration" and conforming:
            name = declared_name(node)
            if name:
                into.members.add(name)
                into.conformances.append((name, parameters(node), node.start_point[0] + 1))
            return
        if kind == "typealias_declaration":
            name = declared_name(node)
            if name and (not public_only or is_public(node)):
                into.types.add(name)
        elif kind in ("function_declaration", "protocol_function_declaration"):
            name = declared_name(node)
            if name and (not public_only or is_public(node) or kind.startswith("protocol")):
                into.members.add(name)
                into.add_signature(name, parameters(node))
        elif kind == "init_declaration" and owner:
            if not public_only or is_public(node):
                into.add_signature(owner, parameters(node))
        elif kind in ("property_declaration", "protocol_property_declaration"):
            if not public_only or is_public(node) or owner is not None:
                for pattern in (c for c in node.children if c.type == "pattern"):
                    for name in pattern.children:
                        if name.type == "simple_identifier":
                            into.members.add(identifier(text(name)))
        elif kind == "type_parameter" and not public_only:
            name = declared_name(node)
            if name:
                into.types.add(name)
        elif kind == "enum_entry":
            names = [c for c in node.children if c.type == "simple_identifier"]
            if names:
                name = identifier(text(names[0]))
                into.members.add(name)
                labels = enum_labels(node)
                if labels is not None:
                    into.add_signature(name, tuple(Parameter(label) for label in labels))
        for child in node.children:
            visit(child, owner, conforming)

    visit(tree.root_node, None)


def call_labels(call) -> tuple[str, ...]:
    labels: list[str] = []
    for suffix in (c for c in call.children if c.type == "call_suffix"):
        for arguments in (c for c in suffix.children if c.type == "value_arguments"):
            for argument in (c for c in arguments.children if c.type == "value_argument"):
                label = next((c for c in argument.children if c.type == "value_argument_label"), None)
                labels.append(identifier(text(label)) if label is not None else "_")
    return tuple(labels)


def is_subscript(call) -> bool:
    """`items[0]` parses as a call whose arguments are in brackets."""
    for suffix in (c for c in call.children if c.type == "call_suffix"):
        for arguments in (c for c in suffix.children if c.type == "value_arguments"):
            return bool(arguments.children) and arguments.children[0].type == "["
    return False


def callee_name(call) -> str | None:
    function = call.children[0]
    if function.type == "simple_identifier":
        return identifier(text(function))
    if function.type == "navigation_expression":
        suffix = function.children[-1]
        names = [c for c in suffix.children if c.type == "simple_identifier"]
        return identifier(text(names[-1])) if names else None
    if function.type == "prefix_expression" and text(function).startswith("."):
        names = [c for c in function.children if c.type == "simple_identifier"]
        return identifier(text(names[-1])) if names else None
    return None


@dataclass
class Finding:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def parse(path: Path):
    return PARSER.parse(blank_uniffi_conditionals(path.read_bytes()))


def check(root: Path) -> tuple[list[Finding], set[str]]:
    bindings, ours = Declarations(), Declarations()
    generated = sorted((root / GENERATED).glob("*.swift"))
    if not generated:
        sys.exit(f"no generated bindings under {root / GENERATED}")
    for path in generated:
        collect(parse(path), bindings, public_only=True)
    # Package.swift speaks PackageDescription, not the app's frameworks.
    sources = sorted(
        p
        for p in root.rglob("*.swift")
        if GENERATED not in p.relative_to(root).parents and p.name != "Package.swift"
    )
    trees = {path: parse(path) for path in sources}
    conformances_by_path: dict[Path, list[tuple[str, tuple[Parameter, ...], int]]] = {}
    for path, tree in trees.items():
        before = len(ours.conformances)
        collect(tree, ours, public_only=False, foreign_protocols=frozenset(bindings.protocols))
        conformances_by_path[path] = ours.conformances[before:]
    sdk = {
        line.strip()
        for line in (HERE / "sdk-names.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    findings: list[Finding] = []
    unknown: set[str] = set()

    def known_type(name: str) -> bool:
        return name in ours.types or name in bindings.types or name in sdk

    def known_member(name: str) -> bool:
        return (
            name in ours.members
            or name in ours.types
            or name in bindings.members
            or name in bindings.types
            or name in sdk
        )

    # A type that adopts a bindings protocol must implement all of it: a
    # method the Rust side adds is a compile error on the Mac otherwise.
    for type_name, protocols in sorted(ours.adopted.items()):
        have = ours.methods.get(type_name, set())
        for protocol in sorted(protocols):
            for name, labels in sorted(bindings.requirements.get(protocol, set())):
                if (name, labels) not in have:
                    findings.append(
                        Finding(
                            Path(type_name),
                            0,
                            f"`{type_name}` adopts `{protocol}` but does not implement `{name}({', '.join(labels)})`",
                        )
                    )

    for path, tree in trees.items():
        relative = path.relative_to(root.parent) if root.parent in path.parents else path
        for name, declared, line in conformances_by_path[path]:
            required = bindings.signatures.get(name)
            labels = tuple(p.label for p in declared)
            if required and all(labels != tuple(p.label for p in r) for r in required):
                wanted = " or ".join("(" + ", ".join(p.label for p in r) + ")" for r in required)
                findings.append(
                    Finding(relative, line, f"`{name}({', '.join(labels)})` implements a bindings protocol, which declares {wanted}")
                )

        def report(node, message: str, name: str) -> None:
            unknown.add(name)
            findings.append(Finding(relative, node.start_point[0] + 1, message))

        def visit(node) -> None:
            kind = node.type
            if kind == "type_identifier" and node.parent is not None and node.parent.type == "user_type":
                name = identifier(text(node))
                if not known_type(name):
                    report(node, f"type `{name}` is not in the bindings, our Swift or sdk-names.txt", name)
            elif kind == "navigation_suffix" or (kind == "prefix_expression" and text(node).startswith(".")):
                names = [c for c in node.children if c.type == "simple_identifier"]
                if names:
                    # `$step`: the projected value of our `step`.
                    name = identifier(text(names[-1])).lstrip("$")
                    if not known_member(name):
                        report(node, f"member `{name}` is not in the bindings, our Swift or sdk-names.txt", name)
            elif kind == "call_expression":
                name = callee_name(node)
                # An SDK name (`open`, `load`, `cancel`) may be the SDK's own
                # method: without types, its labels cannot be checked.
                accepted = set()
                if name and name not in sdk:
                    accepted = bindings.signatures.get(name, set()) | ours.signatures.get(name, set())
                if accepted and not is_subscript(node):
                    labels = call_labels(node)
                    trailing = any(
                        c.type == "lambda_literal"
                        for s in node.children
                        if s.type == "call_suffix"
                        for c in s.children
                    )
                    if not any(fits(labels, trailing, a) for a in accepted):
                        wanted = " or ".join(
                            "(" + ", ".join(p.label + ("=" if p.optional else "") for p in a) + ")"
                            for a in sorted(accepted, key=len)
                        )
                        findings.append(
                            Finding(
                                relative,
                                node.start_point[0] + 1,
                                f"`{name}` called with labels ({', '.join(labels)}); declared: {wanted}",
                            )
                        )
            for child in node.children:
                visit(child)

        visit(tree.root_node)
    return findings, unknown


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = Path(args[0] if args else "ios").resolve()
    findings, unknown = check(root)
    if "--unknown" in sys.argv:
        print("\n".join(sorted(unknown)))
        return 0
    for finding in findings:
        print(finding)
    count = len(list(root.rglob("*.swift")))
    if findings:
        print(f"check_ffi_usage: {len(findings)} problem(s) in {count} Swift files")
        return 1
    print(f"check_ffi_usage: {count} Swift files agree with the generated bindings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
