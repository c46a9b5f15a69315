#!/usr/bin/env python3
"""Benchmarks of PSO's scheduling engine, run through the `pso` binary.

  bench.py psplib   [--pso PATH] [--schedules N] [--seed S] [SET...]
      Every instance of each SET (default: j30 j120-sample under
      ../shared/data/psplib beside the repository, or $PSO_SHARED/data/psplib) through `pso schedule psplib`; every output checked
      with shared/bench/check_psplib.py; prints the mean deviation from the best
      known makespan and from the critical-path lower bound (reference.csv), and
      the slowest instance's wall and CPU time.

  bench.py projects [--pso PATH] [--sizes 500,2000,5000,10000] [--seeds 1,2,3]
                    [--cache DIR] [--no-tj3]
      Generates each project with shared/bench/gen_project.py, schedules it with
      `pso schedule project` (wall time, CPU time and peak memory from
      /usr/bin/time), checks it with check_schedule.py, runs TaskJuggler (tj3) on
      the same project -- cached under --cache, so tj3 runs once per project --
      and prints the makespans side by side with their ratio (PSO / tj3).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("PSO_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
BENCH = os.path.join(SHARED, "bench")
DATA = os.path.join(SHARED, "data", "psplib")


def timed(cmd, stdout=None):
    """Run cmd under /usr/bin/time; return (returncode, wall s, cpu s, peak KB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + cmd
        r = subprocess.run(full, stdout=stdout, stderr=subprocess.PIPE)
        line = open(tf.name).read().split()
    wall, user, sys_, kb = float(line[-4]), float(line[-3]), float(line[-2]), int(line[-1])
    if r.returncode != 0:
        sys.stderr.write(r.stderr.decode(errors="replace"))
    return r.returncode, wall, user + sys_, kb


def psplib(a):
    ref = {r["instance"]: r for r in csv.DictReader(open(os.path.join(DATA, "reference.csv")))}
    out = tempfile.mkdtemp(prefix="pso-psplib-")
    for s in a.sets or ["j30", "j120-sample"]:
        files = sorted(f for f in os.listdir(os.path.join(DATA, s)) if f.endswith(".sm"))
        dev_best, dev_lb, bad, worst_wall, worst_cpu, hits = [], [], 0, 0.0, 0.0, 0
        for f in files:
            path = os.path.join(DATA, s, f)
            name = f[:-3]
            res = os.path.join(out, name + ".json")
            with open(res, "w") as fh:
                rc, wall, cpu, _ = timed([a.pso, "schedule", "psplib", path, "--schedules",
                                          str(a.schedules), "--seed", str(a.seed)], stdout=fh)
            worst_wall, worst_cpu = max(worst_wall, wall), max(worst_cpu, cpu)
            ok = rc == 0 and subprocess.run(["python3", os.path.join(BENCH, "check_psplib.py"), path, res],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
            if not ok:
                bad += 1
                print("INFEASIBLE or failed:", name)
                continue
            ms = json.load(open(res))["makespan"]
            best, lb = int(ref[name]["best_known_makespan"]), int(ref[name]["cpm_lb"])
            dev_best.append((ms - best) / best)
            dev_lb.append((ms - lb) / lb)
            hits += ms == best
        n = len(dev_best)
        print("%-12s instances %3d  checker failures %d  mean dev. from best known %.3f %%  "
              "mean dev. from CPM bound %.2f %%  best reached %d  slowest %.2f s wall / %.2f s CPU"
              % (s, len(files), bad, 100 * sum(dev_best) / max(n, 1), 100 * sum(dev_lb) / max(n, 1),
                 hits, worst_wall, worst_cpu))


def tj3_makespan(prefix, cache):
    """tj3's makespan (working days) for PREFIX.json/.tjp, cached in cache dir."""
    name = os.path.basename(prefix)
    cached = os.path.join(cache, name + ".tj3.json")
    if not os.path.exists(cached):
        t0 = time.time()
        r = subprocess.run(["tj3", "--no-color", name + ".tjp"], cwd=os.path.dirname(prefix),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.time() - t0
        if r.returncode != 0:
            sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
            return None, None
        conv = subprocess.run(["python3", os.path.join(BENCH, "tj3_schedule.py"), prefix + ".json",
                               prefix + "_sched.csv"], stdout=subprocess.PIPE, check=True)
        sched = json.loads(conv.stdout)
        json.dump({"makespan_working_days": sched["makespan_working_days"], "wall_s": wall},
                  open(cached, "w"))
    d = json.load(open(cached))
    return d["makespan_working_days"], d["wall_s"]


def projects(a):
    os.makedirs(a.cache, exist_ok=True)
    print("| tasks | seed | PSO makespan (d) | tj3 makespan (d) | ratio PSO/tj3 | PSO wall s | PSO CPU s | PSO peak MB | tj3 wall s | checker |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in [int(x) for x in a.sizes.split(",")]:
        for seed in [int(x) for x in a.seeds.split(",")]:
            prefix = os.path.join(a.cache, "p%d_s%d" % (n, seed))
            if not os.path.exists(prefix + ".json"):
                subprocess.run(["python3", os.path.join(BENCH, "gen_project.py"), "--tasks", str(n),
                                "--seed", str(seed), "--out", prefix], check=True, stdout=subprocess.DEVNULL)
            out = prefix + ".pso.json"
            rc, wall, cpu, kb = timed([a.pso, "schedule", "project", prefix + ".json", "--out", out])
            chk = subprocess.run(["python3", os.path.join(BENCH, "check_schedule.py"), prefix + ".json", out],
                                 stdout=subprocess.PIPE)
            verdict = "ok" if rc == 0 and chk.returncode == 0 else "FAIL " + chk.stdout.decode()[:200]
            mine = json.load(open(out))["makespan_working_days"] if rc == 0 else float("nan")
            theirs, tj3_wall = (None, None) if a.no_tj3 else tj3_makespan(prefix, a.cache)
            ratio = "%.4f" % (mine / theirs) if theirs else "-"
            print("| %d | %d | %.1f | %s | %s | %.2f | %.2f | %.0f | %s | %s |" % (
                n, seed, mine, "%.1f" % theirs if theirs else "-", ratio, wall, cpu, kb / 1024,
                "%.0f" % tj3_wall if tj3_wall else "-", verdict))
            sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("psplib")
    p.add_argument("--pso", default=os.path.join(ROOT, "target", "release", "pso"))
    p.add_argument("--schedules", type=int, default=5000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("sets", nargs="*")
    q = sub.add_parser("projects")
    q.add_argument("--pso", default=os.path.join(ROOT, "target", "release", "pso"))
    q.add_argument("--sizes", default="500,2000,5000,10000")
    q.add_argument("--seeds", default="1,2,3")
    q.add_argument("--cache", default="/tmp/pso-bench-schedule")
    q.add_argument("--no-tj3", action="store_true")
    a = ap.parse_args()
    psplib(a) if a.cmd == "psplib" else projects(a)


if __name__ == "__main__":
    main()
