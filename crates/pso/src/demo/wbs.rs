//! WBS templates per project nature: phases → work packages → tasks, with durations or effort,
//! gate milestones, the dependencies between them and the skill each task needs.
//!
//! A template is code, not data, because plans repeat with a size (boards, sprints, modules,
//! migration waves, experiments). The dependency rules are the planner's usual ones:
//! tasks of a work package follow each other (finish-to-start unless a task says otherwise:
//! start-to-start or finish-to-finish with a lag, or a lead, i.e. a negative lag); a work
//! package starts after the previous one, alongside it (start-to-start with a lag), or after
//! the previous phase's gate; a gate waits for the work packages that nothing else follows.

use super::rng::SplitMix64;
use pso_domain::model::DependencyType;

/// How long a task is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Work {
    Days(f64),
    Hours(f64),
    Milestone,
}

/// How a task hangs on the task before it in its work package.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Link {
    Fs(f64),
    Ss(f64),
    Ff(f64),
    /// Not linked to the previous task: starts with its work package.
    Par,
}

#[derive(Debug, Clone)]
pub struct Leaf {
    pub name: String,
    pub work: Work,
    pub skill: Option<&'static str>,
    pub link: Link,
}

impl Leaf {
    fn ss(mut self, lag: f64) -> Self {
        self.link = Link::Ss(lag);
        self
    }
    fn ff(mut self, lag: f64) -> Self {
        self.link = Link::Ff(lag);
        self
    }
    fn lead(mut self, days: f64) -> Self {
        self.link = Link::Fs(-days);
        self
    }
    fn par(mut self) -> Self {
        self.link = Link::Par;
        self
    }
}

/// How a work package starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Start {
    /// After the previous work package of the phase (FS with this lag; negative: overlap).
    AfterPrev(f64),
    /// Alongside the previous work package (SS with this lag).
    WithPrev(f64),
    /// After the previous phase's gate (at the project start in the first phase).
    AfterGate,
}

#[derive(Debug, Clone)]
pub struct Wp {
    pub name: String,
    pub start: Start,
    pub leaves: Vec<Leaf>,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub name: String,
    pub wps: Vec<Wp>,
    /// The milestone closing the phase (a gate review, go-live, ...).
    pub gate: Option<String>,
}

/// A whole plan; `links` are extra dependencies between named tasks (first match by name).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub phases: Vec<Phase>,
    pub links: Vec<(String, String, DependencyType, f64)>,
}

impl Plan {
    /// Summary tasks, leaves and milestones.
    pub fn task_count(&self) -> usize {
        self.phases
            .iter()
            .map(|p| {
                1 + usize::from(p.gate.is_some())
                    + p.wps.iter().map(|w| 1 + w.leaves.len()).sum::<usize>()
            })
            .sum()
    }
}

/// The nature of a project, which picks its template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nature {
    Hardware,
    Software,
    Migration,
    Infrastructure,
    Research,
}

/// What a template needs to know about its project.
pub struct Shape {
    /// Boards, epics, modules, waves or experiments: `(name, skill)` (`""`: the default skill).
    pub items: &'static [(&'static str, &'static str)],
    /// Repetitions: prototype iterations, sprints, mock loads.
    pub size: usize,
    /// The main build skill (`embedded C`, `backend Java`, `Salesforce`, `ABAP`, ...).
    pub dev: &'static str,
    /// The hands-on infrastructure skill (`data centre`, `network`, ...) or research skill.
    pub field: &'static str,
}

struct B<'r> {
    r: &'r mut SplitMix64,
}

impl B<'_> {
    fn d(&mut self, name: impl Into<String>, lo: f64, hi: f64, skill: &'static str) -> Leaf {
        let days = if lo == hi {
            lo
        } else {
            self.r.between(lo, hi, 0.5)
        };
        Leaf {
            name: name.into(),
            work: Work::Days(days),
            skill: Some(skill),
            link: Link::Fs(0.0),
        }
    }
    fn h(&mut self, name: impl Into<String>, lo: f64, hi: f64, skill: &'static str) -> Leaf {
        Leaf {
            name: name.into(),
            work: Work::Hours(self.r.between(lo, hi, 4.0)),
            skill: Some(skill),
            link: Link::Fs(0.0),
        }
    }
    fn ms(&mut self, name: impl Into<String>) -> Leaf {
        Leaf {
            name: name.into(),
            work: Work::Milestone,
            skill: None,
            link: Link::Fs(0.0),
        }
    }
}

