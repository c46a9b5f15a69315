//! The demo organisation: Vantor Industries, a fictional maker of industrial automation
//! equipment with its own IT department, on three sites.
//!
//! Holidays are the real public holidays of 2025, 2026 and 2027 for each site (the demo's
//! projects run over those years): the eleven French public holidays (Grenoble), the US federal
//! holidays on the day they are observed (Chicago), and the Maharashtra state government's list
//! for Pune (national days, gazetted festivals and state holidays). Islamic festival dates of
//! 2027 depend on the sighting of the moon and are marked tentative.

/// The fictional company; e-mails are `first.last@` [`DOMAIN`].
pub const COMPANY: &str = "Vantor Industries";
pub const DOMAIN: &str = "vantor.example";

pub struct SiteSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub country: &'static str,
    pub time_zone: &'static str,
    pub currency: &'static str,
    pub working_week: &'static [&'static str],
    pub working_hours: &'static [(&'static str, &'static str)],
    pub holidays: &'static [(&'static str, &'static str)],
}

const WEEK: &[&str] = &["mon", "tue", "wed", "thu", "fri"];

pub const SITES: &[SiteSpec] = &[
    SiteSpec {
        code: "GRE",
        name: "Grenoble (FR) — headquarters and automation R&D",
        country: "FR",
        time_zone: "Europe/Paris",
        currency: "EUR",
        working_week: WEEK,
        working_hours: &[("09:00", "12:30"), ("13:30", "18:00")],
        holidays: &[
            ("2025-01-01", "Jour de l'an"),
            ("2025-04-21", "Lundi de Pâques"),
            ("2025-05-01", "Fête du Travail"),
            ("2025-05-08", "Victoire 1945"),
            ("2025-05-29", "Ascension"),
            ("2025-06-09", "Lundi de Pentecôte"),
            ("2025-07-14", "Fête nationale"),
            ("2025-08-15", "Assomption"),
            ("2025-11-01", "Toussaint"),
            ("2025-11-11", "Armistice 1918"),
            ("2025-12-25", "Noël"),
            ("2026-01-01", "Jour de l'an"),
            ("2026-04-06", "Lundi de Pâques"),
            ("2026-05-01", "Fête du Travail"),
            ("2026-05-08", "Victoire 1945"),
            ("2026-05-14", "Ascension"),
            ("2026-05-25", "Lundi de Pentecôte"),
            ("2026-07-14", "Fête nationale"),
            ("2026-08-15", "Assomption"),
            ("2026-11-01", "Toussaint"),
            ("2026-11-11", "Armistice 1918"),
            ("2026-12-25", "Noël"),
            ("2027-01-01", "Jour de l'an"),
            ("2027-03-29", "Lundi de Pâques"),
            ("2027-05-01", "Fête du Travail"),
            ("2027-05-06", "Ascension"),
            ("2027-05-08", "Victoire 1945"),
            ("2027-05-17", "Lundi de Pentecôte"),
            ("2027-07-14", "Fête nationale"),
            ("2027-08-15", "Assomption"),
            ("2027-11-01", "Toussaint"),
            ("2027-11-11", "Armistice 1918"),
            ("2027-12-25", "Noël"),
        ],
    },
    SiteSpec {
        code: "CHI",
        name: "Chicago (US) — drives, data centre and North America sales",
        country: "US",
        time_zone: "America/Chicago",
        currency: "USD",
        working_week: WEEK,
        working_hours: &[("08:00", "12:00"), ("13:00", "17:00")],
        holidays: &[
            ("2025-01-01", "New Year's Day"),
            ("2025-01-20", "Martin Luther King Jr. Day"),
            ("2025-02-17", "Washington's Birthday"),
            ("2025-05-26", "Memorial Day"),
            ("2025-06-19", "Juneteenth National Independence Day"),
            ("2025-07-04", "Independence Day"),
            ("2025-09-01", "Labor Day"),
            ("2025-10-13", "Columbus Day"),
            ("2025-11-11", "Veterans Day"),
            ("2025-11-27", "Thanksgiving Day"),
            ("2025-12-25", "Christmas Day"),
            ("2026-01-01", "New Year's Day"),
            ("2026-01-19", "Martin Luther King Jr. Day"),
            ("2026-02-16", "Washington's Birthday"),
            ("2026-05-25", "Memorial Day"),
            ("2026-06-19", "Juneteenth National Independence Day"),
            ("2026-07-03", "Independence Day (observed)"),
            ("2026-09-07", "Labor Day"),
            ("2026-10-12", "Columbus Day"),
            ("2026-11-11", "Veterans Day"),
            ("2026-11-26", "Thanksgiving Day"),
            ("2026-12-25", "Christmas Day"),
            ("2027-01-01", "New Year's Day"),
            ("2027-01-18", "Martin Luther King Jr. Day"),
            ("2027-02-15", "Washington's Birthday"),
            ("2027-05-31", "Memorial Day"),
            (
                "2027-06-18",
                "Juneteenth National Independence Day (observed)",
            ),
            ("2027-07-05", "Independence Day (observed)"),
            ("2027-09-06", "Labor Day"),
            ("2027-10-11", "Columbus Day"),
            ("2027-11-11", "Veterans Day"),
            ("2027-11-25", "Thanksgiving Day"),
            ("2027-12-24", "Christmas Day (observed)"),
            ("2027-12-31", "New Year's Day 2028 (observed)"),
        ],
    },
    SiteSpec {
        code: "PUN",
        name: "Pune (IN) — embedded software and IT services centre",
        country: "IN",
        time_zone: "Asia/Kolkata",
        currency: "INR",
        working_week: WEEK,
        working_hours: &[("09:30", "13:30"), ("14:15", "18:15")],
        holidays: &[
            ("2025-01-26", "Republic Day"),
            ("2025-02-19", "Chhatrapati Shivaji Maharaj Jayanti"),
            ("2025-02-26", "Mahashivratri"),
            ("2025-03-14", "Holi (Dhulivandan)"),
            ("2025-03-30", "Gudi Padwa"),
            ("2025-03-31", "Ramzan Id (Id-ul-Fitr)"),
            ("2025-04-10", "Mahavir Jayanti"),
            ("2025-04-14", "Dr. Babasaheb Ambedkar Jayanti"),
            ("2025-04-18", "Good Friday"),
            ("2025-05-01", "Maharashtra Day"),
            ("2025-05-12", "Buddha Purnima"),
            ("2025-06-07", "Bakri Id (Id-ul-Zuha)"),
            ("2025-07-06", "Muharram"),
            ("2025-08-15", "Independence Day / Parsi New Year"),
            ("2025-08-16", "Janmashtami"),
            ("2025-08-27", "Ganesh Chaturthi"),
            ("2025-09-05", "Id-e-Milad"),
            ("2025-10-02", "Mahatma Gandhi Jayanti / Dussehra"),
            ("2025-10-20", "Diwali (Lakshmi Puja)"),
            ("2025-10-22", "Diwali (Balipratipada)"),
            ("2025-11-05", "Guru Nanak Jayanti"),
            ("2025-12-25", "Christmas"),
            ("2026-01-26", "Republic Day"),
            ("2026-02-19", "Chhatrapati Shivaji Maharaj Jayanti"),
            ("2026-03-03", "Holi (Dhulivandan)"),
            ("2026-03-19", "Gudi Padwa"),
            ("2026-03-21", "Ramzan Id (Id-ul-Fitr)"),
            ("2026-03-26", "Ram Navami"),
            ("2026-03-31", "Mahavir Jayanti"),
            ("2026-04-03", "Good Friday"),
            ("2026-04-14", "Dr. Babasaheb Ambedkar Jayanti"),
            ("2026-05-01", "Maharashtra Day / Buddha Purnima"),
            ("2026-05-27", "Bakri Id (Id-ul-Zuha)"),
            ("2026-06-26", "Muharram"),
            ("2026-08-15", "Independence Day / Parsi New Year"),
            ("2026-08-26", "Id-e-Milad"),
            ("2026-09-04", "Janmashtami"),
            ("2026-09-14", "Ganesh Chaturthi"),
            ("2026-10-02", "Mahatma Gandhi Jayanti"),
            ("2026-10-20", "Dussehra"),
            ("2026-11-08", "Diwali (Lakshmi Puja)"),
            ("2026-11-10", "Diwali (Balipratipada)"),
            ("2026-11-24", "Guru Nanak Jayanti"),
            ("2026-12-25", "Christmas"),
            ("2027-01-26", "Republic Day"),
            ("2027-02-19", "Chhatrapati Shivaji Maharaj Jayanti"),
            ("2027-03-06", "Mahashivratri"),
            ("2027-03-10", "Ramzan Id (Id-ul-Fitr, tentative)"),
            ("2027-03-22", "Holi (Dhulivandan)"),
            ("2027-03-26", "Good Friday"),
            ("2027-04-07", "Gudi Padwa"),
            ("2027-04-14", "Dr. Babasaheb Ambedkar Jayanti"),
            ("2027-04-15", "Ram Navami"),
            ("2027-04-18", "Mahavir Jayanti"),
            ("2027-05-01", "Maharashtra Day"),
            ("2027-05-17", "Bakri Id (Id-ul-Zuha, tentative)"),
            ("2027-05-20", "Buddha Purnima"),
            ("2027-06-16", "Muharram (tentative)"),
            (
                "2027-08-15",
                "Independence Day / Parsi New Year / Id-e-Milad",
            ),
            ("2027-08-25", "Janmashtami"),
            ("2027-09-04", "Ganesh Chaturthi"),
            ("2027-10-02", "Mahatma Gandhi Jayanti"),
            ("2027-10-09", "Dussehra"),
            ("2027-10-29", "Diwali (Lakshmi Puja)"),
            ("2027-10-30", "Diwali (Balipratipada)"),
            ("2027-11-14", "Guru Nanak Jayanti"),
            ("2027-12-25", "Christmas"),
        ],
    },
];

