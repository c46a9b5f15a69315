//! The classical resource-constrained project scheduling problem (RCPSP), as in PSPLIB.
//!
//! Integer durations, renewable resources with constant capacities, finish-to-start
//! precedence without lags; minimise the makespan. This is the benchmark on which
//! scheduling heuristics are compared (Kolisch & Hartmann 2006), so it is solved here
//! with what that literature shows works:
//!
//! - the **serial schedule generation scheme** (SGS) decodes an activity list into a
//!   schedule, forward (every job as early as possible) or on the reversed network
//!   (every job as late as possible);
//! - **justification** (Tormos & Lova 2001; Valls et al. 2005): a schedule is
//!   re-decoded in the other direction in order of its finish times, which never makes
//!   it longer; every individual of the search is a justified schedule;
//! - a **bi-population genetic algorithm** (after Debels & Vanhoucke's bi-population GA):
//!   a forward and a backward population; children of forward parents are decoded
//!   forward and justified backward into the backward population, and vice versa, so
//!   every child costs two schedules. Individuals are kept as their start times (the
//!   activity list is the order of starts). Each generation keeps a population's elite,
//!   adds fresh regret-biased samples on the latest-finish rule, and fills it with
//!   children of one elite and one other parent: biased uniform crossover on start-time
//!   keys (small instances) or Hartmann's two-point list crossover (large ones), then a
//!   precedence-keeping shift mutation. Duplicates (same schedule) are dropped, and a child
//!   decoding to a schedule already seen is not justified again;
//! - on large instances, children as good as the best so far are justified back and
//!   forth while that improves them.
//!
//! The budget counts generated schedules as in the Kolisch–Hartmann protocol: every SGS
//! pass, forward or backward, including justification passes, counts as one, and the
//! count never exceeds the budget. The search stops early at the critical-path bound.
//! It is deterministic for a seed.

use crate::rng::Rng;

/// One RCPSP instance. Jobs are numbered `0..n` (PSPLIB's job 1 is index 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Duration of each job (0 for dummies).
    pub durations: Vec<u32>,
    /// Direct successors of each job.
    pub successors: Vec<Vec<usize>>,
    /// `demands[j][r]`: units of resource `r` job `j` needs while it runs.
    pub demands: Vec<Vec<u32>>,
    /// Capacity of each renewable resource.
    pub capacities: Vec<u32>,
}

/// Search settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Upper bound on generated schedules (each SGS pass counts one). At least one is always made.
    pub schedules: u64,
    /// Seed of the random search.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            schedules: 5000,
            seed: 1,
        }
    }
}

/// The best schedule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Latest finish over all jobs.
    pub makespan: u32,
    /// Start of each job, in job order.
    pub starts: Vec<u32>,
    /// How many schedules were generated.
    pub schedules: u64,
    /// The critical-path lower bound (resources ignored).
    pub lower_bound: u32,
}

/// Why an instance cannot be solved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RcpspError {
    /// No jobs.
    #[error("the instance has no jobs")]
    Empty,
    /// The per-job vectors disagree in length or a demand row has the wrong width.
    #[error("inconsistent instance: {0}")]
    Shape(String),
    /// A successor index out of range.
    #[error("job {job} names successor {successor}, which does not exist")]
    UnknownSuccessor {
        /// 0-based job.
        job: usize,
        /// The bad successor index.
        successor: usize,
    },
    /// The precedence graph has a cycle; the jobs on it, in order.
    #[error("precedence cycle through jobs {0:?}")]
    Cycle(Vec<usize>),
    /// The sum of durations times the resources is beyond the discrete profile's size.
    #[error(
        "durations summing to {0} over {1} resources are too large for a time-indexed profile"
    )]
    TooLarge(usize, usize),
    /// A job needs more of a resource than exists.
    #[error("job {job} needs {demand} of resource {resource}, capacity is {capacity}")]
    OverCapacity {
        /// 0-based job.
        job: usize,
        /// 0-based resource.
        resource: usize,
        /// Its demand.
        demand: u32,
        /// The capacity.
        capacity: u32,
    },
}

/// Largest time-indexed resource profile (counters) a solve may allocate: 256 MiB.
const MAX_PROFILE: usize = 1 << 26;

/// Validated instance with the derived data every pass needs.
struct Net {
    n: usize,
    k: usize,
    dur: Vec<u32>,
    preds: Vec<Vec<usize>>,
    succs: Vec<Vec<usize>>,
    /// Non-zero demands of each job as (resource, units).
    req: Vec<Vec<(usize, u32)>>,
    caps: Vec<u32>,
    horizon: usize,
}

impl Net {
    fn reversed(&self) -> Net {
        Net {
            n: self.n,
            k: self.k,
            dur: self.dur.clone(),
            preds: self.succs.clone(),
            succs: self.preds.clone(),
            req: self.req.clone(),
            caps: self.caps.clone(),
            horizon: self.horizon,
        }
    }
}

