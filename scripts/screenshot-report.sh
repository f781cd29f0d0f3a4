#!/usr/bin/env bash
# Renders a study's report.html with headless Chromium (Debian: apt-get install chromium) to a
# PNG, to check the page in a real browser.
#   scripts/screenshot-report.sh STUDY_DIR [OUT.png] [WIDTH,HEIGHT]
set -euo pipefail
dir="${1:?usage: scripts/screenshot-report.sh STUDY_DIR [OUT.png] [WIDTH,HEIGHT]}"
out="${2:-$dir/report-screenshot.png}"
size="${3:-1200,2000}"
page="$(cd "$dir" && pwd)/report.html"
[ -f "$page" ] || { echo "no report.html in $dir (run: saddle study report $dir)" >&2; exit 2; }
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "chromium not found (Debian: apt-get install chromium)" >&2; exit 2; }
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size="$size" --screenshot="$out" "file://$page" 2>/dev/null
echo "$out"
