//! `pso config check`: the configuration file, `PSO_*` variables and flags in their precedence,
//! each value's source, secrets never printed, unknown keys refused with the key and the file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn pso(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pso"));
    for k in [
        "PSO_DATABASE_URL",
        "PSO_DATA_DIR",
        "PSO_CONFIG",
        "PSO_LISTEN",
        "PSO_JOBS_WORKERS",
        "PSO_SMTP_HOST",
        "PSO_SMTP_PASSWORD",
    ] {
        c.env_remove(k);
    }
    c.args(args).envs(env.iter().copied()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// The line of `key` in the output: (value, source).
fn line(out: &str, key: &str) -> (String, String) {
    let l = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no line for {key}: {out}"));
    let parts: Vec<&str> = l.split_whitespace().collect();
    (
        parts[1..parts.len() - 1].join(" "),
        parts[parts.len() - 1].to_string(),
    )
}

#[test]
fn the_example_file_is_valid() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pso.toml.example");
    let dir = tempfile::tempdir().unwrap();
    let o = pso(
        &[
            "config",
            "check",
            "--config",
            example.to_str().unwrap(),
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    let out = text(&o.stdout);
    assert!(o.status.success(), "{}{}", out, text(&o.stderr));
    assert!(out.contains("The configuration is valid."), "{out}");
    assert_eq!(line(&out, "jobs.workers"), ("2".into(), "file".into()));
    assert_eq!(line(&out, "data_dir").1, "flag");
    assert_eq!(
        line(&out, "smtp.host"),
        ("(unset)".into(), "default".into())
    );
}

#[test]
fn defaults_file_env_flags_in_that_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // pso.toml in the data directory is read without --config.
    std::fs::write(
        dir.path().join("pso.toml"),
        "listen = \"0.0.0.0:9000\"\n\
         [jobs]\nworkers = 4\n\
         [smtp]\nhost = \"mail.example.org\"\nuser = \"pso\"\npassword = \"hunter2\"\n",
    )
    .unwrap();
    let o = pso(
        &[
            "config",
            "check",
            "--data-dir",
            d,
            "--listen",
            "127.0.0.1:9100",
        ],
        &[
            ("PSO_JOBS_WORKERS", "5"),
            ("PSO_JOBS_LEASE_SECS", "7"),
            (
                "PSO_DATABASE_URL",
                "postgres://pso:s3cret@db.example.org/pso",
            ),
        ],
    );
    let out = text(&o.stdout);
    assert!(o.status.success(), "{}{}", out, text(&o.stderr));
    assert!(out.contains("pso.toml"), "{out}");
    assert_eq!(
        line(&out, "listen"),
        ("127.0.0.1:9100".into(), "flag".into())
    );
    assert_eq!(line(&out, "jobs.workers"), ("5".into(), "env".into()));
    assert_eq!(line(&out, "jobs.lease_secs"), ("7".into(), "env".into()));
    assert_eq!(
        line(&out, "smtp.host"),
        ("mail.example.org".into(), "file".into())
    );
    assert_eq!(
        line(&out, "smtp.tls"),
        ("starttls".into(), "default".into())
    );
    assert_eq!(line(&out, "smtp.password"), ("***".into(), "file".into()));
    let (db, src) = line(&out, "database_url");
    assert_eq!(src, "env");
    assert!(
        db.contains("db.example.org") && !db.contains("s3cret"),
        "{db}"
    );
    assert!(!out.contains("hunter2") && !out.contains("s3cret"), "{out}");
    // A flag given on the command line beats its variable.
    let o = pso(
        &["config", "check", "--data-dir", d, "--workers", "3"],
        &[("PSO_JOBS_WORKERS", "5")],
    );
    assert_eq!(
        line(&text(&o.stdout), "jobs.workers"),
        ("3".into(), "flag".into())
    );
}

#[test]
fn unknown_keys_and_bad_values_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("custom.toml");
    std::fs::write(&f, "[jobs]\nwrokers = 2\n").unwrap();
    let o = pso(&["config", "check", "--config", f.to_str().unwrap()], &[]);
    let err = text(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("jobs.wrokers") && err.contains("custom.toml"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    std::fs::write(&f, "[smtp]\nhost = \"mail\"\ntls = \"ssl\"\n").unwrap();
    let o = pso(&["config", "check", "--config", f.to_str().unwrap()], &[]);
    let err = text(&o.stderr);
    assert!(err.contains("smtp.tls") && err.contains("ssl"), "{err}");
    let o = pso(
        &["config", "check", "--config", f.to_str().unwrap()],
        &[("PSO_SMTP_TLS", "tls"), ("PSO_JOBS_WORKERS", "many")],
    );
    let err = text(&o.stderr);
    assert!(
        err.contains("jobs.workers") && err.contains("PSO_JOBS_WORKERS"),
        "{err}"
    );
    // serve refuses to start on a bad configuration, with the same message.
    let o = pso(&["serve", "--config", f.to_str().unwrap()], &[]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("smtp.tls"), "{}", text(&o.stderr));
}
