#!/bin/sh
# report.html's Applications section survives a browser's parser: headless Chromium loads the
# page generated from tests/data/report-apps.json (2 applications x 2 app scenarios, one of them
# skipped); the DOM after load has the section, 3 case articles with one chart each, and the
# failing case's 3 out-of-window calls. Chromium missing = FAIL.
# Usage: check_html_apps.sh REPORT_TOOL FIXTURE WORK_DIR
set -eu
tool=$1 fixture=$2 work=$3
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "FAIL: chromium not installed (Debian package chromium; make -f Makefile.ci deps)"; exit 1; }
rm -rf "$work"; mkdir -p "$work"
"$tool" "$fixture" "$work/out"
page="file://$(cd "$work/out" && pwd)/report.html"
profile=$(mktemp -d "$work/profile.XXXXXX")
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-dev-shm-usage --user-data-dir="$profile" --dump-dom "$page#app-app~unavailable~backoff_40naive-go" \
  >"$work/dom.html" 2>>"$work/chromium.log" || { echo "FAIL: chromium --dump-dom failed"; tail -20 "$work/chromium.log"; exit 1; }

count() { grep -o "$1" "$work/dom.html" | wc -l; }
[ "$(count '<section id="applications"')" -eq 1 ] || { echo "FAIL: no Applications section"; exit 1; }
[ "$(count '<a href="#applications">')" -eq 1 ] || { echo "FAIL: no link to the Applications section"; exit 1; }
[ "$(count '<article class="app-case')" -eq 3 ] || { echo "FAIL: expected 3 application cases drawn"; exit 1; }
[ "$(count '<svg class="rb-chart app-chart"')" -eq 3 ] || { echo "FAIL: expected 3 application charts"; exit 1; }
[ "$(count 'class="rb-mark rb-out"')" -eq 3 ] || { echo "FAIL: expected 3 out-of-window calls"; exit 1; }
grep -q '<li>retried after INVALID_ARGUMENT (not retryable) &amp; kept &lt;going&gt;</li>' "$work/dom.html" || { echo "FAIL: the escaped finding is not in the DOM"; exit 1; }
if grep -q '<going>' "$work/dom.html"; then echo "FAIL: an unescaped finding became markup"; exit 1; fi
echo "ok: Applications section with 3 charts"
