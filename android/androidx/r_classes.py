#!/usr/bin/env python3
"""Merges the classes of Android libraries (AARs) into one directory and writes
the R classes their code refers to, for a JVM build without Android's tools.

Usage: r_classes.py AAR_DIR CLASSES_OUT R_SOURCES_OUT

An AAR's classes.jar holds no R class: the app's build generates one per
library from the library's R.txt, with ids unique across the app. This does
the same for the Maven build (ADR 0015): every (type, name) gets one id,
assigned in a stable order, framework ids (0x01......) are kept, and
styleable arrays are rewritten to the new attr ids. Fields are non-final, as
in a library's R. Resource values are not merged, so tests must not read a
library's strings or inflate its layouts.
"""

import io
import os
import re
import sys
import zipfile

FIRST_ID = 0x7F010000
FRAMEWORK_LIMIT = 0x7F000000


def package_of(manifest: str) -> str:
    match = re.search(r'package="([^"]+)"', manifest)
    if not match:
        raise SystemExit("an AAR manifest names no package")
    return match.group(1)


def merge_classes(aar: zipfile.ZipFile, out: str) -> None:
    if "classes.jar" not in aar.namelist():
        return
    with zipfile.ZipFile(io.BytesIO(aar.read("classes.jar"))) as jar:
        for entry in jar.infolist():
            name = entry.filename
            if entry.is_dir() or name == "META-INF/MANIFEST.MF" or name.endswith("module-info.class"):
                continue
            target = os.path.join(out, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as file:
                file.write(jar.read(entry))


class Ids:
    """One id per (type, name) across every library, like an app's R."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], int] = {}

    def of(self, kind: str, name: str) -> int:
        key = (kind, name)
        if key not in self.ids:
            self.ids[key] = FIRST_ID + len(self.ids)
        return self.ids[key]


def r_source(package: str, r_txt: str, ids: Ids) -> str:
    local_attrs: dict[int, str] = {}
    fields: dict[str, list[str]] = {}
    for line in r_txt.splitlines():
        scalar = re.fullmatch(r"int (\w+) (\w+) (\S+)", line.strip())
        if scalar and scalar.group(1) == "attr":
            local_attrs[int(scalar.group(3), 0)] = scalar.group(2)
    for line in r_txt.splitlines():
        line = line.strip()
        array = re.fullmatch(r"int\[\] (\w+) (\w+) \{(.*)\}", line)
        if array:
            kind, name, values = array.groups()
            mapped = []
            for value in filter(None, (v.strip() for v in values.split(","))):
                number = int(value, 0)
                if number < FRAMEWORK_LIMIT:
                    mapped.append(hex(number))
                elif number in local_attrs:
                    mapped.append(hex(ids.of("attr", local_attrs[number])))
                else:
                    raise SystemExit(f"{package}: styleable {name} names an unknown attr {value}")
            fields.setdefault(kind, []).append(
                f"public static int[] {name} = new int[] {{ {', '.join(mapped)} }};"
            )
            continue
        scalar = re.fullmatch(r"int (\w+) (\w+) (\S+)", line)
        if scalar:
            kind, name, value = scalar.groups()
            # A styleable's index into its array stays what the library says.
            number = int(value, 0) if kind == "styleable" else ids.of(kind, name)
            fields.setdefault(kind, []).append(f"public static int {name} = {hex(number)};")
    classes = "\n".join(
        f"  public static final class {kind} {{\n    " + "\n    ".join(members) + "\n  }"
        for kind, members in sorted(fields.items())
    )
    return f"package {package};\n\npublic final class R {{\n{classes}\n}}\n"


def main() -> None:
    aar_dir, classes_out, r_out = sys.argv[1:4]
    ids = Ids()
    for name in sorted(os.listdir(aar_dir)):
        if not name.endswith(".aar"):
            continue
        with zipfile.ZipFile(os.path.join(aar_dir, name)) as aar:
            merge_classes(aar, classes_out)
            names = aar.namelist()
            r_txt = aar.read("R.txt").decode() if "R.txt" in names else ""
            if not r_txt.strip():
                continue
            package = package_of(aar.read("AndroidManifest.xml").decode())
            directory = os.path.join(r_out, *package.split("."))
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, "R.java"), "w", encoding="utf-8") as file:
                file.write(r_source(package, r_txt, ids))


if __name__ == "__main__":
    main()
