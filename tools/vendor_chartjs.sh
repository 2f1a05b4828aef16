#!/usr/bin/env bash
# Re-vendor Chart.js (the dashboard's charting library) from the npm registry: the UMD build and its licence.
#
#   tools/vendor_chartjs.sh [VERSION]     (default: the version pinned below; update SHA256 with it)
#
# The dashboard inlines alia_action/dashboard/vendor/chart.umd.min.js into every HTML file, so the page
# needs no network; tests/e2e/test_dashboard_browser.py checks it still draws every chart.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${1:-4.6.1}
SHA256=87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2  # of dist/chart.umd.min.js 4.6.1
target=alia_action/dashboard/vendor

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$VERSION" >/dev/null && tar xzf chart.js-*.tgz)
if [ "$VERSION" = 4.6.1 ]; then
  echo "$SHA256  $work/package/dist/chart.umd.min.js" | sha256sum --check --quiet
fi
mkdir -p "$target"
cp "$work/package/dist/chart.umd.min.js" "$target/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$target/LICENSE.chartjs.md"
echo "vendored Chart.js $VERSION: $(wc -c <"$target/chart.umd.min.js") bytes"