/// Business units and their lines: `(code, name, parent code)`.
pub const BUSINESS_UNITS: &[(&str, &str, Option<&str>)] = &[
    ("IND", "Industrial Systems", None),
    ("IND-AUTO", "Automation Hardware", Some("IND")),
    ("IND-EMB", "Embedded Software", Some("IND")),
    ("DIG", "Digital & IT", None),
    ("DIG-ENT", "Enterprise Applications", Some("DIG")),
    ("DIG-INFRA", "Infrastructure & Cloud", Some("DIG")),
];

/// A person of the demo: site code, name and skills.
pub struct PersonSpec {
    pub site: &'static str,
    pub name: &'static str,
    pub skills: &'static [&'static str],
}

const fn p(site: &'static str, name: &'static str, skills: &'static [&'static str]) -> PersonSpec {
    PersonSpec { site, name, skills }
}

pub const PEOPLE: &[PersonSpec] = &[
    // Grenoble
    p(
        "GRE",
        "Sophie Marchand",
        &["IT administration", "Linux", "security"],
    ),
    p(
        "GRE",
        "Claire Fontaine",
        &["quality management", "process design", "technical writing"],
    ),
    p(
        "GRE",
        "Jean-Marc Lefèvre",
        &["portfolio management", "strategy"],
    ),
    p(
        "GRE",
        "Camille Durand",
        &["project management", "SAP FI", "change management"],
    ),
    p(
        "GRE",
        "Julien Moreau",
        &["project management", "systems engineering"],
    ),
    p(
        "GRE",
        "Élodie Bernard",
        &["electronics design", "PCB design"],
    ),
    p("GRE", "Thomas Girard", &["PCB design", "EMC testing"]),
    p(
        "GRE",
        "Nicolas Roux",
        &["embedded C", "firmware", "RTOS", "project management"],
    ),
    p(
        "GRE",
        "Manon Petit",
        &["embedded C", "test automation", "Python"],
    ),
    p(
        "GRE",
        "Antoine Fabre",
        &["mechanical CAD", "thermal simulation"],
    ),
    p("GRE", "Léa Garnier", &["SAP FI", "SAP CO"]),
    p("GRE", "Hugo Chevalier", &["SAP MM", "SAP SD"]),
    p("GRE", "Chloé Lambert", &["data migration", "SQL"]),
    p("GRE", "Maxime Rousseau", &["ABAP", "SAP PP"]),
    p(
        "GRE",
        "Inès Mercier",
        &["business analysis", "change management", "training"],
    ),
    p(
        "GRE",
        "Romain Blanc",
        &["security", "network", "project management"],
    ),
    p("GRE", "Pauline Guérin", &["UX", "frontend"]),
    p("GRE", "Mathieu Faure", &["FPGA", "electronics design"]),
    p(
        "GRE",
        "Aurélie Perrin",
        &["procurement", "manufacturing engineering"],
    ),
    p(
        "GRE",
        "Sébastien Morel",
        &["hardware testing", "EMC testing", "certification"],
    ),
    p(
        "GRE",
        "Lucie Bonnet",
        &["portfolio management", "project controls"],
    ),
    p(
        "GRE",
        "Vincent Dupuis",
        &["PLC", "systems engineering", "functional safety"],
    ),
    // Chicago
    p(
        "CHI",
        "Megan O'Brien",
        &["project controls", "scheduling", "resource planning"],
    ),
    p(
        "CHI",
        "Michael Johnson",
        &["project management", "data centre"],
    ),
    p(
        "CHI",
        "Jennifer Kowalski",
        &["Kubernetes", "DevOps", "Linux"],
    ),
    p("CHI", "David Martinez", &["network", "data centre"]),
    p(
        "CHI",
        "Ashley Williams",
        &["Salesforce", "business analysis"],
    ),
    p("CHI", "Brian Nguyen", &["backend Java", "integration"]),
    p("CHI", "Emily Carter", &["UX", "frontend"]),
    p("CHI", "Kevin Anderson", &["storage", "backup", "VMware"]),
    p(
        "CHI",
        "Rachel Goldberg",
        &["security", "identity management"],
    ),
    p(
        "CHI",
        "Marcus Washington",
        &["database administration", "SQL"],
    ),
    p("CHI", "Sarah Mitchell", &["quality management", "audit"]),
    p(
        "CHI",
        "Tyler Brooks",
        &[
            "electronics design",
            "power electronics",
            "project management",
        ],
    ),
    p(
        "CHI",
        "Laura Schmidt",
        &["mechanical CAD", "manufacturing engineering"],
    ),
    p(
        "CHI",
        "Daniel Rivera",
        &["test automation", "hardware testing", "PLC"],
    ),
    p(
        "CHI",
        "Olivia Thompson",
        &["project management", "Salesforce"],
    ),
    p(
        "CHI",
        "Jason Park",
        &[
            "data science",
            "machine learning",
            "Python",
            "project management",
        ],
    ),
    p("CHI", "Christopher Hayes", &["embedded C", "firmware"]),
    p(
        "CHI",
        "Nicole Foster",
        &["procurement", "vendor management"],
    ),
    // Pune
    p(
        "PUN",
        "Rahul Deshpande",
        &["portfolio management", "project management"],
    ),
    p("PUN", "Priya Kulkarni", &["project controls", "scheduling"]),
    p("PUN", "Amit Joshi", &["project management", "PLM"]),
    p(
        "PUN",
        "Sneha Patil",
        &[
            "embedded C",
            "RTOS",
            "functional safety",
            "project management",
        ],
    ),
    p("PUN", "Vikram Iyer", &["embedded C", "firmware", "Linux"]),
    p(
        "PUN",
        "Ananya Rao",
        &[
            "machine learning",
            "computer vision",
            "Python",
            "project management",
        ],
    ),
    p(
        "PUN",
        "Rohan Gokhale",
        &["network", "SD-WAN", "project management"],
    ),
    p("PUN", "Kavya Nair", &["test automation", "Python"]),
    p("PUN", "Aditya Bhosale", &["data migration", "SQL", "PLM"]),
    p("PUN", "Pooja Shinde", &["SAP MM", "SAP PP"]),
    p("PUN", "Suresh Reddy", &["ABAP", "SAP SD"]),
    p("PUN", "Neha Sharma", &["UX", "frontend"]),
    p(
        "PUN",
        "Arjun Menon",
        &["Kubernetes", "DevOps", "cloud architecture"],
    ),
    p("PUN", "Meera Pawar", &["security", "network"]),
    p("PUN", "Sanjay Kadam", &["database administration", "Linux"]),
    p("PUN", "Divya Chavan", &["business analysis", "training"]),
    p(
        "PUN",
        "Karthik Subramanian",
        &["data science", "machine learning"],
    ),
    p("PUN", "Ishaan Mehta", &["backend Java", "integration"]),
    p(
        "PUN",
        "Nikhil Apte",
        &["FPGA", "electronics design", "hardware testing"],
    ),
    p(
        "PUN",
        "Shreya Deshmukh",
        &["technical writing", "quality management"],
    ),
];

