//! Network scheduling: critical path, resource leveling, float, explanations.
//!
//! # How it works
//!
//! 1. **Network.** Tasks are resolved by id; groups (tasks that are someone's parent)
//!    carry no work. Dependencies on groups go through *gates*, zero-length nodes that
//!    keep the graph linear in size: a dependency *into* a group constrains a gate that
//!    precedes every leaf below it (a group's predecessors constrain all its children);
//!    a dependency *from* a group leaves a gate that follows every leaf below it (FS/FF
//!    wait for the group's last finish; SS/SF conservatively for its last start).
//! 2. **Durations.** A leaf's working time is counted in its effective calendar: the
//!    intersection of its own calendar (or the default) and those of its resources. An
//!    effort task with `k` resources takes `ceil(effort / k)` working minutes.
//! 3. **Serial schedule generation.** Nodes are placed one by one in a precedence-feasible
//!    order, each at its earliest start that satisfies dependencies (lags in the default
//!    calendar), constraints and resource availability (per-resource step profiles).
//!    With splitting allowed an effort task takes its resources' free windows as they
//!    come. The order comes from priority rules — project priority, then task priority,
//!    then latest start, latest finish or earliest start from the critical-path pass — and
//!    from randomised latest-start orders; the best of the budget of schedules wins.
//! 4. **Backward pass.** Late dates against the finish, over dependencies *and* the
//!    resource hand-overs the leveling created (so a task waiting for a busy resource is
//!    on the critical chain), give total float; free float is the slack to successors.
//!
//! # Progress and a status date
//!
//! With [`Input::status_date`] and [`Task::progress`] the schedule is a tracking one, as
//! in MS Project with "split in-progress tasks":
//!
//! - A **finished** task keeps its actual start and finish: predecessors and constraints
//!   do not move it, it holds its resources from its actual start to its actual finish
//!   only, and it is never critical.
//! - A task **in progress** keeps its actual start; the work done lies from there (in
//!   its calendar) and is not rescheduled. Its remaining work (remaining duration, or
//!   remaining effort shared by its resources) is placed like a task of that length:
//!   from the status date (without one: right after the work done), after every
//!   dependency into the task (an unfinished predecessor pushes the rest), after its
//!   finish constraints (start constraints no longer bind a started task), with its
//!   resources leveled as usual — except that, among the tasks ready to be placed,
//!   started ones go first: work in progress keeps its resources, new work waits. Its
//!   finish is where the remaining work ends; a gap shows as two segments and
//!   [`TaskSchedule::remaining_start`] marks the rest, which `why`, `calendar_wait` and
//!   the float describe. Successors' SS/SF links do not bind an actual start, and a
//!   finished successor holds no predecessor back.
//! - A task **not started** starts no earlier than the status date (its `why` is then
//!   [`Why::ProjectStart`]), besides its dependencies and constraints.
//!
//! Float and the critical path are computed on the result as always, so an in-progress
//! task that slips moves its successors and becomes critical when it drives the finish.
//! Without a status date and without progress nothing changes.
//!
//! Every loop is bounded by the size of the input; no search runs without a budget.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use crate::calendar::{Calendar, Minute};
use crate::model::*;
use crate::rng::Rng;

/// Task priority points worth one working week of urgency (250: 100 points above the
/// default 500 make a task as urgent as one whose latest start is 2/5 of a week earlier).
/// A strict task-priority order would make a low-priority task wait for every other
/// ready task of the whole network in the serial scheme, and its successors with it.
const PRIORITY_POINTS_PER_WEEK: i64 = 250;

#[derive(Debug, Clone, Copy)]
struct Edge {
    from: usize,
    to: usize,
    kind: DepKind,
    lag: Minute,
    /// Explanation carried by the edge (`None` for structural gate edges).
    why: Option<Why>,
}

#[derive(Debug, Clone)]
struct Node {
    /// Input task (leaf) or the group a gate stands for.
    task: usize,
    gate: bool,
    cal: usize,
    dur: Minute,
    res: Vec<usize>,
    split: bool,
    /// Ordering key: (project priority, task priority), higher first.
    prio: (u32, u32),
    lower: Minute,
    lower_why: Why,
    /// Finished: its actual start and finish, where it stays.
    fixed: Option<(Minute, Minute)>,
    /// In progress: its actual start and the end of the work done (`dur` is then the
    /// remaining part's).
    done: Option<(Minute, Minute)>,
}

/// Resource usage as a step function, plus who released it when.
#[derive(Debug, Clone, Default)]
struct Timeline {
    cap: u32,
    steps: BTreeMap<Minute, u32>,
    ends: BTreeMap<Minute, usize>,
}

impl Timeline {
    fn usage_at(&self, t: Minute) -> u32 {
        self.steps.range(..=t).next_back().map_or(0, |(_, &u)| u)
    }

