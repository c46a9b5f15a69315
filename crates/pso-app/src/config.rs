//! The configuration of a PSO server: one typed [`Settings`], read from four layers.
//!
//! # Precedence
//!
//! `defaults < file < PSO_* environment < command-line flags`: each key takes its value from
//! the strongest layer that sets it, and [`Settings::describe`] tells which one that was.
//!
//! - **The file** is `--config FILE` (or `PSO_CONFIG`), else `pso.toml` in the data directory
//!   when it exists. It is TOML; a key it does not know is refused with the key and the file
//!   named, so a typo never silently falls back to a default.
//! - **The environment**: every key has a variable, `PSO_` and the key in capitals with `.`
//!   as `_` (`jobs.workers` → `PSO_JOBS_WORKERS`). Other `PSO_*` variables are not ours to
//!   refuse (`PSO_LOG`, test settings) and are left alone.
//! - **Flags** are given by the command line (`pso serve --listen ...`), which also reads the
//!   variables of its own flags (clap's `env`); both layers agree, since a flag beats its
//!   variable there too.
//!
//! Every value is parsed the same way whatever its layer, and an error names the key and where
//! the bad value came from. Secrets (the SMTP password, the database URL, which may carry a
//! password) are held in [`Secret`], whose `Debug` and `Display` print `***`: settings can be
//! logged and shown (`pso config check`) without leaking them.

use crate::jobs::JobSettings;
use crate::mail::{MailConfig, SmtpSettings, TlsMode};
use crate::Limits;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A value that must not be printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Default,
    File,
    Env,
    Flag,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Env => "env",
            Source::Flag => "flag",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Bool,
    Count,
    Secret,
}

/// One key of the configuration.
pub struct Key {
    pub name: &'static str,
    kind: Kind,
    /// The default as text (`None`: unset by default).
    pub default: Option<&'static str>,
    pub doc: &'static str,
}

impl Key {
    /// The environment variable of the key.
    pub fn env(&self) -> String {
        format!("PSO_{}", self.name.replace('.', "_").to_ascii_uppercase())
    }

    pub fn is_secret(&self) -> bool {
        self.kind == Kind::Secret || self.name == "database_url"
    }
}

const fn key(
    name: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    doc: &'static str,
) -> Key {
    Key {
        name,
        kind,
        default,
        doc,
    }
}

/// Every key, in the order `pso config check` shows them (and README.md documents them).
pub const KEYS: &[Key] = &[
    key("data_dir", Kind::Text, Some("./pso-data"), "Data directory: the SQLite database and pso.toml live here"),
    key("database_url", Kind::Text, None, "sqlite://FILE or postgres://USER:PASSWORD@HOST/DB (default: pso.db in the data directory)"),
    key("listen", Kind::Text, Some("127.0.0.1:8080"), "Address the web server listens on"),
    key("secure_cookies", Kind::Bool, Some("false"), "Mark cookies Secure (PSO served over TLS, directly or behind a proxy)"),
    key("base_url", Kind::Text, None, "Public address of PSO, for links in e-mail (https://pso.example.org)"),
    key("jobs.workers", Kind::Count, Some("2"), "Job workers in this process (0: run no jobs here)"),
    key("jobs.lease_secs", Kind::Count, Some("60"), "Seconds a running job stays with its worker without a heartbeat; a job whose server died is taken up again after this"),
    key("jobs.scheduler_secs", Kind::Count, Some("15"), "Seconds between looks for due recurring jobs (0: no scheduler here)"),
    key("smtp.host", Kind::Text, None, "SMTP server; without it mail stays in the outbox"),
    key("smtp.port", Kind::Count, None, "SMTP port (default: 587 for starttls, 465 for tls, 25 for none)"),
    key("smtp.tls", Kind::Text, Some("starttls"), "none, starttls or tls"),
    key("smtp.user", Kind::Text, None, "SMTP user name (no authentication without it)"),
    key("smtp.password", Kind::Secret, None, "SMTP password"),
    key("smtp.from", Kind::Text, Some("PSO <pso@localhost>"), "Sender of PSO's e-mail"),
    key("smtp.timeout_secs", Kind::Count, Some("30"), "Seconds one SMTP conversation may take"),
    key("smtp.retry_secs", Kind::Count, Some("30"), "First wait after a failed send; doubled after each further failure, at most an hour"),
    key("smtp.max_attempts", Kind::Count, Some("8"), "Attempts before a message is given up (failed)"),
    key("limits.max_tasks_per_project", Kind::Count, Some("50000"), "Most tasks one project may hold"),
    key("limits.max_upload_bytes", Kind::Count, Some("67108864"), "Largest accepted upload (MS Project files), in bytes"),
];