/// `first.last@vantor.example`, without accents, apostrophes or spaces.
pub fn email_of(name: &str) -> String {
    let mut local = String::new();
    for (i, part) in name.split_whitespace().enumerate() {
        if i > 0 {
            local.push('.');
        }
        for c in part.chars() {
            let c = match c {
                'à' | 'â' | 'ä' | 'á' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
                'î' | 'ï' | 'í' => 'i',
                'ô' | 'ö' | 'ó' => 'o',
                'ù' | 'û' | 'ü' | 'ú' => 'u',
                'ç' => 'c',
                c => c,
            };
            if c.is_ascii_alphanumeric() || c == '-' {
                local.push(c.to_ascii_lowercase());
            }
        }
    }
    format!("{local}@{DOMAIN}")
}

/// A demo login: role, scope, the person behind it and the password.
pub struct LoginSpec {
    pub role: &'static str,
    pub scope: &'static str,
    pub person: &'static str,
    pub password: &'static str,
}

pub const LOGINS: &[LoginSpec] = &[
    LoginSpec {
        role: "admin",
        scope: "global",
        person: "Sophie Marchand",
        password: "demo-admin-2026",
    },
    LoginSpec {
        role: "pmo",
        scope: "business_unit:DIG",
        person: "Rahul Deshpande",
        password: "demo-pmo-2026",
    },
    LoginSpec {
        role: "pmo",
        scope: "business_unit:IND",
        person: "Lucie Bonnet",
        password: "demo-pmo-ind-2026",
    },
    LoginSpec {
        role: "standards",
        scope: "global",
        person: "Claire Fontaine",
        password: "demo-stds-2026",
    },
    LoginSpec {
        role: "pso",
        scope: "site:CHI",
        person: "Megan O'Brien",
        password: "demo-pso-2026",
    },
    LoginSpec {
        role: "pso",
        scope: "site:PUN",
        person: "Priya Kulkarni",
        password: "demo-pso-pune-2026",
    },
    LoginSpec {
        role: "project_manager",
        scope: "project:ERP-S4",
        person: "Camille Durand",
        password: "demo-pm-2026",
    },
    LoginSpec {
        role: "member",
        scope: "project:ERP-S4",
        person: "Léa Garnier",
        password: "demo-member-2026",
    },
    LoginSpec {
        role: "executive",
        scope: "global",
        person: "Jean-Marc Lefèvre",
        password: "demo-exec-2026",
    },
    LoginSpec {
        role: "qa",
        scope: "global",
        person: "Sarah Mitchell",
        password: "demo-qa-2026",
    },
];