fn validate(inst: &Instance) -> Result<Net, RcpspError> {
    let n = inst.durations.len();
    if n == 0 {
        return Err(RcpspError::Empty);
    }
    if inst.successors.len() != n || inst.demands.len() != n {
        return Err(RcpspError::Shape(format!(
            "{} durations, {} successor lists, {} demand rows",
            n,
            inst.successors.len(),
            inst.demands.len()
        )));
    }
    let k = inst.capacities.len();
    let mut preds = vec![Vec::new(); n];
    for (j, ss) in inst.successors.iter().enumerate() {
        for &s in ss {
            if s >= n {
                return Err(RcpspError::UnknownSuccessor {
                    job: j,
                    successor: s,
                });
            }
            preds[s].push(j);
        }
    }
    let mut req = Vec::with_capacity(n);
    for (j, row) in inst.demands.iter().enumerate() {
        if row.len() != k {
            return Err(RcpspError::Shape(format!(
                "job {j} has {} demands, {k} resources",
                row.len()
            )));
        }
        let mut r = Vec::new();
        for (ri, &q) in row.iter().enumerate() {
            if q > inst.capacities[ri] {
                return Err(RcpspError::OverCapacity {
                    job: j,
                    resource: ri,
                    demand: q,
                    capacity: inst.capacities[ri],
                });
            }
            if q > 0 && inst.durations[j] > 0 {
                r.push((ri, q));
            }
        }
        req.push(r);
    }
    let horizon = inst.durations.iter().map(|&d| d as usize).sum::<usize>() + 1;
    // The discrete profile holds horizon × resources counters; refuse what cannot fit.
    if horizon.saturating_mul(k.max(1)) > MAX_PROFILE {
        return Err(RcpspError::TooLarge(horizon, k));
    }
    let net = Net {
        n,
        k,
        dur: inst.durations.clone(),
        preds,
        succs: inst.successors.clone(),
        req,
        caps: inst.capacities.clone(),
        horizon,
    };
    topo_order(&net)?;
    Ok(net)
}

/// Kahn's algorithm (smallest index first); on a cycle, walks it to name its jobs.
fn topo_order(net: &Net) -> Result<Vec<usize>, RcpspError> {
    let mut indeg: Vec<usize> = net.preds.iter().map(|p| p.len()).collect();
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = (0..net.n)
        .filter(|&j| indeg[j] == 0)
        .map(std::cmp::Reverse)
        .collect();
    let mut order = Vec::with_capacity(net.n);
    while let Some(std::cmp::Reverse(j)) = ready.pop() {
        order.push(j);
        for &s in &net.succs[j] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                ready.push(std::cmp::Reverse(s));
            }
        }
    }
    if order.len() == net.n {
        return Ok(order);
    }
    // Every remaining job has a remaining predecessor: walk back until a job repeats.
    let mut seen = vec![usize::MAX; net.n];
    let mut j = (0..net.n).find(|&j| indeg[j] > 0).unwrap_or(0);
    let mut path = Vec::new();
    while seen[j] == usize::MAX {
        seen[j] = path.len();
        path.push(j);
        j = net.preds[j]
            .iter()
            .copied()
            .find(|&p| indeg[p] > 0)
            .unwrap_or(j);
    }
    let mut cycle = path[seen[j]..].to_vec();
    cycle.reverse();
    Err(RcpspError::Cycle(cycle))
}

/// Earliest starts ignoring resources.
fn earliest_starts(net: &Net, order: &[usize]) -> Vec<u32> {
    let mut es = vec![0u32; net.n];
    for &j in order {
        let f = es[j] + net.dur[j];
        for &s in &net.succs[j] {
            es[s] = es[s].max(f);
        }
    }
    es
}

/// The critical-path length (resources ignored): a lower bound on the makespan.
pub fn critical_path_length(inst: &Instance) -> Result<u32, RcpspError> {
    let net = validate(inst)?;
    let order = topo_order(&net)?;
    let es = earliest_starts(&net, &order);
    Ok((0..net.n).map(|j| es[j] + net.dur[j]).max().unwrap_or(0))
}

/// Resource profile over discrete time, time-major (`t * k + r`).
struct Profile {
    free: Vec<u32>,
    k: usize,
    caps: Vec<u32>,
    /// Times `< used` may have been touched since the last reset.
    used: usize,
}

impl Profile {
    fn new(net: &Net) -> Self {
        let mut free = Vec::with_capacity(net.horizon * net.k);
        for _ in 0..net.horizon {
            free.extend_from_slice(&net.caps);
        }
        Profile {
            free,
            k: net.k,
            caps: net.caps.clone(),
            used: 0,
        }
    }