fn find_key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// What went wrong while reading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {reason}")]
    Syntax { path: String, reason: String },
    #[error("unknown key `{key}` in {path} (known keys: {known})")]
    UnknownKey {
        key: String,
        path: String,
        known: String,
    },
    #[error("{key} ({from}): {reason}")]
    Value {
        key: String,
        from: String,
        reason: String,
    },
}

/// What the command line gives: the file it names and the flags it was given.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `--config FILE`: must exist.
    pub config_file: Option<PathBuf>,
    /// `(key, value)` of the flags given on the command line (or by their variables).
    pub flags: Vec<(&'static str, String, Source)>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// Explicit or the SQLite file of the data directory.
    pub database_url: Secret,
    pub listen: String,
    pub secure_cookies: bool,
    pub jobs: JobSettings,
    pub mail: MailConfig,
    pub limits: Limits,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
    /// Every key: the value as shown (secrets hidden) and where it came from.
    shown: Vec<(&'static str, String, Source)>,
}

struct Layers {
    values: BTreeMap<&'static str, (String, Source, String)>,
}

impl Layers {
    fn set(&mut self, k: &'static Key, value: String, source: Source, from: String) {
        let stronger = self.values.get(k.name).is_none_or(|(_, s, _)| *s <= source);
        if stronger {
            self.values.insert(k.name, (value, source, from));
        }
    }

    fn raw(&self, name: &str) -> Option<&(String, Source, String)> {
        self.values.get(name)
    }

    fn err(&self, name: &str, reason: impl Into<String>) -> ConfigError {
        let from = self
            .raw(name)
            .map(|(_, _, f)| f.clone())
            .unwrap_or_else(|| "default".into());
        ConfigError::Value {
            key: name.to_string(),
            from,
            reason: reason.into(),
        }
    }

    fn text(&self, name: &str) -> Option<String> {
        self.raw(name)
            .map(|(v, _, _)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn count(&self, name: &str) -> Result<Option<u64>, ConfigError> {
        match self.text(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| self.err(name, format!("'{v}' is not a whole number"))),
        }
    }

    fn need_count(&self, name: &str) -> Result<u64, ConfigError> {
        self.count(name)?
            .ok_or_else(|| self.err(name, "a whole number is needed"))
    }

    fn bool(&self, name: &str) -> Result<bool, ConfigError> {
        match self.text(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("false" | "0" | "no" | "off") => Ok(false),
            Some("true" | "1" | "yes" | "on") => Ok(true),
            Some(v) => Err(self.err(name, format!("'{v}' is not true or false"))),
        }
    }
}

/// The text of a TOML value for a key of this kind.
fn toml_text(k: &Key, v: &toml::Value, path: &str) -> Result<String, ConfigError> {
    let bad = |what: &str| ConfigError::Value {
        key: k.name.to_string(),
        from: path.to_string(),
        reason: format!("expected {what}, found {}", v.type_str()),
    };
    match (k.kind, v) {
        (Kind::Text | Kind::Secret, toml::Value::String(s)) => Ok(s.clone()),
        (Kind::Bool, toml::Value::Boolean(b)) => Ok(b.to_string()),
        (Kind::Count, toml::Value::Integer(i)) => Ok(i.to_string()),
        (Kind::Text | Kind::Secret, _) => Err(bad("a string")),
        (Kind::Bool, _) => Err(bad("true or false")),
        (Kind::Count, _) => Err(bad("a whole number")),
    }
}

/// Reads the file's keys (refusing unknown ones, naming them and the file).
fn read_file(path: &Path) -> Result<Vec<(&'static Key, String)>, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let known = || KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ");
    let unknown = |name: String| ConfigError::UnknownKey {
        key: name,
        path: shown.clone(),
        known: known(),
    };
    let mut out = Vec::new();
    for (name, v) in &table {
        match v {
            toml::Value::Table(section)
                if KEYS.iter().any(|k| k.name.starts_with(&format!("{name}."))) =>
            {
                for (sub, v) in section {
                    let full = format!("{name}.{sub}");
                    let k = find_key(&full).ok_or_else(|| unknown(full.clone()))?;
                    out.push((k, toml_text(k, v, &shown)?));
                }
            }
            _ => {
                let k = find_key(name)
                    .filter(|k| !k.name.contains('.'))
                    .ok_or_else(|| unknown(name.clone()))?;
                out.push((k, toml_text(k, v, &shown)?));
            }
        }
    }
    Ok(out)
}

/// Reads the configuration: defaults, the file, the environment (through `env`), the flags.
pub fn load(
    inputs: &Inputs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let mut l = Layers {
        values: BTreeMap::new(),
    };
    for k in KEYS {
        if let Some(d) = k.default {
            l.set(k, d.to_string(), Source::Default, "default".into());
        }
    }
    let env_layer = |l: &mut Layers| {
        for k in KEYS {
            let var = k.env();
            if let Some(v) = env(&var) {
                l.set(k, v, Source::Env, var);
            }
        }
    };
    let flag_layer = |l: &mut Layers| {
        for (name, v, source) in &inputs.flags {
            if let Some(k) = find_key(name) {
                let from = match source {
                    Source::Env => k.env(),
                    _ => format!("--{}", name.replace(['_', '.'], "-")),
                };
                l.set(k, v.clone(), *source, from);
            }
        }
    };
    // Where the file is: --config, else pso.toml in the data directory chosen so far.
    env_layer(&mut l);
    flag_layer(&mut l);
    let file = match &inputs.config_file {
        Some(f) => Some(f.clone()),
        None => {
            let dir = PathBuf::from(l.text("data_dir").unwrap_or_else(|| ".".into()));
            let f = dir.join("pso.toml");
            f.is_file().then_some(f)
        }
    };
    if let Some(f) = &file {
        for (k, v) in read_file(f)? {
            l.set(k, v, Source::File, f.display().to_string());
        }
    }

    let data_dir = PathBuf::from(l.text("data_dir").unwrap_or_else(|| ".".into()));
    let database_url = match l.text("database_url") {
        Some(u) => {
            if !(u.starts_with("sqlite:")
                || u.starts_with("postgres://")
                || u.starts_with("postgresql://"))
            {
                return Err(l.err(
                    "database_url",
                    "the URL must start with sqlite: or postgres://",
                ));
            }
            u
        }
        None => format!("sqlite://{}?mode=rwc", data_dir.join("pso.db").display()),
    };
    let listen = l
        .text("listen")
        .ok_or_else(|| l.err("listen", "an address (host:port) is needed"))?;
    if !listen.contains(':') {
        return Err(l.err("listen", format!("'{listen}' is not host:port")));
    }
    let base_url = l.text("base_url");
    if let Some(b) = &base_url {
        if !(b.starts_with("http://") || b.starts_with("https://")) {
            return Err(l.err("base_url", "an address starting with http:// or https://"));
        }
    }
    let lease = l.need_count("jobs.lease_secs")?;
    if lease < 2 {
        return Err(l.err("jobs.lease_secs", "at least 2 seconds"));
    }
    let jobs = JobSettings {
        workers: l.need_count("jobs.workers")? as usize,
        lease: Duration::from_secs(lease),
        scheduler_interval: Duration::from_secs(l.need_count("jobs.scheduler_secs")?),
        ..JobSettings::default()
    };
    let tls_text = l.text("smtp.tls").unwrap_or_else(|| "starttls".into());
    let tls = TlsMode::parse(&tls_text).ok_or_else(|| {
        l.err(
            "smtp.tls",
            format!("'{tls_text}' is not none, starttls or tls"),
        )
    })?;
    let smtp = match l.text("smtp.host") {
        None => None,
        Some(host) => {
            let port = match l.count("smtp.port")? {
                Some(p) => u16::try_from(p)
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| l.err("smtp.port", format!("{p} is not a port")))?,
                None => match tls {
                    TlsMode::None => 25,
                    TlsMode::Starttls => 587,
                    TlsMode::Tls => 465,
                },
            };
            let from = l.text("smtp.from").unwrap_or_default();
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(l.err(
                    "smtp.from",
                    format!("'{from}' is not an address (PSO <pso@example.org>)"),
                ));
            }
            Some(SmtpSettings {
                host,
                port,
                tls,
                user: l.text("smtp.user"),
                password: l
                    .raw("smtp.password")
                    .map(|(v, _, _)| Secret::new(v.clone())),
                from,
                timeout: Duration::from_secs(l.need_count("smtp.timeout_secs")?.max(1)),
            })
        }
    };
    let mail = MailConfig {
        smtp,
        base_url,
        retry_base: Duration::from_secs(l.need_count("smtp.retry_secs")?.max(1)),
        max_attempts: l.need_count("smtp.max_attempts")?.clamp(1, 100) as i64,
    };
    let limits = Limits {
        max_tasks_per_project: l.need_count("limits.max_tasks_per_project")? as usize,
        max_upload_bytes: l.need_count("limits.max_upload_bytes")? as usize,
    };
    let shown = KEYS
        .iter()
        .map(|k| match l.raw(k.name) {
            Some((v, s, _)) => {
                let v = if k.name == "database_url" {
                    pso_store::redact(v)
                } else if k.is_secret() {
                    "***".to_string()
                } else {
                    v.clone()
                };
                (k.name, v, *s)
            }
            None => (k.name, String::new(), Source::Default),
        })
        .collect();
    Ok(Settings {
        data_dir,
        database_url: Secret::new(database_url),
        listen,
        secure_cookies: l.bool("secure_cookies")?,
        jobs,
        mail,
        limits,
        file,
        shown,
    })
}

