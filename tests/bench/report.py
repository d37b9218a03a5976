#!/usr/bin/env python3
"""Arithmetic and formatting for tests/bench/run (standard library only).

  report.py table ROWS [JSON]     print the result table; write JSON too
  report.py latency ARRIVALS SENT [MISSING_MS]
                                   ingest-commit -> receiver percentiles
  report.py resent ARRIVALS IDS SINCE_USEC
                                   which of IDS arrived at or after SINCE

ROWS is tab-separated: name, value, unit, baseline, op, target, note,
where op is "ratio>=" (ratio = value / baseline at least target),
"value<=" (value at most target) or "info" (no target; met is null).

ARRIVALS is the receiver's "DELIVERY-ID USEC" lines; SENT is
"DELIVERY-ID EPOCH-SECONDS" (deliveries.created_at with milliseconds).
The first arrival of each id counts; ids never seen are reported missing,
and with MISSING_MS they count in the percentiles with that latency (a
lower bound: they had not arrived when the run stopped waiting).

resent reads IDS, one delivery id a line, and prints
  ids=N arrived=M first_usec= last_usec=
where arrived counts the ids with an arrival at or after SINCE_USEC, and
first_usec and last_usec are the earliest and latest of those ids' first
such arrivals (0 when none).
"""
import json
import sys


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def table(rows_path, json_path=None):
    rows = []
    with open(rows_path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 7:
                parts += [""] * (7 - len(parts))
            name, value, unit, baseline, op, target, note = parts[:7]
            v, b, t = num(value), num(baseline), num(target)
            ratio = v / b if v is not None and b else None
            met = None
            if op == "ratio>=" and t is not None:
                target_s = "ratio >= %.2f" % t
                met = ratio is not None and ratio >= t
            elif op == "value<=" and t is not None:
                target_s = "<= %s %s" % (fmt(t), unit)
                met = v is not None and v <= t
            else:
                target_s = None
            rows.append({"name": name, "value": v, "unit": unit,
                         "baseline": b, "ratio": ratio, "target": target_s,
                         "met": met, "_note": note})

    head = ("name", "value", "unit", "baseline", "ratio", "target", "met")
    cells = [head]
    for r in rows:
        cells.append((r["name"], fmt(r["value"]), r["unit"],
                      fmt(r["baseline"]),
                      "-" if r["ratio"] is None else "%.2f" % r["ratio"],
                      r["target"] or "info",
                      "-" if r["met"] is None else
                      ("yes" if r["met"] else "NO")))
    w = [max(len(c[i]) for c in cells) for i in range(len(head))]
    right = (False, True, False, True, True, False, False)
    for n, c in enumerate(cells):
        print("  ".join(c[i].rjust(w[i]) if right[i] else c[i].ljust(w[i])
                        for i in range(len(head))).rstrip())
        if n == 0:
            print("  ".join("-" * x for x in w))
    notes = [(r["name"], r["_note"]) for r in rows if r["_note"]]
    if notes:
        print()
        for name, note in notes:
            print("%s: %s" % (name, note))
    if json_path:
        out = [{k: r[k] for k in head} for r in rows]
        with open(json_path, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


def latency(arrivals_path, sent_path, missing_ms=None):
    first = {}
    with open(arrivals_path) as f:
        for line in f:
            p = line.split()
            if len(p) != 2:
                continue
            t = int(p[1]) / 1e6
            if p[0] not in first or t < first[p[0]]:
                first[p[0]] = t
    lat = []
    missing = 0
    with open(sent_path) as f:
        for line in f:
            p = line.split()
            if len(p) != 2:
                continue
            if p[0] in first:
                lat.append((first[p[0]] - float(p[1])) * 1000.0)
            else:
                missing += 1
                if missing_ms is not None:
                    lat.append(missing_ms)
    lat.sort()

    def pct(q):
        if not lat:
            return 0.0
        return lat[min(len(lat) - 1, int(q / 100.0 * len(lat)))]

    print("n=%d missing=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f"
          % (len(lat), missing, pct(50), pct(95), pct(99),
             lat[-1] if lat else 0.0))


def resent(arrivals_path, ids_path, since):
    want = set()
    with open(ids_path) as f:
        for line in f:
            if line.strip():
                want.add(line.split()[0])
    first = {}
    with open(arrivals_path) as f:
        for line in f:
            p = line.split()
            if len(p) != 2 or p[0] not in want:
                continue
            t = int(p[1])
            if t >= since and (p[0] not in first or t < first[p[0]]):
                first[p[0]] = t
    v = first.values()
    print("ids=%d arrived=%d first_usec=%d last_usec=%d"
          % (len(want), len(first), min(v) if v else 0, max(v) if v else 0))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "latency":
        latency(sys.argv[2], sys.argv[3],
                float(sys.argv[4]) if len(sys.argv) == 5 else None)
    elif len(sys.argv) == 5 and sys.argv[1] == "resent":
        resent(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