    fn reset(&mut self) {
        for t in 0..self.used {
            let row = &mut self.free[t * self.k..(t + 1) * self.k];
            row.copy_from_slice(&self.caps);
        }
        self.used = 0;
    }
}

/// Serial SGS: schedule `list` (precedence-feasible) left-justified; returns the makespan.
fn serial_sgs(net: &Net, list: &[usize], prof: &mut Profile, starts: &mut [u32]) -> u32 {
    prof.reset();
    let k = net.k;
    let mut makespan = 0u32;
    for &j in list {
        let mut t = net.preds[j]
            .iter()
            .map(|&p| starts[p] + net.dur[p])
            .max()
            .unwrap_or(0) as usize;
        let d = net.dur[j] as usize;
        let req = &net.req[j];
        if d > 0 && !req.is_empty() {
            // Scan the window from its end: a conflict at τ moves the start past τ.
            'search: loop {
                let mut tau = t + d;
                while tau > t {
                    tau -= 1;
                    let row = &prof.free[tau * k..tau * k + k];
                    if req.iter().any(|&(r, q)| row[r] < q) {
                        t = tau + 1;
                        continue 'search;
                    }
                }
                break;
            }
            for tau in t..t + d {
                let row = &mut prof.free[tau * k..tau * k + k];
                for &(r, q) in req {
                    row[r] -= q;
                }
            }
            prof.used = prof.used.max(t + d);
        }
        starts[j] = t as u32;
        makespan = makespan.max((t + d) as u32);
    }
    makespan
}

/// Internal search settings, exposed for benchmarking variants; [`solve`] uses
/// [`Tuning::for_jobs`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Size of each population (at least 2).
    pub pop: usize,
    /// Crossover: 0 activity-list two-point, 1 random time window, 2 peak window
    /// (Valls et al. 2008), 3 biased uniform on start-time keys, 4 half 0 and half 3.
    pub xover: u8,
    /// Probability of swapping each adjacent pair of a child's list.
    pub mutation: f64,
    /// After the set passes, justify in pairs of passes while that improves.
    pub fbi_repeat: bool,
    /// Justification passes after each decoding: 2 (backward then forward, one
    /// population) or 1 (bi-population: children change direction).
    pub passes: u32,
    /// Drop a child whose first decoding was seen before (no justification spent on it).
    pub skip_seen: bool,
    /// Share of each population kept as elite, and the share of its parents drawn from.
    pub elite: f64,
    /// Share of fresh sampled individuals per generation.
    pub mutants: f64,
    /// Probability a child's key comes from the elite parent (crossover 3).
    pub rho: f64,
    /// Per-job probability of a shift move in a child's list.
    pub shift: f64,
    /// Exponent of the regret weights in biased sampling (0: uniform).
    pub bias: f64,
    /// Repeat justification while it improves on schedules as good as the best so far.
    pub polish: bool,
}

impl Tuning {
    /// The settings [`solve`] uses for an instance of `jobs` jobs (dummies included).
    ///
    /// Small instances (PSPLIB J30) do best with a larger population, a high share of
    /// fresh samples and uniform crossover on start-time keys; on large, tight ones
    /// (J120) the budget buys few generations, so a smaller population, fewer fresh
    /// samples and two-point crossover converge faster.
    pub fn for_jobs(jobs: usize) -> Self {
        let small = jobs <= 62;
        Tuning {
            pop: if small { 80 } else { 40 },
            xover: if small { 3 } else { 0 },
            mutation: 0.0,
            fbi_repeat: false,
            passes: 1,
            skip_seen: true,
            elite: 0.2,
            mutants: if small { 0.2 } else { 0.05 },
            rho: 0.7,
            shift: 0.03,
            bias: 1.0,
            polish: !small,
        }
    }
}

/// A justified (left-justified after a backward pass) schedule and its start order.
#[derive(Clone)]
struct Individual {
    /// Jobs in order of start (ties as the SGS placed them): decodes back to `starts`.
    list: Vec<usize>,
    starts: Vec<u32>,
    makespan: u32,
    hash: u64,
}

