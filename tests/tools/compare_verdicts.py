#!/usr/bin/env python3
"""Compare two report.json files case by case (issue 11: behaviour stays the same across the
redesign). Prints every case whose verdict differs or that is in one report only; exits 1 when
any does, 0 otherwise.

    tests/tools/compare_verdicts.py before/report.json after/report.json
"""
import json
import sys


def verdicts(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    return {c["id"]: c["verdict"] for c in report["cases"]}


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    before, after = verdicts(argv[1]), verdicts(argv[2])
    diffs = 0
    for case in sorted(before.keys() | after.keys()):
        b, a = before.get(case, "(absent)"), after.get(case, "(absent)")
        if b != a:
            print(f"{case}: {b} -> {a}")
            diffs += 1
    print(f"{len(before)} cases before, {len(after)} after, {diffs} differ")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
