//! PSPLIB single-mode instances (`.sm`, Kolisch & Sprecher 1997).
//!
//! The file is read by section header, as PSPLIB's own tools do: `jobs (incl.
//! supersource/sink )`, `- renewable`, `PRECEDENCE RELATIONS`, `REQUESTS/DURATIONS`
//! and `RESOURCEAVAILABILITIES`. Jobs keep file order (job 1 is index 0).

use pso_schedule::rcpsp::Instance;

/// What is wrong with a `.sm` text.
#[derive(Debug, thiserror::Error)]
pub enum PsplibError {
    /// A section the format requires is absent.
    #[error("section {0:?} not found")]
    MissingSection(&'static str),
    /// A line could not be read as the section requires.
    #[error("line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What was expected.
        message: String,
    },
}

fn find(lines: &[&str], prefix: &'static str) -> Result<usize, PsplibError> {
    lines
        .iter()
        .position(|l| l.trim_start().starts_with(prefix))
        .ok_or(PsplibError::MissingSection(prefix))
}

fn count_after_colon(lines: &[&str], i: usize) -> Result<usize, PsplibError> {
    lines[i]
        .split(':')
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| PsplibError::BadLine {
            line: i + 1,
            message: "expected a count after ':'".into(),
        })
}

fn ints(lines: &[&str], i: usize) -> Result<Vec<u64>, PsplibError> {
    let line = lines.get(i).ok_or(PsplibError::BadLine {
        line: i + 1,
        message: "unexpected end of file".into(),
    })?;
    line.split_whitespace()
        .map(|t| {
            t.parse::<u64>().map_err(|_| PsplibError::BadLine {
                line: i + 1,
                message: format!("{t:?} is not a non-negative integer"),
            })
        })
        .collect()
}

fn small(v: u64, line: usize) -> Result<u32, PsplibError> {
    u32::try_from(v).map_err(|_| PsplibError::BadLine {
        line: line + 1,
        message: format!("{v} is too large"),
    })
}

/// Parse the text of a `.sm` file.
pub fn parse(text: &str) -> Result<Instance, PsplibError> {
    let lines: Vec<&str> = text.lines().collect();
    let n = count_after_colon(&lines, find(&lines, "jobs (incl. supersource/sink")?)?;
    let k = count_after_colon(&lines, find(&lines, "- renewable")?)?;
    // Every job has a line in two sections: a count beyond the file is a lie.
    if n == 0 || n > lines.len() || k > 1000 {
        return Err(PsplibError::BadLine {
            line: find(&lines, "jobs (incl. supersource/sink")? + 1,
            message: format!("{n} jobs and {k} resources do not fit this file"),
        });
    }
    let bad = |i: usize, m: &str| PsplibError::BadLine {
        line: i + 1,
        message: m.to_string(),
    };

    let p = find(&lines, "PRECEDENCE RELATIONS")? + 2;
    let mut successors = vec![Vec::new(); n];
    for (j, succ) in successors.iter_mut().enumerate() {
        let i = p + j;
        let v = ints(&lines, i)?;
        if v.len() < 3 || v[0] as usize != j + 1 || v.len() != 3 + v[2] as usize {
            return Err(bad(i, "expected: jobnr #modes #successors successors..."));
        }
        for &s in &v[3..] {
            if s == 0 || s as usize > n {
                return Err(bad(i, &format!("successor {s} is not a job")));
            }
            succ.push(s as usize - 1);
        }
    }

    let r = find(&lines, "REQUESTS/DURATIONS")? + 3;
    let mut durations = vec![0; n];
    let mut demands = vec![Vec::new(); n];
    for j in 0..n {
        let i = r + j;
        let v = ints(&lines, i)?;
        if v.len() != 3 + k || v[0] as usize != j + 1 {
            return Err(bad(i, "expected: jobnr mode duration demands..."));
        }
        durations[j] = small(v[2], i)?;
        demands[j] = v[3..]
            .iter()
            .map(|&q| small(q, i))
            .collect::<Result<_, _>>()?;
    }

    let a = find(&lines, "RESOURCEAVAILABILITIES")? + 2;
    let caps = ints(&lines, a)?;
    if caps.len() < k {
        return Err(bad(a, "expected one capacity per renewable resource"));
    }
    let capacities = caps[..k]
        .iter()
        .map(|&c| small(c, a))
        .collect::<Result<_, _>>()?;
    Ok(Instance {
        durations,
        successors,
        demands,
        capacities,
    })
}
