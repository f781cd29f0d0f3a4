#!/usr/bin/env bash
# Renders every SVG figure of a study directory to PNG with rsvg-convert (Debian: apt-get
# install librsvg2-bin), next to the SVG, to look at the real render.
#   scripts/render-figures.sh STUDY_DIR [ZOOM]
set -euo pipefail
dir="${1:?usage: scripts/render-figures.sh STUDY_DIR [ZOOM]}"
zoom="${2:-1}"
command -v rsvg-convert > /dev/null || { echo "rsvg-convert not found (apt-get install librsvg2-bin)" >&2; exit 2; }
shopt -s nullglob
for svg in "$dir"/*.svg; do
  rsvg-convert --zoom="$zoom" -o "${svg%.svg}.png" "$svg"
  echo "${svg%.svg}.png"
done
