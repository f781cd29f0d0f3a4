#!/usr/bin/env bash
# Peak memory of `saddle study report` on a synthetic study of N small trials (default 10^5):
# writes the study directory with the synthetic-study test (trial and timing files as the
# runner writes them: 4 problems × 5 settings × N/20 seeds, 20-point curves), then runs the
# release CLI's report under /usr/bin/time -v and prints its peak RSS and wall time.
# Opt-in (not run by CI). Results: Benchmarks/StudyReport/RESULTS.md.
#   Benchmarks/StudyReport/run.sh [N] [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
trials="${1:-100000}"
dir="${2:-$(mktemp -d /tmp/saddle-study-report-bench.XXXXXX)/study}"
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian: apt-get install time)" >&2; exit 2; }
if [ ! -f "$dir/study.json" ]; then
  swift build --build-tests > /dev/null
  SADDLE_STUDY_REPORT_DIR="$dir" SADDLE_STUDY_REPORT_TRIALS="$trials" \
    swift test --skip-build --filter 'StudyReportBenchmarkTests' > /dev/null
fi
echo "trial files: $(find "$dir/trials" -name '*.json' | wc -l) ($(du -sh "$dir/trials" | cut -f1)) in $dir"
swift build -c release --product saddle > /dev/null
bin="$(swift build -c release --show-bin-path)/saddle"
/usr/bin/time -v "$bin" study report "$dir" > /dev/null 2> "$dir/time.txt" || { cat "$dir/time.txt" >&2; exit 1; }
grep -E "Maximum resident set size|Elapsed \(wall clock\)|User time|System time" "$dir/time.txt"
