#!/usr/bin/env python3
"""Compare the engine's view of every MSPDI calendar with MPXJ's, day by day.

For each file, for each calendar, the working minutes of every day over the exceptions' span
(and a year from the project start) must be the same in PSO (`mspdi_calendar` example: base
calendars, derived calendars, weekday hours, exceptions, recurring exceptions, work weeks) and in
MPXJ (`ProjectCalendar.getWork(date, MINUTES)`). Exits 1 on any difference.

    tools/mspdi/calendar_check.py --calendar target/release/examples/mspdi_calendar DIR...
"""

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = "{http://schemas.microsoft.com/project}"
MAX_DAYS = 3 * 366


def undefined_calendars(root):
    """Calendars that define no working week and derive from no calendar of the file. PSO gives
    them MS Project's standard week (the files' tasks sit on weekdays); MPXJ gives them no
    working time at all. They are reported, not compared."""
    uids = {c.findtext(NS + "UID") for c in root.iter(NS + "Calendar")}
    out = set()
    for c in root.iter(NS + "Calendar"):
        days = [d for d in c.iter(NS + "WeekDay") if (d.findtext(NS + "DayType") or "0") != "0"]
        base = c.findtext(NS + "BaseCalendarUID")
        if not days and base not in uids:
            out.add(c.findtext(NS + "UID"))
    return out


def span(path):
    root = ET.parse(path).getroot()
    start = (root.findtext(NS + "StartDate") or "2020-01-01")[:10]
    lo = hi = dt.date.fromisoformat(start)
    hi = lo + dt.timedelta(days=365)
    for tp in root.iter(NS + "TimePeriod"):
        for tag in ("FromDate", "ToDate"):
            v = tp.findtext(NS + tag)
            if v:
                d = dt.date.fromisoformat(v[:10])
                lo, hi = min(lo, d), max(hi, d)
    if (hi - lo).days > MAX_DAYS:
        hi = lo + dt.timedelta(days=MAX_DAYS)
    return lo, hi


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--calendar", required=True, help="the mspdi_calendar example")
    a = ap.parse_args()
    import jpype
    import mpxj  # noqa: F401

    jpype.startJVM()
    from java.time import LocalDate
    from org.mpxj import TimeUnit
    from org.mpxj.reader import UniversalProjectReader

    files = []
    for d in a.dirs:
        for r, _, names in os.walk(d):
            files.extend(os.path.join(r, n) for n in names if n.endswith(".xml"))
    failed = passed = 0
    for f in sorted(files):
        lo, hi = span(f)
        r = subprocess.run(shlex.split(a.calendar) + [f, lo.isoformat(), hi.isoformat()],
                           capture_output=True, text=True)
        if r.returncode:
            print(f"FAIL {f}: {r.stderr.strip()}")
            failed += 1
            continue
        ours = json.loads(r.stdout)
        p = UniversalProjectReader().read(f)
        undefined = undefined_calendars(ET.parse(f).getroot())
        diffs = []
        for c in p.getCalendars():
            uid = str(c.getUniqueID())
            if uid not in ours:
                continue
            if uid in undefined:
                print(f"note {f}: calendar {uid} {c.getName()} defines no week: standard week in PSO, none in MPXJ")
                continue
            for day, minutes in ours[uid].items():
                d = dt.date.fromisoformat(day)
                w = c.getWork(LocalDate.of(d.year, d.month, d.day), TimeUnit.MINUTES)
                theirs = round(float(w.getDuration())) if w is not None else 0
                if theirs != minutes:
                    diffs.append(f"calendar {uid} {c.getName()} {day}: ours {minutes} min, MPXJ {theirs} min")
        if diffs:
            failed += 1
            print(f"FAIL {f}: {len(diffs)} days differ")
            for x in diffs[:5]:
                print("    " + x)
        else:
            passed += 1
    print(f"calendar_check: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