fn hash_starts(starts: &[u32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &s in starts {
        h ^= s as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Search state: the forward and reversed networks and scratch buffers.
struct Solver<'a> {
    /// `nets[0]` the instance, `nets[1]` its reverse (schedules built from the end).
    nets: [&'a Net; 2],
    prof: Profile,
    /// Start times of the last pass in each direction (in that direction's time).
    starts: [Vec<u32>; 2],
    keys: Vec<(u32, u32, usize)>,
    count: u64,
    budget: u64,
    best: u32,
    best_starts: Vec<u32>,
    /// Justification passes after each decoding (at least).
    passes: u32,
    fbi_repeat: bool,
    /// Repeat justification while it improves for schedules as good as the best.
    polish: bool,
    /// Hashes of schedules already decoded: a child decoding to one is dropped unjustified.
    seen: std::collections::BTreeSet<u64>,
    skip_seen: bool,
}

impl Solver<'_> {
    fn budget_left(&self) -> u64 {
        self.budget.saturating_sub(self.count)
    }

    /// One serial SGS pass in direction `d`; records the best forward schedule.
    fn decode(&mut self, d: usize, list: &[usize]) -> u32 {
        let net = self.nets[d];
        let ms = serial_sgs(net, list, &mut self.prof, &mut self.starts[d]);
        self.count += 1;
        if ms < self.best {
            self.best = ms;
            if d == 0 {
                self.best_starts.copy_from_slice(&self.starts[0]);
            } else {
                for j in 0..net.n {
                    self.best_starts[j] = ms - self.starts[1][j] - net.dur[j];
                }
            }
        }
        ms
    }

    /// Decode `list` in direction `d`, then justify the schedule in alternate directions:
    /// `passes`, then pairs more while they improve if `fbi_repeat`. The individual is the
    /// last schedule, in the direction of the last pass.
    fn evaluate(&mut self, d: usize, mut list: Vec<usize>) -> Option<Individual> {
        let mut ms = self.decode(d, &list);
        let h = hash_starts(&self.starts[d]) ^ d as u64;
        if !self.seen.insert(h) && self.skip_seen {
            return None;
        }
        let mut cur = d;
        let mut pass = 0;
        let mut checked = ms;
        while self.budget_left() >= 1 {
            // The next pass schedules by finish descending in the current direction's
            // time, i.e. by start ascending in the other's; ties keep the list's order reversed.
            let net = self.nets[cur];
            self.keys.clear();
            for (pos, &j) in list.iter().enumerate() {
                let f = self.starts[cur][j] + net.dur[j];
                self.keys.push((u32::MAX - f, u32::MAX - pos as u32, j));
            }
            self.keys.sort_unstable();
            for (slot, key) in list.iter_mut().zip(self.keys.iter()) {
                *slot = key.2;
            }
            cur = 1 - cur;
            let new = self.decode(cur, &list);
            pass += 1;
            ms = ms.min(new);
            // Stop after the set passes, or later pairs of passes (so the schedule ends in
            // the same direction) while they improve.
            if pass >= self.passes && (pass - self.passes).is_multiple_of(2) {
                let repeat = self.fbi_repeat || (self.polish && ms <= self.best);
                if !repeat || ms >= checked {
                    break;
                }
                checked = ms;
            }
        }
        // `self.starts[cur]` is the schedule `list` decodes to; order `list` by its starts.
        let starts = self.starts[cur].clone();
        let n = starts.len();
        let mut pos = vec![0u32; n];
        for (i, &j) in list.iter().enumerate() {
            pos[j] = i as u32;
        }
        list.sort_by_key(|&j| (starts[j], pos[j]));
        let hash = hash_starts(&starts) ^ cur as u64;
        self.seen.insert(hash);
        Some(Individual {
            hash,
            list,
            starts,
            makespan: ms,
        })
    }
}

/// Latest finish times from a backward pass against the critical-path length.
fn latest_finish(net: &Net, order: &[usize], cp: u32) -> Vec<u32> {
    let mut lf = vec![cp; net.n];
    for &j in order.iter().rev() {
        let ls = lf[j] - net.dur[j];
        for &p in &net.preds[j] {
            lf[p] = lf[p].min(ls);
        }
    }
    lf
}

/// Regret-based biased random sampling of a precedence-feasible list by a priority
/// value (smaller is better): P(j) ∝ (max_E v − v_j + 1)^2.
fn sample_list(net: &Net, value: &[u32], rng: &mut Rng, bias: f64) -> Vec<usize> {
    let mut out = Vec::with_capacity(net.n);
    let mut indeg: Vec<usize> = net.preds.iter().map(|p| p.len()).collect();
    let mut eligible: Vec<usize> = (0..net.n).filter(|&j| indeg[j] == 0).collect();
    let mut weights = Vec::new();
    while !eligible.is_empty() {
        let vmax = eligible.iter().map(|&j| value[j]).max().unwrap_or(0);
        weights.clear();
        let mut total = 0.0;
        for &j in &eligible {
            let w = ((vmax - value[j]) as f64 + 1.0).powf(bias);
            total += w;
            weights.push(w);
        }
        let mut x = rng.unit() * total;
        let mut pick = eligible.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                pick = i;
                break;
            }
            x -= w;
        }
        let j = eligible.swap_remove(pick);
        out.push(j);
        for &s in &net.succs[j] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                eligible.push(s);
            }
        }
    }
    out
}