fn wp(name: impl Into<String>, start: Start, leaves: Vec<Leaf>) -> Wp {
    Wp {
        name: name.into(),
        start,
        leaves,
    }
}

fn phase(name: &str, gate: Option<&str>, wps: Vec<Wp>) -> Phase {
    Phase {
        name: name.to_string(),
        wps,
        gate: gate.map(str::to_string),
    }
}

fn skill_or(item: &(&'static str, &'static str), default: &'static str) -> &'static str {
    match item.1 {
        "" => default,
        s => s,
    }
}

/// Builds the plan of a project of this nature and shape.
pub fn build(nature: Nature, shape: &Shape, r: &mut SplitMix64) -> Plan {
    let mut b = B { r };
    match nature {
        Nature::Hardware => hardware(&mut b, shape),
        Nature::Software => software(&mut b, shape),
        Nature::Migration => migration(&mut b, shape),
        Nature::Infrastructure => infrastructure(&mut b, shape),
        Nature::Research => research(&mut b, shape),
    }
}

const PROTO: [&str; 3] = ["EVT", "DVT", "PVT"];

fn hardware(b: &mut B, s: &Shape) -> Plan {
    let mut phases = vec![phase(
        "Concept and requirements",
        Some("G1 — Concept gate review"),
        vec![
            wp(
                "Requirements",
                Start::AfterGate,
                vec![
                    b.d(
                        "Voice-of-customer interviews",
                        5.0,
                        10.0,
                        "systems engineering",
                    ),
                    b.h(
                        "System requirements specification",
                        60.0,
                        120.0,
                        "systems engineering",
                    ),
                    b.d("Requirements review", 1.0, 2.0, "quality management"),
                ],
            ),
            wp(
                "Architecture",
                Start::WithPrev(5.0),
                vec![
                    b.d(
                        "Hardware and firmware architecture",
                        8.0,
                        15.0,
                        "electronics design",
                    ),
                    b.d(
                        "Component selection and preliminary BOM",
                        5.0,
                        10.0,
                        "procurement",
                    ),
                    b.d("Target cost review", 1.0, 2.0, "project management"),
                ],
            ),
        ],
    )];
    let mut design = Vec::new();
    for item in s.items {
        design.push(wp(
            format!("{} design", item.0),
            Start::AfterGate,
            vec![
                b.d(
                    format!("{}: schematic capture", item.0),
                    10.0,
                    20.0,
                    skill_or(item, "electronics design"),
                ),
                b.d(
                    format!("{}: schematic review", item.0),
                    1.0,
                    3.0,
                    "electronics design",
                ),
                b.d(format!("{}: PCB layout", item.0), 10.0, 25.0, "PCB design"),
                b.d(
                    format!("{}: DFM/DFT review", item.0),
                    2.0,
                    4.0,
                    "manufacturing engineering",
                )
                .lead(2.0),
            ],
        ));
    }
    design.push(wp(
        "Mechanical design",
        Start::AfterGate,
        vec![
            b.d(
                "Enclosure and mounting design",
                10.0,
                20.0,
                "mechanical CAD",
            ),
            b.d("Thermal simulation", 4.0, 8.0, "thermal simulation"),
            b.d("Tooling quotes", 3.0, 5.0, "procurement"),
        ],
    ));
    let mut firmware = vec![
        b.h("Board support package", 120.0, 200.0, s.dev),
        b.h(
            "Bootloader and secure firmware update",
            60.0,
            120.0,
            "firmware",
        ),
    ];
    for item in s.items {
        firmware.push(b.h(format!("{} driver", item.0), 24.0, 60.0, s.dev));
    }
    firmware.push(
        b.h(
            "Hardware abstraction layer unit tests",
            40.0,
            80.0,
            "test automation",
        )
        .ff(3.0),
    );
    design.push(wp("Firmware bring-up", Start::AfterGate, firmware));
    phases.push(phase("Design", Some("G2 — Critical design review"), design));
    for (k, tag) in PROTO.iter().enumerate().take(s.size.clamp(1, 3)) {
        let mut wps = vec![wp(
            format!("{tag} prototype build"),
            Start::AfterGate,
            vec![
                b.d(
                    format!("{tag}: order PCBs and long-lead components"),
                    15.0,
                    25.0,
                    "procurement",
                ),
                b.d(
                    format!("{tag}: prototype assembly"),
                    5.0,
                    10.0,
                    "manufacturing engineering",
                ),
                b.d(
                    format!("{tag}: board bring-up"),
                    5.0,
                    10.0,
                    "electronics design",
                ),
            ],
        )];
        let mut tests = vec![b.d(
            format!("{tag}: functional verification"),
            10.0,
            20.0,
            "hardware testing",
        )];
        for item in s.items {
            tests.push(
                b.d(
                    format!("{tag}: {} characterisation", item.0),
                    3.0,
                    6.0,
                    "hardware testing",
                )
                .ss(2.0),
            );
        }
        tests.push(
            b.d(
                format!("{tag}: EMC pre-compliance tests"),
                4.0,
                6.0,
                "EMC testing",
            )
            .ss(3.0),
        );
        tests.push(
            b.d(
                format!("{tag}: thermal and vibration tests"),
                5.0,
                8.0,
                "hardware testing",
            )
            .ss(5.0),
        );
        tests.push(b.d(
            format!("{tag}: design fixes and respin decision"),
            3.0,
            6.0,
            "electronics design",
        ));
        wps.push(wp(
            format!("{tag} verification"),
            Start::AfterPrev(0.0),
            tests,
        ));
        phases.push(phase(
            &format!("{tag} prototypes"),
            Some(&format!("G3.{} — {tag} validation review", k + 1)),
            wps,
        ));
    }
    phases.push(phase(
        "Industrialisation",
        Some("G4 — Release to production"),
        vec![
            wp(
                "Certification",
                Start::AfterGate,
                vec![
                    b.d(
                        "EMC compliance tests (accredited lab)",
                        10.0,
                        15.0,
                        "EMC testing",
                    ),
                    b.d("CE and UL certification file", 10.0, 20.0, "certification")
                        .ss(5.0),
                    b.d(
                        "Functional safety assessment",
                        5.0,
                        10.0,
                        "functional safety",
                    )
                    .par(),
                ],
            ),
            wp(
                "Pilot production",
                Start::WithPrev(0.0),
                vec![
                    b.d("Production test bench", 15.0, 25.0, "test automation"),
                    b.d("Pilot run", 8.0, 12.0, "manufacturing engineering"),
                    b.d(
                        "Yield and first-article analysis",
                        3.0,
                        5.0,
                        "quality management",
                    ),
                    b.d("User manual and datasheet", 8.0, 12.0, "technical writing")
                        .par(),
                ],
            ),
        ],
    ));
    Plan {
        phases,
        links: vec![(
            "Pilot run".into(),
            "G4 — Release to production".into(),
            DependencyType::FF,
            2.0,
        )],
    }
}

fn software(b: &mut B, s: &Shape) -> Plan {
    let mut phases = vec![phase(
        "Inception",
        Some("Release plan approved"),
        vec![
            wp(
                "Discovery",
                Start::AfterGate,
                vec![
                    b.d("Stakeholder workshops", 3.0, 5.0, "business analysis"),
                    b.h("Product backlog grooming", 40.0, 80.0, "business analysis"),
                    b.d("UX research and wireframes", 8.0, 15.0, "UX").ss(2.0),
                ],
            ),
            wp(
                "Architecture and environments",
                Start::WithPrev(3.0),
                vec![
                    b.d("Architecture runway", 5.0, 10.0, s.dev),
                    b.d("CI/CD pipeline and environments", 5.0, 8.0, "DevOps")
                        .ss(2.0),
                    b.d("Security threat model", 2.0, 4.0, "security"),
                ],
            ),
        ],
    )];
    let mut sprints = Vec::new();
    for k in 0..s.size {
        let item = &s.items[k % s.items.len().max(1)];
        let dev = skill_or(item, s.dev);
        sprints.push(wp(
            format!("Sprint {} — {}", k + 1, item.0),
            Start::AfterPrev(0.0),
            vec![
                b.d("Sprint planning", 0.5, 0.5, "project management"),
                b.h(format!("Build: {}", item.0), 120.0, 240.0, dev),
                b.h("Automated tests", 40.0, 80.0, "test automation")
                    .ss(2.0),
                b.d(
                    "Sprint review and retrospective",
                    0.5,
                    0.5,
                    "project management",
                ),
            ],
        ));
    }
    phases.push(phase("Build", Some("Feature complete"), sprints));
    phases.push(phase(
        "Integration and acceptance",
        Some("UAT sign-off"),
        vec![
            wp(
                "System integration",
                Start::AfterGate,
                vec![
                    b.d("End-to-end integration", 5.0, 10.0, "integration"),
                    b.d("Performance and load tests", 3.0, 6.0, "test automation"),
                    b.d("Penetration test", 3.0, 5.0, "security").par(),
                ],
            ),
            wp(
                "User acceptance",
                Start::AfterPrev(-3.0),
                vec![
                    b.d("UAT scripts and test data", 3.0, 5.0, "business analysis"),
                    b.d("User acceptance tests", 8.0, 12.0, "business analysis"),
                    b.d("Defect fixing", 5.0, 10.0, s.dev).ff(2.0),
                ],
            ),
        ],
    ));
    phases.push(phase(
        "Deployment",
        None,
        vec![wp(
            "Go-live",
            Start::AfterGate,
            vec![
                b.d("End-user training", 3.0, 5.0, "training"),
                b.d("Release runbook and rollback plan", 2.0, 4.0, "DevOps")
                    .par(),
                b.d("Production deployment", 1.0, 2.0, "DevOps"),
                b.ms("Go-live"),
                b.d("Hypercare", 10.0, 15.0, s.dev),
            ],
        )],
    ));
    Plan {
        phases,
        links: vec![(
            "End-user training".into(),
            "Go-live".into(),
            DependencyType::FS,
            0.0,
        )],
    }
}

fn migration(b: &mut B, s: &Shape) -> Plan {
    let mut phases = vec![phase(
        "Prepare",
        Some("Prepare quality gate"),
        vec![
            wp(
                "Mobilisation",
                Start::AfterGate,
                vec![
                    b.d(
                        "Project charter and governance",
                        3.0,
                        5.0,
                        "project management",
                    ),
                    b.d("Kick-off", 1.0, 1.0, "project management"),
                    b.d(
                        "System landscape and sizing",
                        5.0,
                        8.0,
                        "database administration",
                    ),
                ],
            ),
            wp(
                "Data profiling",
                Start::WithPrev(2.0),
                vec![
                    b.d("Profiling of legacy data", 8.0, 12.0, "data migration"),
                    b.d("Data cleansing plan", 3.0, 5.0, "data migration"),
                ],
            ),
        ],
    )];
    let mut explore = Vec::new();
    for item in s.items {
        let sk = skill_or(item, s.field);
        explore.push(wp(
            format!("{} fit-gap", item.0),
            Start::AfterGate,
            vec![
                b.d(
                    format!("{}: fit-to-standard workshops", item.0),
                    4.0,
                    8.0,
                    sk,
                ),
                b.h(format!("{}: delta design", item.0), 40.0, 80.0, sk),
                b.d(
                    format!("{}: design sign-off", item.0),
                    1.0,
                    2.0,
                    "business analysis",
                ),
            ],
        ));
    }
    phases.push(phase("Explore", Some("Design freeze"), explore));
    let mut realise = Vec::new();
    for item in s.items {
        let sk = skill_or(item, s.field);
        realise.push(wp(
            format!("{} build", item.0),
            Start::AfterGate,
            vec![
                b.h(format!("{}: configuration", item.0), 80.0, 160.0, sk),
                b.h(
                    format!("{}: custom code remediation", item.0),
                    40.0,
                    100.0,
                    s.dev,
                )
                .ss(5.0),
                b.d(format!("{}: unit tests", item.0), 3.0, 6.0, sk),
            ],
        ));
    }
    realise.push(wp(
        "Interfaces",
        Start::AfterGate,
        vec![
            b.h(
                "Interface build (EDI, banks, MES)",
                120.0,
                200.0,
                "integration",
            ),
            b.d("Interface tests", 5.0, 8.0, "test automation"),
        ],
    ));
    realise.push(wp(
        "Data mapping",
        Start::AfterGate,
        vec![
            b.h("Mapping rules", 60.0, 120.0, "data migration"),
            b.d("Load programs", 8.0, 12.0, "data migration"),
        ],
    ));
    for k in 0..s.size {
        realise.push(wp(
            format!("Mock load {}", k + 1),
            Start::AfterPrev(if k == 0 { 0.0 } else { 5.0 }),
            vec![
                b.d(
                    format!("Mock {}: extract", k + 1),
                    2.0,
                    3.0,
                    "data migration",
                ),
                b.d(
                    format!("Mock {}: transform", k + 1),
                    3.0,
                    5.0,
                    "data migration",
                ),
                b.d(format!("Mock {}: load", k + 1), 2.0, 3.0, "data migration"),
                b.d(
                    format!("Mock {}: reconciliation", k + 1),
                    2.0,
                    4.0,
                    "business analysis",
                ),
            ],
        ));
    }
    phases.push(phase("Realise", Some("Integration tests passed"), realise));
    phases.push(phase(
        "Deploy",
        None,
        vec![
            wp(
                "Readiness",
                Start::AfterGate,
                vec![
                    b.d("Integration test cycle", 10.0, 15.0, "test automation"),
                    b.d("End-user training", 10.0, 15.0, "training").ss(5.0),
                    b.d("Cutover rehearsal", 3.0, 5.0, "data migration"),
                ],
            ),
            wp(
                "Cutover",
                Start::AfterPrev(0.0),
                vec![
                    b.d("Business freeze", 2.0, 3.0, "business analysis"),
                    b.d("Final data load", 2.0, 3.0, "data migration"),
                    b.d("Reconciliation and sign-off", 1.0, 2.0, "business analysis"),
                    b.ms("Go-live"),
                    b.d("Hypercare", 15.0, 20.0, s.field),
                ],
            ),
            wp(
                "Legacy",
                Start::AfterGate,
                vec![b.d(
                    "Legacy system support until go-live",
                    20.0,
                    30.0,
                    "database administration",
                )],
            ),
        ],
    ));
    Plan {
        phases,
        // Classic start-to-finish: the legacy support ends when the new system goes live.
        links: vec![(
            "Go-live".into(),
            "Legacy system support until go-live".into(),
            DependencyType::SF,
            0.0,
        )],
    }
}

fn infrastructure(b: &mut B, s: &Shape) -> Plan {
    let mut phases = vec![phase(
        "Assess",
        Some("Design authority approval"),
        vec![
            wp(
                "Discovery",
                Start::AfterGate,
                vec![
                    b.d("Server and application inventory", 8.0, 12.0, s.field),
                    b.d(
                        "Application dependency mapping",
                        8.0,
                        12.0,
                        "business analysis",
                    )
                    .ss(3.0),
                    b.d("Licence and contract review", 3.0, 5.0, "procurement")
                        .par(),
                ],
            ),
            wp(
                "Target design",
                Start::AfterPrev(0.0),
                vec![
                    b.d("Target architecture", 8.0, 12.0, "cloud architecture"),
                    b.d("Security architecture review", 3.0, 5.0, "security"),
                    b.d(
                        "Wave plan and runbook template",
                        3.0,
                        5.0,
                        "project management",
                    ),
                ],
            ),
        ],
    )];
    phases.push(phase(
        "Build the target platform",
        Some("Platform ready for service"),
        vec![
            wp(
                "Network",
                Start::AfterGate,
                vec![
                    b.d("Core network and firewalls", 10.0, 15.0, "network"),
                    b.d("WAN links and routing", 5.0, 10.0, "network").ss(3.0),
                ],
            ),
            if s.field == "network" {
                wp(
                    "Orchestration and edge devices",
                    Start::WithPrev(2.0),
                    vec![
                        b.d("SD-WAN orchestrator deployment", 5.0, 8.0, "SD-WAN"),
                        b.d("Edge device staging", 5.0, 8.0, "network"),
                        b.d("Central security policies", 4.0, 6.0, "security")
                            .ss(2.0),
                    ],
                )
            } else {
                wp(
                    "Compute and storage",
                    Start::WithPrev(2.0),
                    vec![
                        b.d("Rack, stack and cabling", 5.0, 8.0, s.field),
                        b.d("Storage and replication", 8.0, 12.0, "storage"),
                        b.d("Kubernetes and virtualisation clusters", 8.0, 12.0, s.dev),
                        b.d("Backup platform", 5.0, 8.0, "backup").ss(2.0),
                    ],
                )
            },
            wp(
                "Operations readiness",
                Start::AfterPrev(-5.0),
                vec![
                    b.d("Monitoring and alerting", 5.0, 8.0, "DevOps"),
                    b.d("Operations runbooks", 5.0, 8.0, "technical writing")
                        .par(),
                    b.d("Hardening and vulnerability scan", 4.0, 6.0, "security"),
                ],
            ),
        ],
    ));
    let mut waves = Vec::new();
    for (k, item) in s.items.iter().enumerate() {
        let sk = skill_or(item, s.field);
        waves.push(wp(
            format!("Wave {} — {}", k + 1, item.0),
            if k == 0 {
                Start::AfterGate
            } else {
                Start::AfterPrev(-3.0)
            },
            vec![
                b.d(
                    "Wave planning and change approval",
                    2.0,
                    3.0,
                    "project management",
                ),
                b.d("Pre-migration tests", 2.0, 4.0, "test automation"),
                b.d("Cutover window", 1.0, 2.0, sk),
                b.d("Post-migration validation", 2.0, 3.0, "business analysis"),
                b.d("Decommission source", 3.0, 5.0, sk).lead(1.0),
            ],
        ));
    }
    phases.push(phase("Migration waves", Some("All waves migrated"), waves));
    phases.push(phase(
        "Closure",
        None,
        vec![wp(
            "Exit",
            Start::AfterGate,
            vec![
                b.d("Decommission legacy equipment", 10.0, 15.0, s.field),
                b.d("Contract terminations", 3.0, 5.0, "procurement").par(),
                b.d("Lessons learned", 1.0, 2.0, "project management"),
                b.ms("Programme closed"),
            ],
        )],
    ));
    Plan {
        phases,
        links: Vec::new(),
    }
}

fn research(b: &mut B, s: &Shape) -> Plan {
    let mut phases = vec![phase(
        "Exploration",
        Some("Feasibility review"),
        vec![
            wp(
                "State of the art",
                Start::AfterGate,
                vec![
                    b.d("Literature and patent search", 5.0, 10.0, s.field),
                    b.d("Technology scouting", 5.0, 8.0, s.field).par(),
                    b.d(
                        "Hypotheses and success criteria",
                        2.0,
                        3.0,
                        "project management",
                    ),
                ],
            ),
            wp(
                "Test set-up",
                Start::WithPrev(5.0),
                vec![
                    b.d("Benchmark and data collection", 10.0, 20.0, s.field),
                    b.d("Baseline measurements", 8.0, 12.0, s.field).ss(5.0),
                    b.d("Test rig set-up", 5.0, 8.0, "hardware testing").par(),
                ],
            ),
        ],
    )];
    let mut exps = Vec::new();
    for (k, item) in s.items.iter().enumerate() {
        let sk = skill_or(item, s.field);
        exps.push(wp(
            format!("Experiment — {}", item.0),
            if k == 0 {
                Start::AfterGate
            } else {
                Start::WithPrev(5.0)
            },
            vec![
                b.d("Experiment design", 2.0, 4.0, sk),
                b.h("Prototype development", 60.0, 120.0, sk),
                b.d("Runs and measurements", 3.0, 6.0, sk),
                b.d("Analysis and internal report", 2.0, 4.0, sk),
            ],
        ));
    }
    phases.push(phase(
        "Experiments",
        Some("Go / no-go for a proof of concept"),
        exps,
    ));
    phases.push(phase(
        "Proof of concept",
        Some("Transfer to the product line"),
        vec![
            wp(
                "Proof of concept",
                Start::AfterGate,
                vec![
                    b.h("PoC integration", 80.0, 160.0, s.dev),
                    b.d("Field trial", 15.0, 20.0, "test automation"),
                    b.d(
                        "Results review with the product line",
                        1.0,
                        2.0,
                        "project management",
                    ),
                ],
            ),
            wp(
                "IP and transfer",
                Start::WithPrev(10.0),
                vec![
                    b.d("Invention disclosure", 3.0, 5.0, "technical writing"),
                    b.d(
                        "Transfer package for the product line",
                        5.0,
                        8.0,
                        "technical writing",
                    ),
                ],
            ),
        ],
    ));
    Plan {
        phases,
        links: vec![(
            "Results review with the product line".into(),
            "Transfer package for the product line".into(),
            DependencyType::FS,
            0.0,
        )],
    }
}
