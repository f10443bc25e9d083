#!/bin/sh
# JUnit validity: render every fixture (tests/data/report-*.json) with report_tool and validate
# each junit.xml against tests/data/junit.xsd. xmllint missing = FAIL.
# Usage: check_junit.sh REPORT_TOOL DATA_DIR WORK_DIR
set -eu
tool=$1 data=$2 work=$3
command -v xmllint >/dev/null 2>&1 || { echo "FAIL: xmllint not installed (Debian package libxml2-utils; make -f Makefile.ci deps)"; exit 1; }
rm -rf "$work"; mkdir -p "$work"
n=0
for fixture in "$data"/report-*.json; do
  name=$(basename "$fixture" .json)
  "$tool" "$fixture" "$work/$name"
  xmllint --noout --schema "$data/junit.xsd" "$work/$name/junit.xml"
  n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "FAIL: expected at least 4 fixtures in $data, found $n"; exit 1; }
echo "ok: $n junit.xml files valid"