/// The deterministic LFT list (ties by job index).
fn priority_list(net: &Net, value: &[u32]) -> Vec<usize> {
    let mut indeg: Vec<usize> = net.preds.iter().map(|p| p.len()).collect();
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<(u32, usize)>> = (0..net.n)
        .filter(|&j| indeg[j] == 0)
        .map(|j| std::cmp::Reverse((value[j], j)))
        .collect();
    let mut out = Vec::with_capacity(net.n);
    while let Some(std::cmp::Reverse((_, j))) = ready.pop() {
        out.push(j);
        for &s in &net.succs[j] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                ready.push(std::cmp::Reverse((value[s], s)));
            }
        }
    }
    out
}

/// Solve `inst` within `opts.schedules` generated schedules.
pub fn solve(inst: &Instance, opts: &Options) -> Result<Solution, RcpspError> {
    solve_tuned(inst, opts, &Tuning::for_jobs(inst.durations.len()))
}

/// [`solve`] with explicit internal settings (for benchmarking variants).
#[doc(hidden)]
pub fn solve_tuned(inst: &Instance, opts: &Options, tun: &Tuning) -> Result<Solution, RcpspError> {
    let net = validate(inst)?;
    let rev = net.reversed();
    let order = topo_order(&net)?;
    let es = earliest_starts(&net, &order);
    let cp = (0..net.n).map(|j| es[j] + net.dur[j]).max().unwrap_or(0);
    // Sampling priorities: latest finish forward; backward, the mirrored earliest start.
    let lf = [
        latest_finish(&net, &order, cp),
        (0..net.n).map(|j| cp - es[j]).collect::<Vec<u32>>(),
    ];
    let budget = opts.schedules.max(1);
    let mut s = Solver {
        nets: [&net, &rev],
        prof: Profile::new(&net),
        starts: [vec![0; net.n], vec![0; net.n]],
        keys: Vec::with_capacity(net.n),
        count: 0,
        budget,
        best: u32::MAX,
        best_starts: vec![0; net.n],
        passes: tun.passes,
        fbi_repeat: tun.fbi_repeat,
        polish: tun.polish,
        seen: std::collections::BTreeSet::new(),
        skip_seen: tun.skip_seen,
    };
    let mut rng = Rng::new(opts.seed);
    let nets = [&net, &rev];
    // Children of direction-`d` parents are decoded in direction `d` and, after the
    // justification passes, belong to direction `flip(d)`.
    let flip = |d: usize| d ^ (tun.passes as usize & 1);
    // With an odd number of passes there are two populations, one per direction.
    let dirs: &[usize] = if !tun.passes.is_multiple_of(2) {
        &[0, 1]
    } else {
        &[0]
    };

    let mut x = Crossover::new(&net);
    x.rho = tun.rho;
    let mut posbuf = vec![0usize; net.n];

    let pop_size = tun.pop.max(2);
    let mut pops: [Vec<Individual>; 2] = [Vec::new(), Vec::new()];
    for &e in dirs {
        // Individuals for population `e` are decoded in direction `d`.
        let d = flip(e);
        if s.count < budget {
            pops[e].extend(s.evaluate(d, priority_list(nets[d], &lf[d])));
        }
    }
    'fill: loop {
        let mut grew = false;
        for &e in dirs {
            if pops[e].len() >= pop_size || s.count >= budget || s.best <= cp {
                continue;
            }
            let d = flip(e);
            let list = sample_list(nets[d], &lf[d], &mut rng, tun.bias);
            pops[e].extend(s.evaluate(d, list));
            grew = true;
        }
        if !grew {
            break 'fill;
        }
    }
    for &e in dirs {
        survive(&mut pops[e], pop_size);
    }

    // Generations: each population is replaced by its elite, fresh samples and the
    // children of the population of the other direction (of itself with one population).
    while s.count < budget && s.best > cp {
        let mut progressed = false;
        for &d in dirs {
            let e = flip(d);
            if pops[d].len() < 2 || s.count >= budget || s.best <= cp {
                continue;
            }
            progressed = true;
            let ne = ((pop_size as f64 * tun.elite) as usize).clamp(1, pops[d].len() - 1);
            let nm = (pop_size as f64 * tun.mutants) as usize;
            let mut children: Vec<Individual> = Vec::with_capacity(pop_size);
            for _ in 0..nm {
                if s.count >= budget {
                    break;
                }
                let list = sample_list(nets[d], &lf[d], &mut rng, tun.bias);
                children.extend(s.evaluate(d, list));
            }
            let keep = ((pop_size as f64 * tun.elite) as usize).clamp(1, pop_size);
            let mut tries = 0;
            while children.len() + keep < pop_size && s.count < budget && tries < 4 * pop_size {
                tries += 1;
                let pop = &pops[d];
                let m = rng.below(ne);
                let f = ne + rng.below(pop.len() - ne);
                let mut child = x.make(tun.xover, nets[d], &pop[m], &pop[f], &mut rng);
                mutate(&mut child, nets[d], &mut rng, tun.mutation);
                shift_mutate(&mut child, nets[d], &mut rng, tun.shift, &mut posbuf);
                children.extend(s.evaluate(d, child));
            }
            pops[e].sort_by_key(|ind| (ind.makespan, ind.hash));
            pops[e].truncate(keep);
            pops[e].extend(children);
            survive(&mut pops[e], pop_size);
        }
        if !progressed {
            break;
        }
    }
    Ok(Solution {
        makespan: s.best,
        starts: s.best_starts,
        schedules: s.count,
        lower_bound: cp,
    })
}