impl Settings {
    /// Every key with its value as it may be shown (secrets as `***`, the database URL without
    /// its password; empty when unset) and where it came from.
    pub fn describe(&self) -> &[(&'static str, String, Source)] {
        &self.shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| m.get(k).cloned()
    }

    fn file(text: &str) -> (tempdir::Dir, PathBuf) {
        let d = tempdir::Dir::new();
        let p = d.0.join("pso.toml");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    /// A temporary directory without a crate for it.
    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let p = std::env::temp_dir()
                    .join(format!("pso-config-{}", uuid::Uuid::now_v7().simple()));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn source_of(s: &Settings, key: &str) -> (String, Source) {
        let (_, v, src) = s.describe().iter().find(|(k, _, _)| *k == key).unwrap();
        (v.clone(), *src)
    }

    #[test]
    fn defaults_file_env_flags_in_that_order() {
        let (_d, path) = file(
            "listen = \"0.0.0.0:9000\"\nbase_url = \"https://pso.example.org\"\n\
             [jobs]\nworkers = 4\nlease_secs = 30\n[limits]\nmax_upload_bytes = 1000\n",
        );
        let inputs = Inputs {
            config_file: Some(path.clone()),
            flags: vec![("jobs.workers", "7".into(), Source::Flag)],
        };
        let s = load(
            &inputs,
            &env(&[("PSO_JOBS_LEASE_SECS", "45"), ("PSO_JOBS_WORKERS", "5")]),
        )
        .unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.jobs.workers, 7, "flag beats env and file");
        assert_eq!(s.jobs.lease, Duration::from_secs(45), "env beats file");
        assert_eq!(s.limits.max_upload_bytes, 1000);
        assert_eq!(s.limits.max_tasks_per_project, 50_000, "default");
        assert_eq!(s.mail.base_url.as_deref(), Some("https://pso.example.org"));
        assert_eq!(source_of(&s, "listen").1, Source::File);
        assert_eq!(source_of(&s, "jobs.workers").1, Source::Flag);
        assert_eq!(source_of(&s, "jobs.lease_secs").1, Source::Env);
        assert_eq!(
            source_of(&s, "limits.max_tasks_per_project").1,
            Source::Default
        );
        assert_eq!(s.file.as_deref(), Some(path.as_path()));
        assert!(s.mail.smtp.is_none());
        assert!(s.database_url.expose().starts_with("sqlite://"));
    }

    #[test]
    fn the_data_directory_file_is_read_when_present() {
        let (d, _) = file("secure_cookies = true\n");
        let inputs = Inputs {
            config_file: None,
            flags: vec![("data_dir", d.0.display().to_string(), Source::Flag)],
        };
        let s = load(&inputs, &env(&[])).unwrap();
        assert!(s.secure_cookies);
        assert_eq!(source_of(&s, "secure_cookies").1, Source::File);
        assert!(s.database_url.expose().contains("pso.db"));
    }

    #[test]
    fn unknown_keys_are_refused_with_key_and_file() {
        for text in [
            "wrokers = 2\n",
            "[jobs]\nwrokers = 2\n",
            "[smpt]\nhost = \"x\"\n",
        ] {
            let (_d, path) = file(text);
            let e = load(
                &Inputs {
                    config_file: Some(path.clone()),
                    flags: vec![],
                },
                &env(&[]),
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("unknown key"), "{e}");
            assert!(e.contains(&path.display().to_string()), "{e}");
            let bad = text
                .lines()
                .find(|l| l.contains('=') || l.contains('['))
                .unwrap();
            let name = bad
                .trim_matches(['[', ']'])
                .split('=')
                .next()
                .unwrap()
                .trim();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn bad_values_name_the_key_and_their_source() {
        let (_d, path) = file("[jobs]\nworkers = \"many\"\n");
        let e = load(
            &Inputs {
                config_file: Some(path),
                flags: vec![],
            },
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("jobs.workers") && e.contains("whole number"),
            "{e}"
        );
        let e = load(
            &Inputs::default(),
            &env(&[("PSO_SMTP_HOST", "mail"), ("PSO_SMTP_TLS", "ssl")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("smtp.tls") && e.contains("PSO_SMTP_TLS"), "{e}");
        let e = load(
            &Inputs::default(),
            &env(&[("PSO_DATABASE_URL", "mysql://x")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("database_url") && e.contains("sqlite:"), "{e}");
        let missing = load(
            &Inputs {
                config_file: Some(PathBuf::from("/nonexistent/pso.toml")),
                flags: vec![],
            },
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(missing.contains("/nonexistent/pso.toml"), "{missing}");
    }

    #[test]
    fn secrets_never_show() {
        let s = load(
            &Inputs::default(),
            &env(&[
                ("PSO_SMTP_HOST", "mail.example.org"),
                ("PSO_SMTP_USER", "pso"),
                ("PSO_SMTP_PASSWORD", "hunter2"),
                ("PSO_DATABASE_URL", "postgres://pso:s3cret@db/pso"),
            ]),
        )
        .unwrap();
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("s3cret"),
            "{debug}"
        );
        let shown = format!("{:?}", s.describe());
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert_eq!(source_of(&s, "smtp.password").0, "***");
        let smtp = s.mail.smtp.unwrap();
        assert_eq!(smtp.port, 587);
        assert_eq!(smtp.password.unwrap().expose(), "hunter2");
        assert_eq!(format!("{}", Secret::new("x")), "***");
        assert_eq!(s.database_url.expose(), "postgres://pso:s3cret@db/pso");
    }

    #[test]
    fn every_key_has_a_variable_and_docs() {
        for k in KEYS {
            assert!(k.env().starts_with("PSO_"));
            assert!(!k.doc.is_empty());
        }
        assert_eq!(find_key("jobs.workers").unwrap().env(), "PSO_JOBS_WORKERS");
    }
}
