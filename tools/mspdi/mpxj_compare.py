#!/usr/bin/env python3
"""Compare MSPDI files before and after `pso convert`, as MPXJ reads them.

For every *.xml under the given directories (recursively), run the converter into a temporary
directory, read input and output with MPXJ (an independent reader) and compare:

- every populated field of the project properties, tasks, resources and assignments (names,
  outline levels, durations, summary and milestone flags, constraints, percent complete, notes,
  baselines 0-10, custom fields, rates, ...), resources' cost rate tables, availability and
  calendars;
- predecessor links (predecessor, type, lag);
- calendars: parent, working days and hours, exceptions (recurring ones included), work weeks;
- custom field definitions (aliases, lookup values).

Exits 1 if any file fails to convert or differs, 0 otherwise. Needs `pip install mpxj JPype1` and
Java 17.

    tools/mspdi/mpxj_compare.py [--convert 'pso convert'] DIR...
"""

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time


def start_jvm():
    import jpype
    import mpxj  # noqa: F401  (puts MPXJ's jars on the class path)

    if not jpype.isJVMStarted():
        jpype.startJVM("-Xmx4g")


def s(v):
    """A comparable text for a Java value."""
    if v is None:
        return None
    return str(v)


def fields_of(obj, fields):
    out = {}
    for f in fields:
        v = obj.get(f)
        if v is None:
            continue
        out[str(f)] = s(v)
    return out


def calendar_summary(c):
    from java.time import DayOfWeek

    d = {
        "uid": s(c.getUniqueID()),
        "name": s(c.getName()),
        "parent": s(c.getParent().getUniqueID()) if c.getParent() is not None else None,
    }
    for day in DayOfWeek.values():
        hours = c.getCalendarHours(day)
        d["day " + str(day)] = (
            s(c.getCalendarDayType(day)),
            [s(r) for r in hours] if hours is not None else None,
        )
    d["exceptions"] = sorted(
        (
            s(e.getFromDate()),
            s(e.getToDate()),
            s(e.getName()),
            bool(e.getWorking()),
            tuple(s(r) for r in e),
            s(e.getRecurring()),
        )
        for e in c.getCalendarExceptions()
    )
    d["work_weeks"] = [
        (
            s(w.getName()),
            s(w.getDateRange()),
            tuple(
                (s(w.getCalendarDayType(day)), tuple(s(r) for r in (w.getCalendarHours(day) or [])))
                for day in DayOfWeek.values()
            ),
        )
        for w in c.getWorkWeeks()
    ]
    return d


def summarise(path):
    from org.mpxj import FieldTypeClass
    from org.mpxj.reader import UniversalProjectReader

    p = UniversalProjectReader().read(path)
    if p is None:
        raise RuntimeError("MPXJ could not read the file")
    populated = list(p.getPopulatedFields())
    by_class = {}
    for f in populated:
        by_class.setdefault(str(f.getFieldTypeClass()), []).append(f)
    # Fields that hold MPXJ objects whose text includes identity, or are derived from others
    # MPXJ computes at read time: compared elsewhere (links) or not at all.
    skip = {"PREDECESSORS", "SUCCESSORS", "PARENT_TASK", "RESOURCE_ASSIGNMENTS"}
    task_fields = [f for f in by_class.get(str(FieldTypeClass.TASK), []) if str(f) not in skip]
    res_fields = [f for f in by_class.get(str(FieldTypeClass.RESOURCE), []) if str(f) not in skip]
    asg_fields = [
        f for f in by_class.get(str(FieldTypeClass.ASSIGNMENT), []) if str(f) not in skip
    ]
    proj_fields = by_class.get(str(FieldTypeClass.PROJECT), [])

    out = {"project": fields_of(p.getProjectProperties(), proj_fields)}
    for skipped in ("FILE_APPLICATION", "FILE_TYPE", "PROJECT_FILE_PATH", "LAST_SAVED"):
        out["project"].pop(skipped, None)
    tasks = {}
    for t in p.getTasks():
        d = fields_of(t, task_fields)
        d["links"] = sorted(
            (s(r.getPredecessorTask().getUniqueID()), s(r.getType()), s(r.getLag()))
            for r in t.getPredecessors()
        )
        d["parent"] = s(t.getParentTask().getUniqueID()) if t.getParentTask() is not None else None
        tasks[s(t.getUniqueID())] = d
    out["tasks"] = tasks
    resources = {}
    for r in p.getResources():
        d = fields_of(r, res_fields)
        d["cost_rate_tables"] = [
            [s(e) for e in (r.getCostRateTable(i) or [])] for i in range(5)
        ]
        d["availability"] = [s(a) for a in (r.getAvailability() or [])]
        d["calendar"] = s(r.getCalendar().getUniqueID()) if r.getCalendar() is not None else None
        resources[s(r.getUniqueID())] = d
    out["resources"] = resources
    out["assignments"] = {
        s(a.getUniqueID()) or f"{a.getTaskUniqueID()}/{a.getResourceUniqueID()}": fields_of(a, asg_fields)
        for a in p.getResourceAssignments()
    }
    out["calendars"] = {s(c.getUniqueID()): calendar_summary(c) for c in p.getCalendars()}
    out["custom_fields"] = sorted(
        (
            s(cf.getFieldType()),
            s(cf.getAlias()),
            tuple(sorted(s(v.getValue()) for v in cf.getLookupTable())),
        )
        for cf in p.getCustomFields()
    )
    return out


def diff(a, b, path, out, limit=20):
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}/{k}: only in output: {b[k]!r:.200}")
            elif k not in b:
                out.append(f"{path}/{k}: only in input: {a[k]!r:.200}")
            else:
                diff(a[k], b[k], f"{path}/{k}", out, limit)
    elif a != b:
        out.append(f"{path}: {a!r:.200} != {b!r:.200}")


def find_files(dirs):
    files = []
    for d in dirs:
        if os.path.isfile(d):
            files.append(d)
            continue
        for root, _, names in os.walk(d):
            files.extend(os.path.join(root, n) for n in names if n.endswith(".xml"))
    return sorted(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", help="directories (or files) of MSPDI files")
    ap.add_argument("--convert", default="pso convert", help="converter command taking IN OUT")
    args = ap.parse_args()

    files = find_files(args.dirs)
    if not files:
        print("no .xml files found", file=sys.stderr)
        return 1
    start_jvm()
    convert = shlex.split(args.convert)
    failed = 0
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for i, f in enumerate(files):
            out_path = os.path.join(tmp, f"{i}.xml")
            r = subprocess.run(convert + [f, out_path], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL {f}: convert exited {r.returncode}: {r.stderr.strip()}")
                failed += 1
                continue
            try:
                a = summarise(f)
                b = summarise(out_path)
            except Exception as e:  # a Java exception from MPXJ
                print(f"FAIL {f}: MPXJ: {e}")
                failed += 1
                continue
            problems = []
            diff(a, b, "", problems)
            if problems:
                failed += 1
                print(f"FAIL {f}:")
                for p in problems:
                    print("    " + p)
            else:
                n = len(a["tasks"])
                print(f"ok   {f} ({n} tasks, {len(a['resources'])} resources, "
                      f"{len(a['assignments'])} assignments, {len(a['calendars'])} calendars)")
    passed = len(files) - failed
    print(f"compared {len(files)} files in {time.time() - t0:.0f} s")
    print(f"mpxj_compare: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