/// Elitist survival: the best `size` distinct schedules.
fn survive(pop: &mut Vec<Individual>, size: usize) {
    pop.sort_by_key(|ind| (ind.makespan, ind.hash));
    pop.dedup_by(|a, b| a.makespan == b.makespan && a.hash == b.hash && a.starts == b.starts);
    pop.truncate(size);
}

/// Crossover operators and their scratch space.
struct Crossover {
    n: usize,
    k: usize,
    caps: Vec<u32>,
    dur: Vec<u32>,
    req: Vec<Vec<(usize, u32)>>,
    taken: Vec<bool>,
    load: Vec<f64>,
    rho: f64,
}

impl Crossover {
    fn new(net: &Net) -> Self {
        Crossover {
            n: net.n,
            k: net.k,
            caps: net.caps.clone(),
            dur: net.dur.clone(),
            req: net.req.clone(),
            taken: vec![false; net.n],
            load: Vec::new(),
            rho: 0.7,
        }
    }

    fn make(
        &mut self,
        kind: u8,
        net: &Net,
        m: &Individual,
        f: &Individual,
        rng: &mut Rng,
    ) -> Vec<usize> {
        match kind {
            0 => self.two_point(&m.list, &f.list, rng),
            3 => self.uniform(net, m, f, rng),
            4 => {
                if rng.unit() < 0.5 {
                    self.uniform(net, m, f, rng)
                } else {
                    self.two_point(&m.list, &f.list, rng)
                }
            }
            _ => {
                let (a, b) = if kind == 1 {
                    let mut a = rng.below(m.makespan as usize + 1) as u32;
                    let mut b = rng.below(m.makespan as usize + 1) as u32;
                    if a > b {
                        std::mem::swap(&mut a, &mut b);
                    }
                    (a, b)
                } else {
                    self.peak(m, rng)
                };
                self.window(m, f, a, b)
            }
        }
    }

    /// Biased uniform crossover on start-time keys: each job takes the mother's
    /// (relative) start with probability `rho`, else the father's; the list is the
    /// precedence-feasible order by key.
    fn uniform(&mut self, net: &Net, m: &Individual, f: &Individual, rng: &mut Rng) -> Vec<usize> {
        let n = self.n;
        let key = |ind: &Individual, j: usize, pos: u64| -> u64 {
            let ms = ind.makespan.max(1) as u64;
            ((ind.starts[j] as u64 * 1_000_000 / ms) << 16) | pos
        };
        let mut pm = vec![0u64; n];
        for (i, &j) in m.list.iter().enumerate() {
            pm[j] = i as u64;
        }
        let mut pf = vec![0u64; n];
        for (i, &j) in f.list.iter().enumerate() {
            pf[j] = i as u64;
        }
        let mut keys = vec![0u64; n];
        for j in 0..n {
            keys[j] = if rng.unit() < self.rho {
                key(m, j, pm[j])
            } else {
                key(f, j, pf[j])
            };
        }
        let mut indeg: Vec<usize> = net.preds.iter().map(|p| p.len()).collect();
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<(u64, usize)>> = (0..n)
            .filter(|&j| indeg[j] == 0)
            .map(|j| std::cmp::Reverse((keys[j], j)))
            .collect();
        let mut out = Vec::with_capacity(n);
        while let Some(std::cmp::Reverse((_, j))) = ready.pop() {
            out.push(j);
            for &s in &net.succs[j] {
                indeg[s] -= 1;
                if indeg[s] == 0 {
                    ready.push(std::cmp::Reverse((keys[s], s)));
                }
            }
        }
        out
    }

    /// Hartmann's two-point crossover on activity lists.
    fn two_point(&mut self, mother: &[usize], father: &[usize], rng: &mut Rng) -> Vec<usize> {
        let n = self.n;
        let mut q1 = rng.below(n + 1);
        let mut q2 = rng.below(n + 1);
        if q1 > q2 {
            std::mem::swap(&mut q1, &mut q2);
        }
        let taken = &mut self.taken;
        taken.iter_mut().for_each(|x| *x = false);
        let mut out = Vec::with_capacity(n);
        for &j in &mother[..q1] {
            taken[j] = true;
            out.push(j);
        }
        for &j in father {
            if out.len() >= q2 {
                break;
            }
            if !taken[j] {
                taken[j] = true;
                out.push(j);
            }
        }
        for &j in mother {
            if !taken[j] {
                taken[j] = true;
                out.push(j);
            }
        }
        out
    }