/// Each site's time rules (issue 10), from 1 January 2025: local regulations differ.
/// `(site code, rules as the API takes them)`.
pub fn time_rules() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        // France: at most 10 hours a day and 48 a week, no work on weekends.
        (
            "GRE",
            json!({"valid_from": "2025-01-01", "max_minutes_per_day": 600,
                "max_minutes_per_week": 2880, "weekend": "forbid", "holiday": "warn",
                "only_assigned_tasks": true, "within_task_dates": "warn",
                "submit_by": "MON 12:00", "lock_after_days": 10}),
        ),
        // United States: no legal daily cap; overtime past 40 hours is paid, so past 50 warns
        // through the project office rather than being refused.
        (
            "CHI",
            json!({"valid_from": "2025-01-01", "max_minutes_per_week": 3600,
                "weekend": "warn", "holiday": "warn", "only_assigned_tasks": false,
                "within_task_dates": "allow", "submit_by": "FRI 17:00", "lock_after_days": 14}),
        ),
        // India: 9 hours a day, 48 a week, Saturdays and holidays warn.
        (
            "PUN",
            json!({"valid_from": "2025-01-01", "max_minutes_per_day": 540,
                "max_minutes_per_week": 2880, "weekend": "warn", "holiday": "warn",
                "only_assigned_tasks": true, "within_task_dates": "warn",
                "submit_by": "MON 10:00", "lock_after_days": 7}),
        ),
    ]
}