    /// Earliest `t' >= t` with a free unit.
    fn free_from(&self, t: Minute) -> Minute {
        if self.usage_at(t) < self.cap {
            return t;
        }
        for (&k, &u) in self.steps.range(t + 1..) {
            if u < self.cap {
                return k;
            }
        }
        Minute::MAX
    }

    /// Earliest `t' > t` where the resource is full (`t` itself must be free).
    fn busy_from(&self, t: Minute) -> Minute {
        for (&k, &u) in self.steps.range(t + 1..) {
            if u >= self.cap {
                return k;
            }
        }
        Minute::MAX
    }

    fn book(&mut self, s: Minute, e: Minute, node: usize) {
        if e <= s {
            return;
        }
        let us = self.usage_at(s);
        let ue = self.usage_at(e);
        self.steps.entry(s).or_insert(us);
        self.steps.entry(e).or_insert(ue);
        for (_, u) in self.steps.range_mut(s..e) {
            *u += 1;
        }
        self.ends.insert(e, node);
    }

    fn released_by(&self, t: Minute) -> Option<usize> {
        self.ends.range(..=t).next_back().map(|(_, &n)| n)
    }
}

/// One generated schedule.
#[derive(Debug, Clone)]
struct Pass {
    start: Vec<Minute>,
    /// Start of the part this pass scheduled: the start, or where the remaining work of a
    /// task in progress begins.
    rstart: Vec<Minute>,
    finish: Vec<Minute>,
    segments: Vec<Vec<(Minute, Minute)>>,
    why: Vec<Why>,
    bound: Vec<Minute>,
    /// Node that held a resource this node waited for.
    blocker: Vec<Option<usize>>,
    /// The order the nodes were placed in (precedence- and hand-over-feasible).
    order: Vec<usize>,
    makespan: Minute,
}

impl Pass {
    fn new(n: usize) -> Self {
        Pass {
            start: vec![0; n],
            rstart: vec![0; n],
            finish: vec![0; n],
            segments: vec![Vec::new(); n],
            why: vec![Why::ProjectStart; n],
            bound: vec![0; n],
            blocker: vec![None; n],
            order: Vec::new(),
            makespan: Minute::MIN,
        }
    }
}

struct Net<'a> {
    input: &'a Input,
    cals: Vec<Calendar>,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    inp: Vec<Vec<usize>>,
    out: Vec<Vec<usize>>,
    topo: Vec<usize>,
    /// Node of each leaf task (`None` for groups).
    node_of: Vec<Option<usize>>,
    is_group: Vec<bool>,
    children: Vec<Vec<usize>>,
    conflicts: Vec<Conflict>,
    caps: Vec<u32>,
}

fn never(id: &str) -> ScheduleError {
    ScheduleError::NeverWorks(id.to_string())
}