    /// A window `[a, b]` of the mother's schedule with the highest resource use, of
    /// random length (peak crossover, Valls, Ballestín & Quintanilla 2008).
    fn peak(&mut self, m: &Individual, rng: &mut Rng) -> (u32, u32) {
        let t_end = m.makespan as usize;
        if t_end == 0 {
            return (0, 0);
        }
        self.load.clear();
        self.load.resize(t_end, 0.0);
        for j in 0..self.n {
            let s = m.starts[j] as usize;
            let d = self.dur[j] as usize;
            if d == 0 || self.req[j].is_empty() {
                continue;
            }
            let mut u = 0.0;
            for &(r, q) in &self.req[j] {
                u += q as f64 / self.caps[r] as f64;
            }
            u /= self.k as f64;
            for t in s..(s + d).min(t_end) {
                self.load[t] += u;
            }
        }
        let len = (1 + rng.below(t_end / 2 + 1)).min(t_end);
        let mut sum: f64 = self.load[..len].iter().sum();
        let (mut best, mut at) = (sum, 0);
        for a in 1..=t_end - len {
            sum += self.load[a + len - 1] - self.load[a - 1];
            if sum > best + 1e-9 {
                best = sum;
                at = a;
            }
        }
        (at as u32, (at + len - 1) as u32)
    }

    /// Father's order of jobs the mother starts before `a`, then the mother's order of
    /// jobs she starts in `[a, b]`, then the father's order of the rest.
    fn window(&mut self, m: &Individual, f: &Individual, a: u32, b: u32) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.n);
        out.extend(f.list.iter().copied().filter(|&j| m.starts[j] < a));
        out.extend(
            m.list
                .iter()
                .copied()
                .filter(|&j| m.starts[j] >= a && m.starts[j] <= b),
        );
        out.extend(f.list.iter().copied().filter(|&j| m.starts[j] > b));
        out
    }
}

/// Move each job with probability `p` to a random position between its last
/// predecessor and its first successor in the list.
fn shift_mutate(list: &mut Vec<usize>, net: &Net, rng: &mut Rng, p: f64, pos: &mut [usize]) {
    if p <= 0.0 {
        return;
    }
    let n = list.len();
    for _ in 0..n {
        if rng.unit() >= p {
            continue;
        }
        for (i, &j) in list.iter().enumerate() {
            pos[j] = i;
        }
        let i = rng.below(n);
        let j = list[i];
        let lo = net.preds[j].iter().map(|&q| pos[q] + 1).max().unwrap_or(0);
        let hi = net.succs[j].iter().map(|&q| pos[q]).min().unwrap_or(n);
        // Without j the first successor sits at hi - 1: j may go anywhere in lo..hi.
        let span = hi - lo;
        if span <= 1 {
            continue;
        }
        let to = lo + rng.below(span);
        list.remove(i);
        list.insert(to, j);
    }
}

