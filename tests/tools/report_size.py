#!/usr/bin/env python3
"""Where the bytes of a report go, and whether it keeps its bounds (issue 16, "Reports").

    tests/tools/report_size.py OUT_DIR [--max-json MB] [--max-html MB] [--max-pass-case BYTES]

Reads OUT_DIR/report.json (and the size of OUT_DIR/report.html), prints the file sizes, bytes by
verdict (sampled or whole), by case key and by key of `actual`, and the biggest cases. Each
`--max-*` given is checked: the file sizes in MB (10^6 bytes), and the compact JSON size of every
sampled (passing or skipped) case. Exits 1 when a bound is exceeded, 0 otherwise.

For the default matrix (docs/report-format.md, "Sampled cases"):

    tests/tools/report_size.py out --max-json 3 --max-html 5 --max-pass-case 4096

An older report written before sampling (every case whole) shows what `run` writes today after
    build-dev/tests/report/report_tool --sample old/report.json resampled/
"""
import argparse
import collections
import json
import os
import sys


def size(value):
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def table(title, counter, limit=20):
    print(title)
    for key, n in counter.most_common(limit):
        print(f"  {key:28} {n:>12,}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--max-json", type=float, help="report.json at most this many MB")
    ap.add_argument("--max-html", type=float, help="report.html at most this many MB")
    ap.add_argument("--max-pass-case", type=int, help="a sampled case at most this many bytes")
    args = ap.parse_args(argv[1:])
    jpath = os.path.join(args.out_dir, "report.json")
    hpath = os.path.join(args.out_dir, "report.html")
    with open(jpath, encoding="utf-8") as f:
        report = json.load(f)
    jsize = os.path.getsize(jpath)
    hsize = os.path.getsize(hpath) if os.path.exists(hpath) else None
    cases = report.get("cases", [])
    print(f"report.json {jsize:,} bytes; report.html "
          f"{'absent' if hsize is None else f'{hsize:,} bytes'}; {len(cases)} cases")
    by_verdict, count, keys, actual_keys = (collections.Counter() for _ in range(4))
    biggest = []
    worst_sampled = (0, None)
    for c in cases:
        kind = f"{c.get('verdict')}{' (sampled)' if c.get('sampled') else ''}"
        n = size(c)
        by_verdict[kind] += n
        count[kind] += 1
        biggest.append((n, c.get("id")))
        if c.get("sampled") and n > worst_sampled[0]:
            worst_sampled = (n, c.get("id"))
        for k, v in c.items():
            keys[k] += size(v) + len(k) + 4
        if isinstance(c.get("actual"), dict):
            for k, v in c["actual"].items():
                actual_keys[k] += size(v) + len(k) + 4
    print("by verdict (compact bytes):")
    for kind, n in by_verdict.most_common():
        print(f"  {kind:28} {count[kind]:>6} cases {n:>12,}  ({n // count[kind]:,} per case)")
    table("by case key:", keys)
    table("by key of actual:", actual_keys)
    biggest.sort(reverse=True)
    print("biggest cases:")
    for n, cid in biggest[:10]:
        print(f"  {n:>12,} {cid}")
    print(f"biggest sampled case: {worst_sampled[0]:,} bytes {worst_sampled[1] or ''}")
    bad = []
    if args.max_json is not None and jsize > args.max_json * 1e6:
        bad.append(f"report.json {jsize:,} bytes > {args.max_json} MB")
    if args.max_html is not None and hsize is not None and hsize > args.max_html * 1e6:
        bad.append(f"report.html {hsize:,} bytes > {args.max_html} MB")
    if args.max_pass_case is not None and worst_sampled[0] > args.max_pass_case:
        bad.append(f"sampled case {worst_sampled[1]} {worst_sampled[0]:,} bytes > "
                   f"{args.max_pass_case}")
    for b in bad:
        print(f"OVER: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
