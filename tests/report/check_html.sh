#!/bin/sh
# report.html renders: headless Chromium loads the page generated from the 3x3 fixture, the DOM
# after load has exactly 9 matrix cells and the reconnect comparison, the script works, and a
# screenshot is taken. Chromium missing = FAIL.
# Usage: check_html.sh REPORT_TOOL FIXTURE WORK_DIR
set -eu
tool=$1 fixture=$2 work=$3
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "FAIL: chromium not installed (Debian package chromium; make -f Makefile.ci deps)"; exit 1; }
rm -rf "$work"; mkdir -p "$work"
"$tool" "$fixture" "$work/out"
page="file://$(cd "$work/out" && pwd)/report.html"

run_browser() {
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --user-data-dir="$profile" "$@" 2>>"$work/chromium.log"
}

run_browser --dump-dom "$page" >"$work/dom.html" || { echo "FAIL: chromium --dump-dom failed"; tail -20 "$work/chromium.log"; exit 1; }
cells=$(grep -o '<td [^>]*data-cell="' "$work/dom.html" | wc -l)
[ "$cells" -eq 9 ] || { echo "FAIL: expected 9 matrix cells in the DOM, found $cells"; exit 1; }
# The page's script ran without throwing (it sets no marker itself; check that the DOM kept the
# embedded data and the sections).
sections=$(grep -c '<section class="cell-cases"' "$work/dom.html" || true)
[ "$sections" -eq 9 ] || { echo "FAIL: expected 9 case sections, found $sections"; exit 1; }

# The reconnect comparison survives the browser's parser: the fixture's one reconnect scenario
# (two pairs, one gap out of window each) is one figure with two rows and two out-of-window marks.
figures=$(grep -o '<figure class="rb-figure"' "$work/dom.html" | wc -l)
[ "$figures" -eq 1 ] || { echo "FAIL: expected 1 reconnect figure, found $figures"; exit 1; }
charts=$(grep -o '<svg class="rb-chart"' "$work/dom.html" | wc -l)
[ "$charts" -eq 1 ] || { echo "FAIL: expected 1 reconnect chart, found $charts"; exit 1; }
rows=$(grep -o '<g class="rb-row" data-pair="[^"]*"' "$work/dom.html" | tr '\n' ' ')
[ "$rows" = '<g class="rb-row" data-pair="c-&gt;c" <g class="rb-row" data-pair="python-&gt;c" ' ] || { echo "FAIL: reconnect rows: $rows"; exit 1; }
outs=$(grep -o 'class="rb-mark rb-out"' "$work/dom.html" | wc -l)
[ "$outs" -eq 2 ] || { echo "FAIL: expected 2 out-of-window marks, found $outs"; exit 1; }
grep -q '<a href="#reconnect">' "$work/dom.html" || { echo "FAIL: no link to the reconnect section"; exit 1; }

# The inline script runs: opening the page at #cell-1-0 shows that cell's cases and selects it.
run_browser --dump-dom "$page#cell-1-0" >"$work/dom-cell.html" || { echo "FAIL: chromium --dump-dom (#cell-1-0) failed"; exit 1; }
grep -q '<section class="cell-cases" id="cell-1-0">' "$work/dom-cell.html" || { echo "FAIL: the script did not show section cell-1-0"; exit 1; }
hidden=$(grep -c '<section class="cell-cases" id="cell-[0-9]-[0-9]" hidden' "$work/dom-cell.html" || true)
[ "$hidden" -eq 8 ] || { echo "FAIL: expected the 8 other sections hidden, found $hidden"; exit 1; }
grep -q 'class="cell st-[a-z]* selected"[^>]*data-cell="python-&gt;c"' "$work/dom-cell.html" || { echo "FAIL: the script did not select cell python->c"; exit 1; }

run_browser --screenshot="$work/report.png" --window-size=1280,900 "$page" >/dev/null || { echo "FAIL: chromium --screenshot failed"; tail -20 "$work/chromium.log"; exit 1; }
[ -s "$work/report.png" ] || { echo "FAIL: no screenshot"; exit 1; }
sig=$(head -c 8 "$work/report.png" | od -An -tx1 | tr -d ' \n')
[ "$sig" = "89504e470d0a1a0a" ] || { echo "FAIL: screenshot is not a PNG"; exit 1; }
echo "ok: 9 matrix cells, reconnect figure; screenshot $work/report.png"
