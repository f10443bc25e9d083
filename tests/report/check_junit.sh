#!/bin/sh
# JUnit validity: render every fixture (tests/data/report-*.json) with report_tool and validate
# each junit.xml with xmllint against three schemas (tests/data/SCHEMAS.md): Maven Surefire's
# (through surefire-testsuites.xsd, which wraps its <testsuite> in a <testsuites> root), the
# Jenkins xUnit plugin's junit-10.xsd, and the project's junit.xsd. Then two known-bad documents
# must be rejected, so a schema that accepts anything cannot pass: a 'skipped' attribute on the
# root (Jenkins xUnit) and a 'hostname' attribute on a suite (Surefire). xmllint missing = FAIL.
# Usage: check_junit.sh REPORT_TOOL DATA_DIR WORK_DIR
set -eu
tool=$1 data=$2 work=$3
command -v xmllint >/dev/null 2>&1 || { echo "FAIL: xmllint not installed (Debian package libxml2-utils; make -f Makefile.ci deps)"; exit 1; }
schemas="surefire-testsuites.xsd jenkins-xunit-junit-10.xsd junit.xsd"
rm -rf "$work"; mkdir -p "$work"
n=0
for fixture in "$data"/report-*.json; do
  name=$(basename "$fixture" .json)
  "$tool" "$fixture" "$work/$name"
  for xsd in $schemas; do
    xmllint --noout --schema "$data/$xsd" "$work/$name/junit.xml"
  done
  n=$((n + 1))
done
[ "$n" -ge 5 ] || { echo "FAIL: expected at least 5 fixtures in $data, found $n"; exit 1; }

rejects() { # XSD FILE: the schema must reject the file
  if xmllint --noout --schema "$data/$1" "$2" 2>/dev/null; then
    echo "FAIL: $1 accepted $2, which it must reject"; exit 1
  fi
}
suite='<testsuite name="s" tests="0" failures="0" errors="0" skipped="0" time="0"'
printf '<testsuites tests="0" skipped="0">%s/></testsuites>\n' "$suite" >"$work/bad-root.xml"
rejects jenkins-xunit-junit-10.xsd "$work/bad-root.xml"
printf '<testsuites>%s hostname="h"/></testsuites>\n' "$suite" >"$work/bad-host.xml"
rejects surefire-testsuites.xsd "$work/bad-host.xml"
echo "ok: $n junit.xml files valid against $schemas; the known-bad documents rejected"
