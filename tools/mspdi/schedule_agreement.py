#!/usr/bin/env python3
"""How often `pso schedule mspdi` agrees with the dates MS Project stored in each file.

For every *.xml under the given directories, run the scheduler and compare, to the minute, the
start and finish of every task that MS Project scheduled automatically and that has no progress
(not manual, not a summary, active, not null, no actual start, 0 % complete) with the file's
<Start>/<Finish>. Prints a line per file, the overall figure, and with --markdown writes the
table of files that disagree.

    tools/mspdi/schedule_agreement.py [--schedule 'pso schedule mspdi'] [--min 95] [--markdown OUT.md] DIR...
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = "{http://schemas.microsoft.com/project}"


def text(el, tag):
    v = el.find(NS + tag)
    return None if v is None else (v.text or "")


def eligible_tasks(path):
    root = ET.parse(path).getroot()
    tasks = {}
    all_tasks = root.find(NS + "Tasks")
    if all_tasks is None:
        return tasks, root
    for t in all_tasks.findall(NS + "Task"):
        uid = text(t, "UID")
        if uid is None or uid == "0":
            continue
        if text(t, "IsNull") == "1" or text(t, "Active") == "0":
            continue
        if text(t, "Manual") == "1" or text(t, "Summary") == "1":
            continue
        if text(t, "ActualStart") or float(text(t, "PercentComplete") or 0) > 0:
            continue
        s, f = text(t, "Start"), text(t, "Finish")
        if not s or not f:
            continue
        tasks[uid] = (s[:16], f[:16], text(t, "Name"))
    return tasks, root


def find_files(dirs):
    files = []
    for d in dirs:
        if os.path.isfile(d):
            files.append(d)
            continue
        for r, _, names in os.walk(d):
            files.extend(os.path.join(r, n) for n in names if n.endswith(".xml"))
    return sorted(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--schedule", default="pso schedule mspdi")
    ap.add_argument("--markdown")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--min", type=float, default=0.0,
                    help="exit 1 when the agreement is below this percentage")
    a = ap.parse_args()
    cmd = shlex.split(a.schedule)
    total = agree = 0
    rows = []
    for f in find_files(a.dirs):
        tasks, root = eligible_tasks(f)
        r = subprocess.run(cmd + [f], capture_output=True, text=True)
        if r.returncode != 0:
            rows.append((f, len(tasks), 0, "scheduler failed: " + r.stderr.strip().splitlines()[-1]))
            total += len(tasks)
            print(f"FAIL {f}: {r.stderr.strip()}")
            continue
        sched = {t["id"]: t for t in json.loads(r.stdout)["tasks"]}
        ok = 0
        bad = []
        for uid, (s, fin, name) in tasks.items():
            got = sched.get(uid)
            if got and got["start"] == s and got["finish"] == fin:
                ok += 1
            else:
                bad.append((uid, name, s, fin, got and got["start"], got and got["finish"]))
        total += len(tasks)
        agree += ok
        status = "ok  " if ok == len(tasks) else "DIFF"
        print(f"{status} {f}: {ok}/{len(tasks)}")
        if bad and a.verbose:
            for b in bad[:8]:
                print("      uid %s %r file %s..%s ours %s..%s" % b)
        if bad:
            rows.append((f, len(tasks), ok, bad[:3]))
    pct = 100.0 * agree / total if total else 100.0
    print(f"agreement: {agree}/{total} tasks = {pct:.2f} %")
    if a.markdown:
        with open(a.markdown, "w") as out:
            out.write("| file | tasks compared | agree | examples (uid: file start..finish / ours) |\n|---|---|---|---|\n")
            for f, n, ok, bad in rows:
                ex = bad if isinstance(bad, str) else "; ".join(
                    f"{u}: {s}..{fi} / {gs}..{gf}" for u, _, s, fi, gs, gf in bad)
                out.write(f"| {os.path.basename(f)} | {n} | {ok} | {ex} |\n")
    if pct < a.min:
        print(f"agreement {pct:.2f} % is below the required {a.min:.2f} %")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