impl<'a> Net<'a> {
    fn build(input: &'a Input) -> Result<Self, ScheduleError> {
        let nt = input.tasks.len();
        if input.calendar >= input.calendars.len() {
            return Err(ScheduleError::BadIndex("the default calendar".into()));
        }
        let mut ids: HashMap<&str, usize> = HashMap::with_capacity(nt);
        for (i, t) in input.tasks.iter().enumerate() {
            if ids.insert(t.id.as_str(), i).is_some() {
                return Err(ScheduleError::DuplicateId(t.id.clone()));
            }
            if let Some(c) = t.calendar {
                if c >= input.calendars.len() {
                    return Err(ScheduleError::BadIndex(format!("task {:?}", t.id)));
                }
            }
            if !input.projects.is_empty() && t.project >= input.projects.len() {
                return Err(ScheduleError::BadIndex(format!("task {:?}", t.id)));
            }
        }
        let mut rids: HashMap<&str, usize> = HashMap::with_capacity(input.resources.len());
        for (i, r) in input.resources.iter().enumerate() {
            if rids.insert(r.id.as_str(), i).is_some() {
                return Err(ScheduleError::DuplicateId(r.id.clone()));
            }
            if let Some(c) = r.calendar {
                if c >= input.calendars.len() {
                    return Err(ScheduleError::BadIndex(format!("resource {:?}", r.id)));
                }
            }
        }
        // WBS.
        let mut parent = vec![None; nt];
        let mut children = vec![Vec::new(); nt];
        for (i, t) in input.tasks.iter().enumerate() {
            if let Some(p) = &t.parent {
                let pi = *ids
                    .get(p.as_str())
                    .ok_or_else(|| ScheduleError::UnknownTask {
                        task: t.id.clone(),
                        missing: p.clone(),
                    })?;
                parent[i] = Some(pi);
                children[pi].push(i);
            }
        }
        for i in 0..nt {
            let (mut p, mut steps) = (parent[i], 0);
            while let Some(q) = p {
                steps += 1;
                if q == i || steps > nt {
                    let mut cyc = vec![input.tasks[i].id.clone()];
                    let mut r = parent[i];
                    while let Some(x) = r {
                        if x == i || cyc.len() > nt {
                            break;
                        }
                        cyc.push(input.tasks[x].id.clone());
                        r = parent[x];
                    }
                    return Err(ScheduleError::ParentCycle(cyc));
                }
                p = parent[q];
            }
        }
        let is_group: Vec<bool> = children.iter().map(|c| !c.is_empty()).collect();

        let mut net = Net {
            input,
            cals: input.calendars.clone(),
            nodes: Vec::with_capacity(nt),
            edges: Vec::new(),
            inp: Vec::new(),
            out: Vec::new(),
            topo: Vec::new(),
            node_of: vec![None; nt],
            is_group,
            children,
            conflicts: Vec::new(),
            caps: input.resources.iter().map(|r| r.units).collect(),
        };
        let mut cal_cache: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
        for (i, t) in input.tasks.iter().enumerate() {
            if net.is_group[i] {
                continue;
            }
            let mut res = Vec::new();
            if !matches!(t.work, Work::Milestone) {
                for r in &t.resources {
                    let ri =
                        *rids
                            .get(r.as_str())
                            .ok_or_else(|| ScheduleError::UnknownResource {
                                task: t.id.clone(),
                                missing: r.clone(),
                            })?;
                    if input.resources[ri].units == 0 {
                        net.conflicts.push(Conflict::NoUnits {
                            task: i,
                            resource: ri,
                        });
                    } else if !res.contains(&ri) {
                        res.push(ri);
                    }
                }
            } else {
                for r in &t.resources {
                    if !rids.contains_key(r.as_str()) {
                        return Err(ScheduleError::UnknownResource {
                            task: t.id.clone(),
                            missing: r.clone(),
                        });
                    }
                }
            }
            let (dur, res) = match t.work {
                Work::Milestone => (0, Vec::new()),
                Work::Duration(d) => (d.max(0), res),
                Work::Effort(e) if res.is_empty() => (e.max(0), res),
                Work::Effort(e) => {
                    let k = res.len() as Minute;
                    ((e.max(0) + k - 1) / k, res)
                }
            };
            let own = t.calendar.unwrap_or(input.calendar);
            let mut key: Vec<usize> = if res.is_empty() || t.calendar.is_some() {
                vec![own]
            } else {
                Vec::new()
            };
            for &r in &res {
                key.push(input.resources[r].calendar.unwrap_or(input.calendar));
            }
            key.sort_unstable();
            key.dedup();
            let cal = if key.len() == 1 {
                key[0]
            } else if let Some(&c) = cal_cache.get(&key) {
                c
            } else {
                let mut c = net.cals[key[0]].clone();
                for &k in &key[1..] {
                    c = c.intersect(&net.cals[k]);
                }
                net.cals.push(c);
                cal_cache.insert(key, net.cals.len() - 1);
                net.cals.len() - 1
            };
            if dur > 0 && net.cals[cal].never_works() {
                return Err(never(&t.id));
            }
            let pstart = input
                .projects
                .get(t.project)
                .and_then(|p| p.start)
                .unwrap_or(input.start)
                .max(input.start);
            let pprio = input.projects.get(t.project).map_or(500, |p| p.priority);
            // Work not done starts no earlier than the status date.
            let (mut lower, mut lower_why) = (
                input.status_date.map_or(pstart, |d| d.max(pstart)),
                Why::ProjectStart,
            );
            let c = &net.cals[cal];
            let (mut dur, mut fixed, mut done) = (dur, None, None);
            match t.progress {
                Some(pr) if pr.actual_finish.is_some() || dur == 0 => {
                    let f = pr.actual_finish.unwrap_or(pr.actual_start);
                    fixed = Some((pr.actual_start, f.max(pr.actual_start)));
                    dur = 0;
                }
                Some(pr) => {
                    let rem = match t.work {
                        Work::Effort(_) if !res.is_empty() => {
                            let k = res.len() as Minute;
                            (pr.remaining.max(0) + k - 1) / k
                        }
                        _ => pr.remaining.max(0),
                    };
                    let worked = (dur - rem).max(0);
                    let stop = if worked == 0 {
                        pr.actual_start
                    } else {
                        c.add(pr.actual_start, worked).ok_or_else(|| never(&t.id))?
                    };
                    // From the status date; without one, right after the work done.
                    let resume = input.status_date.map_or(stop, |d| d.max(pr.actual_start));
                    done = Some((pr.actual_start, stop.min(resume)));
                    dur = rem;
                    lower = resume;
                }
                None => {}
            }
            // A started task keeps its start: only finish constraints bind its rest.
            let cb = match t.constraint {
                _ if fixed.is_some() => None,
                Constraint::Snet(x) | Constraint::Mso(x) if done.is_none() => Some(x),
                Constraint::Fnet(x) | Constraint::Mfo(x) => c.start_to_finish_after(x, dur),
                _ => None,
            };
            if let Some(b) = cb {
                if b > lower {
                    lower = b;
                    lower_why = Why::Constraint;
                }
            }
            net.node_of[i] = Some(net.nodes.len());
            net.nodes.push(Node {
                task: i,
                gate: false,
                cal,
                dur,
                res,
                split: false,
                prio: (pprio, t.priority),
                lower,
                lower_why,
                fixed,
                done,
            });
        }
        // Leaves below each group, gates on demand.
        let mut leaves_below: Vec<Option<Vec<usize>>> = vec![None; nt];
        let mut gates: BTreeMap<(usize, u8), usize> = BTreeMap::new();
        for (j, t) in input.tasks.iter().enumerate() {
            for d in &t.depends {
                let i = *ids
                    .get(d.task.as_str())
                    .ok_or_else(|| ScheduleError::UnknownTask {
                        task: t.id.clone(),
                        missing: d.task.clone(),
                    })?;
                let why = Why::Dependency {
                    task: i,
                    kind: d.kind,
                    lag: d.lag,
                    group: if net.is_group[j] { Some(j) } else { None },
                };
                let from = match net.node_of[i] {
                    Some(n) => n,
                    None => {
                        // From a group: FS/FF wait for all leaves' finishes, SS/SF for their starts.
                        let slot = if matches!(d.kind, DepKind::FS | DepKind::FF) {
                            0
                        } else {
                            1
                        };
                        net.gate(i, slot, &mut gates, &mut leaves_below)
                    }
                };
                let to = match net.node_of[j] {
                    Some(n) => n,
                    None => {
                        let slot = if matches!(d.kind, DepKind::FS | DepKind::SS) {
                            2
                        } else {
                            3
                        };
                        net.gate(j, slot, &mut gates, &mut leaves_below)
                    }
                };
                net.edges.push(Edge {
                    from,
                    to,
                    kind: d.kind,
                    lag: d.lag,
                    why: Some(why),
                });
            }
        }
        let n = net.nodes.len();
        net.inp = vec![Vec::new(); n];
        net.out = vec![Vec::new(); n];
        for (k, e) in net.edges.iter().enumerate() {
            net.out[e.from].push(k);
            net.inp[e.to].push(k);
        }
        net.topo = net.topological()?;
        Ok(net)
    }

