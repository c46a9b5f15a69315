//! The twelve demo projects: hardware, software, R&D, migration and infrastructure, at every
//! stage of the life cycle, with start dates from 2025 to 2027. The dates are fixed (every run
//! is the same) and chosen around a demo date of November 2026: closed and cancelled projects
//! lie before it, active ones run across it, proposed ones start after it.

use super::wbs::Nature;
use pso_domain::model::ProjectStatus;

pub struct ProjectSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub site: &'static str,
    pub unit: &'static str,
    pub manager: &'static str,
    pub status: ProjectStatus,
    pub priority: i64,
    pub start: &'static str,
    pub nature: Nature,
    /// Boards, epics, modules, waves or experiments: `(name, skill)`.
    pub items: &'static [(&'static str, &'static str)],
    /// Prototype iterations, sprints or mock loads.
    pub size: usize,
    pub dev: &'static str,
    pub field: &'static str,
    /// People who must be on the team (besides the manager).
    pub core: &'static [&'static str],
}

pub const PROJECTS: &[ProjectSpec] = &[
    ProjectSpec {
        code: "PLC-NG",
        name: "PLC-NG — next-generation PLC controller",
        description:
            "Successor of the V3 modular PLC: a dual-core CPU with TSN Ethernet, hot-swappable \
                      I/O modules and IEC 62443 security by design. Three prototype iterations \
                      (EVT, DVT, PVT) before release to the Lyon plant.",
        site: "GRE",
        unit: "IND-AUTO",
        manager: "Julien Moreau",
        status: ProjectStatus::Active,
        priority: 900,
        start: "2025-09-01",
        nature: Nature::Hardware,
        items: &[
            ("CPU board", ""),
            ("Digital I/O module", ""),
            ("Analog I/O module", ""),
            ("Power supply", "electronics design"),
            ("Backplane", "electronics design"),
            ("TSN switch", "FPGA"),
        ],
        size: 3,
        dev: "embedded C",
        field: "",
        core: &["Vincent Dupuis", "Élodie Bernard"],
    },
    ProjectSpec {
        code: "DRIVE-X5",
        name: "DRIVE-X5 — X5 servo drive power stage redesign",
        description: "Redesign of the X5 servo drive around SiC MOSFETs to cut losses by 30 % and \
                      replace two end-of-life components. PCB layout and EMC testing are done with \
                      the Grenoble hardware team.",
        site: "CHI",
        unit: "IND-AUTO",
        manager: "Tyler Brooks",
        status: ProjectStatus::Approved,
        priority: 700,
        start: "2027-02-01",
        nature: Nature::Hardware,
        items: &[("Power stage", "power electronics"), ("Control board", "")],
        size: 2,
        dev: "embedded C",
        field: "",
        core: &["Daniel Rivera"],
    },
    ProjectSpec {
        code: "IOT-GW2",
        name: "IOT-GW2 — industrial IoT gateway firmware 2.0",
        description:
            "Firmware 2.0 of the VG-200 gateway: OPC UA server, MQTT Sparkplug connector, \
                      secure boot chain and a new web configuration interface. Delivered in \
                      two-week sprints; the Pune team owns test automation.",
        site: "GRE",
        unit: "IND-EMB",
        manager: "Nicolas Roux",
        status: ProjectStatus::Active,
        priority: 750,
        start: "2026-03-02",
        nature: Nature::Software,
        items: &[
            ("OPC UA server", "embedded C"),
            ("MQTT Sparkplug connector", "embedded C"),
            ("Secure boot chain", "firmware"),
            ("Web configuration UI", "frontend"),
        ],
        size: 8,
        dev: "embedded C",
        field: "",
        core: &["Kavya Nair"],
    },
    ProjectSpec {
        code: "SAFE-RTOS",
        name: "SAFE-RTOS — safety-certified RTOS port (IEC 61508 SIL 3)",
        description:
            "Feasibility study for porting our RTOS to the Cortex-R52 with the evidence an \
                      IEC 61508 SIL 3 certification needs. On hold until the certification body \
                      confirms the tool qualification approach.",
        site: "PUN",
        unit: "IND-EMB",
        manager: "Sneha Patil",
        status: ProjectStatus::OnHold,
        priority: 600,
        start: "2025-06-02",
        nature: Nature::Research,
        items: &[
            ("Kernel port to Cortex-R52", "embedded C"),
            ("MPU partitioning", "RTOS"),
            ("Worst-case execution time analysis", "embedded C"),
            ("SIL 3 evidence pack", "functional safety"),
        ],
        size: 0,
        dev: "embedded C",
        field: "RTOS",
        core: &["Vikram Iyer"],
    },
    ProjectSpec {
        code: "EDGE-VISION",
        name: "EDGE-VISION — AI visual inspection at the edge",
        description: "Proposal: detect surface defects on machined parts with a camera and a \
                      quantised neural network running on the gateway's NPU, to replace manual \
                      inspection on the Chakan line.",
        site: "PUN",
        unit: "IND-EMB",
        manager: "Ananya Rao",
        status: ProjectStatus::Proposed,
        priority: 500,
        start: "2027-01-11",
        nature: Nature::Research,
        items: &[
            ("Defect detection network", "computer vision"),
            ("Model quantisation for the edge NPU", "machine learning"),
            ("Camera and lighting set-up", "computer vision"),
        ],
        size: 0,
        dev: "embedded C",
        field: "machine learning",
        core: &["Karthik Subramanian"],
    },
    ProjectSpec {
        code: "ERP-S4",
        name: "ERP-S4 — SAP S/4HANA migration",
        description: "Brownfield conversion of SAP ECC 6.0 to S/4HANA for the French and US \
                      entities: finance, controlling, procurement, sales, production, warehouse, \
                      quality and treasury. Four mock loads before the cutover, planned for the \
                      first quarter of 2027.",
        site: "GRE",
        unit: "DIG-ENT",
        manager: "Camille Durand",
        status: ProjectStatus::Active,
        priority: 950,
        start: "2026-06-01",
        nature: Nature::Migration,
        items: &[
            ("Finance (FI)", "SAP FI"),
            ("Controlling (CO)", "SAP CO"),
            ("Procurement (MM)", "SAP MM"),
            ("Sales (SD)", "SAP SD"),
            ("Production (PP)", "SAP PP"),
            ("Warehouse (EWM)", "SAP MM"),
            ("Quality (QM)", "SAP PP"),
            ("Treasury (TRM)", "SAP FI"),
        ],
        size: 4,
        dev: "ABAP",
        field: "SAP FI",
        core: &["Léa Garnier", "Chloé Lambert", "Inès Mercier"],
    },
    ProjectSpec {
        code: "CRM-SFDC",
        name: "CRM-SFDC — customer service on Salesforce",
        description: "Moved after-sales case handling from e-mail and spreadsheets to Salesforce \
                      Service Cloud with a customer portal and an ERP integration for spare parts. \
                      Closed after hypercare.",
        site: "CHI",
        unit: "DIG-ENT",
        manager: "Olivia Thompson",
        status: ProjectStatus::Closed,
        priority: 400,
        start: "2025-01-13",
        nature: Nature::Software,
        items: &[
            ("Case management", "Salesforce"),
            ("Customer portal", "frontend"),
            ("ERP integration", "integration"),
        ],
        size: 6,
        dev: "Salesforce",
        field: "",
        core: &["Ashley Williams"],
    },
    ProjectSpec {
        code: "PLM-UPG",
        name: "PLM-UPG — PLM upgrade and CAD data migration",
        description: "Upgrade of the PLM system two major versions and migration of 1.2 million \
                      parts, BOMs and CAD files into the new vault, with the engineering change \
                      workflow redesigned.",
        site: "PUN",
        unit: "DIG-ENT",
        manager: "Amit Joshi",
        status: ProjectStatus::Approved,
        priority: 650,
        start: "2027-01-11",
        nature: Nature::Migration,
        items: &[
            ("Parts and BOMs", "PLM"),
            ("CAD vault", "PLM"),
            ("Engineering change workflow", "PLM"),
        ],
        size: 2,
        dev: "backend Java",
        field: "PLM",
        core: &["Aditya Bhosale"],
    },
    ProjectSpec {
        code: "DC-CONSOL",
        name: "DC-CONSOL — data centre consolidation Chicago",
        description: "Closes the Elk Grove data centre and moves its 420 servers to the Chicago \
                      co-location site in six waves, on a new Kubernetes and storage platform.",
        site: "CHI",
        unit: "DIG-INFRA",
        manager: "Michael Johnson",
        status: ProjectStatus::Active,
        priority: 850,
        start: "2026-05-04",
        nature: Nature::Infrastructure,
        items: &[
            ("Shared services", ""),
            ("Engineering and PLM", ""),
            ("Manufacturing systems", ""),
            ("Finance and HR", ""),
            ("Sales and CRM", ""),
            ("Legacy archives", "storage"),
        ],
        size: 0,
        dev: "Kubernetes",
        field: "data centre",
        core: &["Kevin Anderson"],
    },
    ProjectSpec {
        code: "SDWAN",
        name: "SDWAN — SD-WAN roll-out to plants and offices",
        description: "Proposal: replace MPLS links with SD-WAN on the six main sites to cut WAN \
                      costs and give plants local internet breakout with central security policy.",
        site: "PUN",
        unit: "DIG-INFRA",
        manager: "Rohan Gokhale",
        status: ProjectStatus::Proposed,
        priority: 550,
        start: "2027-03-01",
        nature: Nature::Infrastructure,
        items: &[
            ("Pune campus", "SD-WAN"),
            ("Chakan plant", "SD-WAN"),
            ("Grenoble", "network"),
            ("Lyon plant", "network"),
            ("Chicago", "network"),
            ("Monterrey plant", "network"),
        ],
        size: 0,
        dev: "network",
        field: "network",
        core: &["Meera Pawar"],
    },
    ProjectSpec {
        code: "ZT-SEC",
        name: "ZT-SEC — zero-trust access programme",
        description: "Replace the VPN with identity-aware access for all internal applications. \
                      Cancelled in 2025: folded into the group security programme.",
        site: "GRE",
        unit: "DIG-INFRA",
        manager: "Romain Blanc",
        status: ProjectStatus::Cancelled,
        priority: 300,
        start: "2025-03-03",
        nature: Nature::Software,
        items: &[
            ("Identity federation", "identity management"),
            ("Device posture", "security"),
            ("Access gateway", "network"),
        ],
        size: 3,
        dev: "security",
        field: "",
        core: &[],
    },
    ProjectSpec {
        code: "PDM-AI",
        name: "PDM-AI — predictive maintenance analytics pilot",
        description: "Pilot with two key customers: predict spindle and bearing failures from \
                      drive and vibration data collected by our gateways, and decide whether to \
                      offer it as a service.",
        site: "CHI",
        unit: "IND-AUTO",
        manager: "Jason Park",
        status: ProjectStatus::Active,
        priority: 500,
        start: "2026-07-06",
        nature: Nature::Research,
        items: &[
            ("Vibration anomaly detection", "machine learning"),
            ("Remaining useful life model", "data science"),
            ("Edge data pipeline", "backend Java"),
        ],
        size: 0,
        dev: "Python",
        field: "data science",
        core: &[],
    },
];
