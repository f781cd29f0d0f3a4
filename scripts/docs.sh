#!/usr/bin/env bash
# Builds the API documentation with the toolchain's own docc (no plugin dependency): one DocC
# archive per library module, from `swift build`'s symbol graphs, each module's catalog
# (Sources/<Module>/<Module>.docc) and the guides as articles. Fails on any docc warning and on
# any public symbol without a /// comment (scripts/check-docs.py; docc does not report those).
#   scripts/docs.sh            → .build/docs-out/<Module>.doccarchive
#   DOCS_OUTPUT=DIR scripts/docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
modules=(SaddleCore SaddleTensor SaddleModels SaddleStudy SaddleKit)
scratch=.build/docs
graphs="$PWD/$scratch/symbol-graphs"
out="${DOCS_OUTPUT:-.build/docs-out}"
docc="$(command -v docc || xcrun --find docc 2>/dev/null || true)"
[ -n "$docc" ] || { echo "docs: docc not found next to swift" >&2; exit 1; }

# Articles: the guides, copied into the staged catalogs so there is one copy of each.
articles() {
  case "$1" in
    SaddleCore) echo Guides/ComposingOptimizers.md Guides/EscapeMethods.md Docs/Reliability.md ;;
    SaddleTensor) echo Guides/Performance.md ;;
    SaddleModels) echo Guides/Models.md ;;
    SaddleStudy) echo Guides/Studies.md ;;
    *) ;;
  esac
}

echo "== docs: symbol graphs (swift build --scratch-path $scratch)"
# Kept between runs: an incremental build re-emits the graphs of the modules it recompiles
# only, and an unchanged module's graph is still current.
mkdir -p "$graphs" "$out"
swift build --scratch-path "$scratch" --target SaddleKit \
  -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs" > "$scratch/build.log" 2>&1 \
  || { cat "$scratch/build.log"; exit 1; }

echo "== docs: every public symbol documented"
python3 scripts/check-docs.py "$graphs" "${modules[@]}"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
for module in "${modules[@]}"; do
  echo "== docs: $module"
  catalog="$stage/$module.docc"
  cp -R "Sources/$module/$module.docc" "$catalog"
  for article in $(articles "$module"); do cp "$article" "$catalog/"; done
  mkdir -p "$stage/graphs-$module"
  # SaddleKit only re-exports the others: its catalog is a landing page without symbols.
  [ "$module" = SaddleKit ] || cp "$graphs/$module.symbols.json" "$stage/graphs-$module/"
  [ "$module" = SaddleKit ] || find "$graphs" -name "$module@*.symbols.json" -exec cp {} "$stage/graphs-$module/" \;
  # SaddleModels extends SaddleCore's Registry (`Registry.standard`): SaddleCore's pages show it.
  if [ "$module" = SaddleCore ]; then cp "$graphs/SaddleModels@SaddleCore.symbols.json" "$stage/graphs-$module/"; fi
  log="$stage/$module.log"
  "$docc" convert "$catalog" --additional-symbol-graph-dir "$stage/graphs-$module" \
    --fallback-display-name "$module" --fallback-bundle-identifier "org.saddlekit.$module" \
    --output-dir "$out/$module.doccarchive" --warnings-as-errors > "$log" 2>&1 \
    || { cat "$log"; echo "docs: docc failed for $module (warnings are errors)" >&2; exit 1; }
  if grep -q "warning:" "$log"; then cat "$log"; echo "docs: docc warned for $module" >&2; exit 1; fi
done
echo "docs: ${#modules[@]} archives in $out"