    /// The gate of group `g`: slot 0 after all leaves' finishes, 1 after all leaves'
    /// starts, 2 before all leaves' starts, 3 before all leaves' finishes.
    fn gate(
        &mut self,
        g: usize,
        slot: u8,
        gates: &mut BTreeMap<(usize, u8), usize>,
        below: &mut [Option<Vec<usize>>],
    ) -> usize {
        if let Some(&n) = gates.get(&(g, slot)) {
            return n;
        }
        if below[g].is_none() {
            let mut v = Vec::new();
            let mut stack = vec![g];
            while let Some(x) = stack.pop() {
                for &c in &self.children[x] {
                    if let Some(n) = self.node_of[c] {
                        v.push(n);
                    } else {
                        stack.push(c);
                    }
                }
            }
            v.sort_unstable();
            below[g] = Some(v);
        }
        let node = self.nodes.len();
        self.nodes.push(Node {
            task: g,
            gate: true,
            cal: self.input.calendar,
            dur: 0,
            res: Vec::new(),
            split: false,
            prio: (0, 0),
            lower: self.input.start,
            lower_why: Why::ProjectStart,
            fixed: None,
            done: None,
        });
        let leaves = below[g].as_deref().unwrap_or(&[]);
        for &l in leaves {
            let (from, to, kind) = match slot {
                0 => (l, node, DepKind::FS),
                1 => (l, node, DepKind::SS),
                2 => (node, l, DepKind::SS),
                _ => (node, l, DepKind::FF),
            };
            self.edges.push(Edge {
                from,
                to,
                kind,
                lag: 0,
                why: None,
            });
        }
        gates.insert((g, slot), node);
        node
    }

