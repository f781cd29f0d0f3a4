#!/usr/bin/env python3
"""Fails when a public symbol has no documentation comment.

Reads the symbol graphs `swift build -emit-symbol-graph` wrote (one directory, every module)
and lists each public or open symbol declared in the package without a `///` comment. DocC
itself does not report missing docs. Left out, because DocC shows inherited documentation for
them: members that implement a protocol requirement (their `memberOf` relationship carries a
`sourceOrigin`), members synthesized from protocol extensions (`::SYNTHESIZED::`), and
declarations the compiler writes (no source location: `Codable`, `RawRepresentable`,
`Hashable` conformances).

Symbols listed in scripts/docs-allowlist.txt are tolerated (their files' owners document
them); a listed symbol that is documented or gone is an error too, so the list only shrinks.

usage: scripts/check-docs.py SYMBOL_GRAPH_DIR MODULE...
"""
import json
import pathlib
import sys


def undocumented(path, modules):
    # Only the symbols a graph's own module declares (`M.symbols.json`, `M@Other.symbols.json`):
    # a graph also lists the symbols its module re-exports (SaddleKit re-exports them all), and
    # an incremental build does not rewrite a dependent module's graph after a doc-only edit, so
    # those copies can be stale.
    declaring = path.name.split("@", 1)[0].removesuffix(".symbols.json")
    if declaring not in modules:
        return
    graph = json.loads(path.read_text())
    inherited = {
        r["source"] for r in graph.get("relationships", [])
        if r.get("sourceOrigin") or r["kind"] in ("defaultImplementationOf", "overrides")
    }
    for symbol in graph.get("symbols", []):
        if symbol.get("accessLevel") not in ("public", "open"):
            continue
        precise = symbol["identifier"]["precise"]
        if "::SYNTHESIZED::" in precise or precise in inherited:
            continue
        if symbol["kind"]["identifier"] in ("swift.extension",):
            continue
        location = symbol.get("location")
        if not location:
            continue
        if f"/Sources/{declaring}/" not in location["uri"]:
            continue
        lines = (symbol.get("docComment") or {}).get("lines") or []
        if any(line.get("text", "").strip() for line in lines):
            continue
        file = location["uri"].split("/Sources/", 1)[-1]
        line = location["position"]["line"] + 1
        name = ".".join(symbol["pathComponents"])
        yield name, f"Sources/{file}:{line}: public {symbol['kind']['displayName'].lower()} " \
            f"'{name}' has no /// documentation"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    directory = pathlib.Path(sys.argv[1])
    modules = sys.argv[2:]
    graphs = sorted(directory.glob("*.symbols.json"))
    if not graphs:
        sys.exit(f"check-docs: no symbol graphs in {directory}")
    allowlist_path = pathlib.Path(__file__).with_name("docs-allowlist.txt")
    allowed = {
        line.strip() for line in allowlist_path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    } if allowlist_path.exists() else set()
    found = {name: message for g in graphs for name, message in undocumented(g, modules)}
    problems = sorted(m for name, m in found.items() if name not in allowed)
    stale = sorted(allowed - found.keys())
    for p in problems:
        print(p)
    for name in stale:
        print(f"scripts/docs-allowlist.txt: '{name}' is documented (or gone): remove the line")
    if problems or stale:
        sys.exit(f"check-docs: {len(problems)} public symbols without documentation, "
                 f"{len(stale)} stale allowlist lines")
    print(f"check-docs: every public symbol of {', '.join(modules)} is documented "
          f"({len(allowed)} allowlisted; {len(graphs)} symbol graphs)")


if __name__ == "__main__":
    main()