/// Swap neighbours with probability `p` where no direct arc joins them.
fn mutate(list: &mut [usize], net: &Net, rng: &mut Rng, p: f64) {
    if p <= 0.0 {
        return;
    }
    for i in 0..list.len().saturating_sub(1) {
        if rng.unit() < p && !net.succs[list[i]].contains(&list[i + 1]) {
            list.swap(i, i + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Instance {
        // 0 -> {1,2} -> 3 ; 1 and 2 each need 1 of a capacity-1 resource.
        Instance {
            durations: vec![0, 3, 2, 0],
            successors: vec![vec![1, 2], vec![3], vec![3], vec![]],
            demands: vec![vec![0], vec![1], vec![1], vec![0]],
            capacities: vec![1],
        }
    }

    #[test]
    fn serialises_jobs_that_share_a_unit() {
        let sol = solve(&small(), &Options::default()).unwrap();
        assert_eq!(sol.makespan, 5);
        assert_eq!(sol.starts[3], 5);
        assert_eq!(sol.lower_bound, 3);
        let (s1, s2) = (sol.starts[1], sol.starts[2]);
        assert!(s1 + 3 <= s2 || s2 + 2 <= s1);
    }

    #[test]
    fn cycle_is_named() {
        let mut inst = small();
        inst.successors[3] = vec![1];
        match solve(&inst, &Options::default()) {
            Err(RcpspError::Cycle(c)) => {
                assert!(c.contains(&1) && c.contains(&3), "{c:?}");
            }
            other => panic!("expected a cycle, got {other:?}"),
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut inst = small();
        inst.demands[1] = vec![2];
        assert!(matches!(
            solve(&inst, &Options::default()),
            Err(RcpspError::OverCapacity { job: 1, .. })
        ));
        let mut inst = small();
        inst.successors[0].push(9);
        assert!(matches!(
            solve(&inst, &Options::default()),
            Err(RcpspError::UnknownSuccessor { .. })
        ));
        let empty = Instance {
            durations: vec![],
            successors: vec![],
            demands: vec![],
            capacities: vec![],
        };
        assert_eq!(solve(&empty, &Options::default()), Err(RcpspError::Empty));
        let mut inst = small();
        inst.durations[1] = u32::MAX;
        inst.durations[2] = u32::MAX;
        assert!(matches!(
            solve(&inst, &Options::default()),
            Err(RcpspError::TooLarge(..))
        ));
    }

    #[test]
    fn budget_of_one_still_gives_a_schedule() {
        let sol = solve(
            &small(),
            &Options {
                schedules: 1,
                seed: 3,
            },
        )
        .unwrap();
        assert_eq!(sol.schedules, 1);
        assert_eq!(sol.makespan, 5);
    }

    /// A random layered instance: `jobs` real jobs between a source and a sink,
    /// `res` resources, tight capacities.
    fn random_instance(jobs: usize, res: usize, seed: u64) -> Instance {
        let mut rng = Rng::new(seed);
        let n = jobs + 2;
        let mut successors = vec![Vec::new(); n];
        for j in 1..=jobs {
            // Each job follows up to two earlier real jobs, or the source.
            let mut has_pred = false;
            for _ in 0..2 {
                if j > 1 && rng.unit() < 0.6 {
                    let p = 1 + rng.below(j - 1);
                    if !successors[p].contains(&j) {
                        successors[p].push(j);
                        has_pred = true;
                    }
                }
            }
            if !has_pred {
                successors[0].push(j);
            }
        }
        for succ in &mut successors[1..=jobs] {
            if succ.is_empty() {
                succ.push(n - 1);
            }
        }
        let mut durations = vec![0u32; n];
        let mut demands = vec![vec![0u32; res]; n];
        for j in 1..=jobs {
            durations[j] = 1 + rng.below(10) as u32;
            for q in demands[j].iter_mut() {
                if rng.unit() < 0.7 {
                    *q = 1 + rng.below(6) as u32;
                }
            }
        }
        Instance {
            durations,
            successors,
            demands,
            capacities: vec![8; res],
        }
    }

    fn assert_feasible(inst: &Instance, sol: &Solution) {
        let n = inst.durations.len();
        let finish = |j: usize| sol.starts[j] + inst.durations[j];
        for j in 0..n {
            for &s in &inst.successors[j] {
                assert!(finish(j) <= sol.starts[s], "{j} -> {s} violated");
            }
        }
        let makespan = (0..n).map(finish).max().unwrap_or(0);
        assert_eq!(makespan, sol.makespan);
        assert!(sol.makespan >= sol.lower_bound);
        for t in 0..makespan {
            for (r, &cap) in inst.capacities.iter().enumerate() {
                let used: u32 = (0..n)
                    .filter(|&j| sol.starts[j] <= t && t < finish(j))
                    .map(|j| inst.demands[j][r])
                    .sum();
                assert!(used <= cap, "resource {r} over capacity at {t}");
            }
        }
    }

    #[test]
    fn random_instances_are_scheduled_feasibly_within_budget() {
        for (jobs, seed) in [(10, 1), (30, 2), (30, 3), (90, 4)] {
            let inst = random_instance(jobs, 3, seed);
            for budget in [1, 2, 3, 7, 100, 1000] {
                let sol = solve(
                    &inst,
                    &Options {
                        schedules: budget,
                        seed,
                    },
                )
                .unwrap();
                assert!(
                    sol.schedules <= budget,
                    "{} schedules for a budget of {budget}",
                    sol.schedules
                );
                assert_feasible(&inst, &sol);
            }
        }
    }

    #[test]
    fn same_seed_same_schedule_and_more_budget_is_no_worse() {
        for (jobs, seed) in [(30, 5), (90, 6)] {
            let inst = random_instance(jobs, 4, seed);
            let run = |schedules, seed| solve(&inst, &Options { schedules, seed }).unwrap();
            let a = run(2000, 11);
            assert_eq!(a, run(2000, 11), "deterministic for a seed");
            let short = run(50, 11);
            // A run with a larger budget continues the same search: never worse.
            assert!(a.makespan <= short.makespan);
            // A different seed still gives a feasible schedule.
            assert_feasible(&inst, &run(2000, 12));
        }
    }

    #[test]
    fn search_improves_on_the_first_schedule() {
        let inst = random_instance(30, 4, 7);
        let one = solve(
            &inst,
            &Options {
                schedules: 1,
                seed: 1,
            },
        )
        .unwrap();
        let many = solve(
            &inst,
            &Options {
                schedules: 5000,
                seed: 1,
            },
        )
        .unwrap();
        assert!(many.makespan <= one.makespan);
        assert_feasible(&inst, &many);
    }
}