    fn topological(&self) -> Result<Vec<usize>, ScheduleError> {
        let n = self.nodes.len();
        let mut indeg: Vec<usize> = self.inp.iter().map(|v| v.len()).collect();
        let mut stack: Vec<usize> = (0..n).rev().filter(|&j| indeg[j] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(j) = stack.pop() {
            order.push(j);
            for &e in self.out[j].iter().rev() {
                let s = self.edges[e].to;
                indeg[s] -= 1;
                if indeg[s] == 0 {
                    stack.push(s);
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        // Walk back along unfinished predecessors until a node repeats.
        let mut seen = vec![usize::MAX; n];
        let mut j = (0..n).find(|&j| indeg[j] > 0).unwrap_or(0);
        let mut path = Vec::new();
        while seen[j] == usize::MAX {
            seen[j] = path.len();
            path.push(j);
            j = self.inp[j]
                .iter()
                .map(|&e| self.edges[e].from)
                .find(|&p| indeg[p] > 0)
                .unwrap_or(j);
        }
        let mut cyc: Vec<String> = path[seen[j]..]
            .iter()
            .map(|&x| self.input.tasks[self.nodes[x].task].id.clone())
            .collect();
        cyc.reverse();
        cyc.dedup();
        Err(ScheduleError::Cycle(cyc))
    }

    fn lag_cal(&self) -> &Calendar {
        &self.cals[self.input.calendar]
    }

    /// The earliest start edge `e` allows its successor, given the predecessor's dates.
    fn edge_bound(&self, e: &Edge, ps: Minute, pf: Minute) -> Option<Minute> {
        let lc = self.lag_cal();
        let node = &self.nodes[e.to];
        match e.kind {
            DepKind::FS => lc.shift(pf, e.lag),
            DepKind::SS => lc.shift(ps, e.lag),
            // A milestone sits at the bound itself.
            DepKind::FF if node.dur == 0 => lc.shift(pf, e.lag),
            DepKind::SF if node.dur == 0 => lc.shift(ps, e.lag),
            // The finish must reach the bound in default-calendar working time.
            DepKind::FF => self.cals[node.cal]
                .start_to_finish_after(lc.end_of(lc.work_at(lc.shift(pf, e.lag)?))?, node.dur),
            DepKind::SF => self.cals[node.cal]
                .start_to_finish_after(lc.end_of(lc.work_at(lc.shift(ps, e.lag)?))?, node.dur),
        }
    }

    /// One serial-SGS pass over `order`.
    fn pass(&self, order: &[usize], level: bool, p: &mut Pass) -> Result<(), ScheduleError> {
        let mut lines: Vec<Timeline> = if level {
            self.caps
                .iter()
                .map(|&cap| Timeline {
                    cap,
                    ..Timeline::default()
                })
                .collect()
        } else {
            Vec::new()
        };
        p.makespan = Minute::MIN;
        p.order.clear();
        p.order.extend_from_slice(order);
        if level {
            // Work done holds its resources where it was done, before anything is placed.
            for (j, node) in self.nodes.iter().enumerate() {
                if let Some((s, e)) = node.fixed.or(node.done) {
                    for &r in &node.res {
                        lines[r].book(s, e, j);
                    }
                }
            }
        }
        for &j in order {
            let node = &self.nodes[j];
            let id = &self.input.tasks[node.task].id;
            p.blocker[j] = None;
            p.segments[j].clear();
            if let Some((s, f)) = node.fixed {
                (p.start[j], p.rstart[j], p.finish[j], p.bound[j]) = (s, s, f, s);
                p.why[j] = Why::Constraint;
                p.makespan = p.makespan.max(f);
                continue;
            }
            let (mut est, mut why) = (node.lower, node.lower_why);
            for &k in &self.inp[j] {
                let e = &self.edges[k];
                let b = self
                    .edge_bound(e, p.start[e.from], p.finish[e.from])
                    .ok_or_else(|| never(id))?;
                if b > est {
                    est = b;
                    why = match e.why {
                        Some(w) => w,
                        None => p.why[e.from],
                    };
                }
            }
            p.bound[j] = est;
            p.why[j] = why;
            let cal = &self.cals[node.cal];
            if node.dur == 0 {
                p.start[j] = est;
                p.finish[j] = est;
            } else if !level || node.res.is_empty() {
                let s = cal.next_working(est).ok_or_else(|| never(id))?;
                p.start[j] = s;
                p.finish[j] = cal.add(s, node.dur).ok_or_else(|| never(id))?;
            } else {
                self.place(j, est, &mut lines, p).ok_or_else(|| never(id))?;
            }
            p.rstart[j] = p.start[j];
            if let Some((a, d)) = node.done {
                // The work done, then the remaining part (a gap only in working time).
                let mut segs = if d > a { vec![(a, d)] } else { Vec::new() };
                let rest = if p.segments[j].is_empty() {
                    vec![(p.start[j], p.finish[j])]
                } else {
                    std::mem::take(&mut p.segments[j])
                };
                for (s, e) in rest.into_iter().filter(|&(s, e)| e > s) {
                    match segs.last_mut() {
                        Some(last) if cal.work_between(last.1, s) == 0 => last.1 = e,
                        _ => segs.push((s, e)),
                    }
                }
                p.start[j] = a;
                p.finish[j] = p.finish[j].max(d);
                p.segments[j] = if segs.len() > 1 { segs } else { Vec::new() };
            }
            if !node.gate {
                p.makespan = p.makespan.max(p.finish[j]);
            }
        }
        if p.makespan == Minute::MIN {
            p.makespan = self.input.start;
        }
        Ok(())
    }

    /// Place a resourced node at its earliest resource-feasible time (`None`: the
    /// calendar runs out).
    fn place(&self, j: usize, est: Minute, lines: &mut [Timeline], p: &mut Pass) -> Option<()> {
        let node = &self.nodes[j];
        let cal = &self.cals[node.cal];
        let split = node.split;
        let mut t = cal.next_working(est)?;
        let first = t;
        let mut remaining = node.dur;
        let mut segs: Vec<(Minute, Minute)> = Vec::new();
        let mut waited: Option<(usize, Minute)> = None;
        // Each round either books or moves `t` past a booking, so rounds are bounded.
        loop {
            let mut t2 = t;
            let mut who = None;
            for &r in &node.res {
                let f = lines[r].free_from(t);
                if f > t2 {
                    t2 = f;
                    who = Some(r);
                }
            }
            if t2 == Minute::MAX {
                return None;
            }
            if t2 > t {
                if segs.is_empty() {
                    waited = who.map(|r| (r, t2));
                }
                t = cal.next_working(t2)?;
                continue;
            }
            let busy = node
                .res
                .iter()
                .map(|&r| lines[r].busy_from(t))
                .min()
                .unwrap_or(Minute::MAX);
            let f = cal.add(t, remaining)?;
            if f <= busy {
                segs.push((t, f));
                break;
            }
            if split {
                let take = cal.work_between(t, busy);
                if take > 0 {
                    let e = cal.add(t, take)?;
                    segs.push((t, e));
                    remaining -= take;
                }
            }
            t = cal.next_working(busy)?;
        }
        for &(s, e) in &segs {
            for &r in &node.res {
                lines[r].book(s, e, j);
            }
        }
        p.start[j] = segs[0].0;
        p.finish[j] = segs[segs.len() - 1].1;
        if p.start[j] > first {
            if let Some((r, at)) = waited {
                let by = lines[r].released_by(at).filter(|&b| b != j);
                p.blocker[j] = by;
                p.why[j] = Why::Resource {
                    resource: r,
                    task: by.map(|b| self.nodes[b].task),
                };
            }
        }
        if segs.len() > 1 {
            p.segments[j] = segs;
        }
        Some(())
    }

    /// A precedence-feasible order: among the ready nodes, started tasks first (work in
    /// progress keeps its resources; new work waits), then the highest project priority,
    /// then the smallest `value` less the task-priority bias.
    fn order_by(&self, value: &[i64]) -> Vec<usize> {
        let n = self.nodes.len();
        let mut indeg: Vec<usize> = self.inp.iter().map(|v| v.len()).collect();
        // Project priority is strict; task priority moves a task's urgency forward by
        // `weight` working minutes per point above 500 (back for points below).
        let weight = (self.lag_cal().week_minutes() / PRIORITY_POINTS_PER_WEEK).max(1);
        let key = |j: usize| {
            let node = &self.nodes[j];
            let bias = (node.prio.1 as i64 - 500) * weight;
            let new = node.done.is_none() && node.fixed.is_none();
            Reverse((new, Reverse(node.prio.0), value[j] - bias, j))
        };
        let mut heap: BinaryHeap<_> = (0..n).filter(|&j| indeg[j] == 0).map(key).collect();
        let mut out = Vec::with_capacity(n);
        while let Some(Reverse((_, _, _, j))) = heap.pop() {
            out.push(j);
            for &e in &self.out[j] {
                let s = self.edges[e].to;
                indeg[s] -= 1;
                if indeg[s] == 0 {
                    heap.push(key(s));
                }
            }
        }
        out
    }

    /// Late start and finish of every node against `finish`, over dependencies and the
    /// resource hand-overs in `p`; durations are the spans `p` gave.
    fn backward(&self, p: &Pass, finish: Minute) -> Option<(Vec<Minute>, Vec<Minute>)> {
        let n = self.nodes.len();
        let lc = self.lag_cal();
        let mut ls = vec![Minute::MAX; n];
        let mut lf = vec![Minute::MAX; n];
        let mut res_succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        for j in 0..n {
            if let Some(b) = p.blocker[j] {
                res_succ[b].push(j);
            }
        }
        for &i in p.order.iter().rev() {
            let node = &self.nodes[i];
            let cal = &self.cals[node.cal];
            let span = cal.work_between(p.rstart[i], p.finish[i]);
            let mut f = if node.gate { Minute::MAX } else { finish };
            let mut s = Minute::MAX;
            let started = node.fixed.is_some() || node.done.is_some();
            for &k in &self.out[i] {
                let e = &self.edges[k];
                let (sj, fj) = (ls[e.to], lf[e.to]);
                // A finished successor does not wait for anything; an actual start does
                // not move for a successor.
                if self.nodes[e.to].fixed.is_some()
                    || (started && matches!(e.kind, DepKind::SS | DepKind::SF))
                {
                    continue;
                }
                match e.kind {
                    DepKind::FS => f = f.min(lc.unshift(sj, e.lag)?),
                    DepKind::FF => f = f.min(lc.unshift(fj, e.lag)?),
                    DepKind::SS => s = s.min(lc.unshift(sj, e.lag)?),
                    DepKind::SF => s = s.min(lc.unshift(fj, e.lag)?),
                }
            }
            for &j in &res_succ[i] {
                f = f.min(ls[j]);
            }
            if f == Minute::MAX && s == Minute::MAX {
                f = finish;
            }
            if f != Minute::MAX {
                s = s.min(cal.sub(f, span)?);
            }
            // Never earlier than scheduled: late dates bound the actual ones.
            s = s.max(p.rstart[i]);
            ls[i] = s;
            lf[i] = if span == 0 { s } else { cal.add(s, span)? }.max(p.finish[i]);
        }
        Some((ls, lf))
    }
}

/// Schedule `input`: critical path, then (when `opts.level`) resource leveling, float
/// and an explanation for every task.
///
/// Leveling runs the serial schedule generation scheme over priority-rule orders
/// (project priority strict; then latest start, latest finish, earliest start of the
/// critical-path pass, each biased by task priority) and then randomised latest-start
/// orders from `opts.seed`, keeping the shortest schedule, for at most `opts.schedules`
/// schedules and stopping early at the lower bound (critical-path finish, resource
/// loads). Dependencies on groups go through zero-length gates: a group's predecessors
/// hold back every leaf below it, a group's successors wait for its last leaf.
///
/// Errors are input mistakes ([`ScheduleError`]); missed date constraints and resources
/// without units do not stop the run and are listed in [`Schedule::conflicts`].
pub fn schedule(input: &Input, opts: &Options) -> Result<Schedule, ScheduleError> {
    let mut net = Net::build(input)?;
    for node in &mut net.nodes {
        node.split = opts.allow_splits && !node.res.is_empty() && {
            matches!(input.tasks[node.task].work, Work::Effort(_))
        };
    }
    let n = net.nodes.len();
    // Critical-path pass (resources ignored) and its late dates.
    let mut cpm = Pass::new(n);
    net.pass(&net.topo, false, &mut cpm)?;
    let first_task = input.tasks.first().map_or("", |t| t.id.as_str());
    let (cls, clf) = net
        .backward(&cpm, cpm.makespan)
        .ok_or_else(|| never(first_task))?;
    let lc = net.lag_cal();
    let mut best = cpm;
    let mut generated = 1u32;
    let has_resources = net.nodes.iter().any(|x| !x.res.is_empty());
    if opts.level && has_resources {
        let lst: Vec<i64> = cls.iter().map(|&t| lc.work_at(t)).collect();
        let lft: Vec<i64> = clf.iter().map(|&t| lc.work_at(t)).collect();
        let est: Vec<i64> = best.rstart.iter().map(|&t| lc.work_at(t)).collect();
        let budget = opts.schedules.max(1);
        // Resource bound: no schedule ends before every resource has done its load.
        let mut load = vec![0 as Minute; input.resources.len()];
        for node in &net.nodes {
            for &r in &node.res {
                load[r] += node.dur;
            }
        }
        let mut bound = best.makespan;
        for (r, &l) in load.iter().enumerate() {
            let cap = Minute::from(net.caps[r].max(1));
            let cal = &net.cals[input.resources[r].calendar.unwrap_or(input.calendar)];
            // Work not done starts at the status date at the earliest.
            let from = input
                .status_date
                .map_or(input.start, |d| d.max(input.start));
            if let Some(t) = cal.add(from, (l + cap - 1) / cap) {
                bound = bound.max(t);
            }
        }
        let mut rng = Rng::new(opts.seed);
        let mut cur = Pass::new(n);
        let mut best_l: Option<Pass> = None;
        let spread = {
            let total: i64 = net.nodes.iter().map(|x| x.dur).sum();
            (total / n.max(1) as i64).max(1) * 2
        };
        for k in 0..budget {
            let order = match k {
                0 => net.order_by(&lst),
                1 => net.order_by(&lft),
                2 => net.order_by(&est),
                _ => {
                    let v: Vec<i64> = lst
                        .iter()
                        .map(|&x| x + (rng.unit() * spread as f64) as i64)
                        .collect();
                    net.order_by(&v)
                }
            };
            net.pass(&order, true, &mut cur)?;
            generated = k + 1;
            if best_l.as_ref().is_none_or(|b| cur.makespan < b.makespan) {
                let old = best_l.replace(cur);
                cur = old.unwrap_or_else(|| Pass::new(n));
            }
            // Critical path and resource loads bound the finish: nothing to gain beyond.
            if best_l.as_ref().is_some_and(|b| b.makespan <= bound) {
                break;
            }
        }
        if let Some(b) = best_l {
            best = b;
        }
    }
    let finish = best.makespan;
    // ALAP: resource-free tasks move as late as their successors allow, latest first.
    let alap: Vec<usize> = net
        .topo
        .iter()
        .rev()
        .copied()
        .filter(|&j| {
            let node = &net.nodes[j];
            !node.gate
                && node.fixed.is_none()
                && node.done.is_none()
                && node.res.is_empty()
                && input.tasks[node.task].constraint == Constraint::Alap
        })
        .collect();
    if !alap.is_empty() {
        for &i in &alap {
            let node = &net.nodes[i];
            let cal = &net.cals[node.cal];
            let mut f = finish;
            let mut s = Minute::MAX;
            for &k in &net.out[i] {
                let e = &net.edges[k];
                let (sj, fj) = (best.rstart[e.to], best.finish[e.to]);
                let x = match e.kind {
                    DepKind::FS => lc.unshift(sj, e.lag),
                    DepKind::FF => lc.unshift(fj, e.lag),
                    DepKind::SS => lc.unshift(sj, e.lag),
                    DepKind::SF => lc.unshift(fj, e.lag),
                }
                .ok_or_else(|| never(&input.tasks[node.task].id))?;
                if matches!(e.kind, DepKind::FS | DepKind::FF) {
                    f = f.min(x);
                } else {
                    s = s.min(x);
                }
            }
            let late = s.min(cal.sub(f, node.dur).unwrap_or(best.start[i]));
            if late > best.start[i] {
                best.start[i] = late;
                best.rstart[i] = late;
                best.finish[i] = cal.add(late, node.dur).unwrap_or(late);
                best.why[i] = Why::Constraint;
            }
        }
    }
    let (ls, _lf) = net
        .backward(&best, finish)
        .ok_or_else(|| never(first_task))?;

    // Per node: total and free float in default-calendar working minutes.
    let mut tf = vec![0; n];
    let mut ff = vec![0; n];
    for j in 0..n {
        tf[j] = lc.work_between(best.rstart[j], ls[j]).max(0);
        let mut free = lc.work_between(best.finish[j], finish).max(0);
        for &k in &net.out[j] {
            let e = &net.edges[k];
            if net.nodes[e.to].fixed.is_some() {
                continue;
            }
            if let Some(b) = net.edge_bound(e, best.start[j], best.finish[j]) {
                free = free.min(lc.work_between(b, best.rstart[e.to]).max(0));
            }
        }
        ff[j] = free.min(tf[j]);
    }
    let mut conflicts = net.conflicts.clone();
    let mut tasks: Vec<TaskSchedule> = Vec::with_capacity(input.tasks.len());
    for (i, t) in input.tasks.iter().enumerate() {
        match net.node_of[i] {
            Some(j) => {
                let (s, f) = (best.start[j], best.finish[j]);
                let missed = match t.constraint {
                    Constraint::Snlt(x) => s > x,
                    Constraint::Fnlt(x) => f > x,
                    Constraint::Mso(x) => s != x,
                    Constraint::Mfo(x) => f != x,
                    _ => false,
                };
                if missed {
                    conflicts.push(Conflict::ConstraintMissed {
                        task: i,
                        constraint: t.constraint,
                    });
                }
                tasks.push(TaskSchedule {
                    start: s,
                    finish: f,
                    segments: best.segments[j].clone(),
                    total_float: tf[j],
                    free_float: ff[j],
                    // Finished work is never critical.
                    critical: tf[j] == 0 && net.nodes[j].fixed.is_none(),
                    group: false,
                    why: best.why[j],
                    calendar_wait: if matches!(best.why[j], Why::Resource { .. }) {
                        0
                    } else {
                        (best.rstart[j] - best.bound[j]).max(0)
                    },
                    remaining_start: net.nodes[j].done.map(|_| best.rstart[j]),
                });
            }
            None => tasks.push(TaskSchedule {
                start: Minute::MAX,
                finish: Minute::MIN,
                segments: Vec::new(),
                total_float: Minute::MAX,
                free_float: Minute::MAX,
                critical: false,
                group: true,
                why: Why::Group,
                calendar_wait: 0,
                remaining_start: None,
            }),
        }
    }
    // Groups span their children: post-order over the WBS.
    let mut post: Vec<usize> = Vec::with_capacity(input.tasks.len());
    {
        // Post-order over the WBS, iteratively.
        let roots: Vec<usize> = (0..input.tasks.len())
            .filter(|&i| input.tasks[i].parent.is_none())
            .collect();
        let mut stack: Vec<(usize, bool)> = roots.into_iter().rev().map(|r| (r, false)).collect();
        while let Some((x, done)) = stack.pop() {
            if done {
                post.push(x);
            } else {
                stack.push((x, true));
                for &c in net.children[x].iter().rev() {
                    stack.push((c, false));
                }
            }
        }
    }
    for &g in &post {
        if !net.is_group[g] {
            continue;
        }
        let (mut s, mut f, mut tfm, mut ffm) = (Minute::MAX, Minute::MIN, Minute::MAX, Minute::MAX);
        for &c in &net.children[g] {
            let cs = &tasks[c];
            if cs.start <= cs.finish {
                s = s.min(cs.start);
                f = f.max(cs.finish);
                tfm = tfm.min(cs.total_float);
                ffm = ffm.min(cs.free_float);
            }
        }
        let ts = &mut tasks[g];
        if s <= f {
            ts.start = s;
            ts.finish = f;
            ts.total_float = tfm;
            ts.free_float = ffm;
            ts.critical = tfm == 0;
        } else {
            ts.start = input.start;
            ts.finish = input.start;
            ts.total_float = 0;
            ts.free_float = 0;
        }
    }
    Ok(Schedule {
        tasks,
        finish,
        conflicts,
        schedules: generated,
    })
}
