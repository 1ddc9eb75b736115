//! `yagura pattern check` and `yagura pattern match`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use yagura_stix::StixVersion;
use yagura_stix::pattern::Pattern;

#[derive(Debug, Subcommand)]
pub(crate) enum PatternCommand {
    /// Check a pattern: exit 0 if valid, 1 if not (the reason on stderr).
    ///
    /// With --jsonl FILE ("-" for stdin), read one {"pattern": …,
    /// "stix_version": …} object per line and write one {"valid": bool,
    /// "error": …} line each.
    Check {
        /// The pattern (omit with --jsonl).
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        pattern: Option<String>,
        /// STIX version of the grammar: 2.0 or 2.1.
        #[arg(long = "stix-version", default_value = "2.1")]
        stix_version: StixVersion,
        /// Batch mode: a JSON-lines file of patterns.
        #[arg(long, value_name = "FILE")]
        jsonl: Option<PathBuf>,
    },
    /// Match a pattern against observed data: print true or false (exit 0),
    /// or an error (exit 2).
    ///
    /// OBSERVATIONS is a JSON file: a list of observed-data (STIX 2.0), or a
    /// bundle or list of bundles (STIX 2.1). With --jsonl FILE, read
    /// {"pattern", "stix_version", "observations": [...]} lines and write
    /// {"result": "match"|"no_match"|"parse_error"|"match_error"} lines.
    Match {
        /// The pattern (omit with --jsonl).
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        pattern: Option<String>,
        /// The observed data (omit with --jsonl).
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        observations: Option<PathBuf>,
        /// STIX version: 2.0 or 2.1.
        #[arg(long = "stix-version", default_value = "2.1")]
        stix_version: StixVersion,
        /// Batch mode: a JSON-lines file of cases.
        #[arg(long, value_name = "FILE")]
        jsonl: Option<PathBuf>,
    },
}

pub(crate) fn run(cmd: PatternCommand) -> Result<ExitCode> {
    match cmd {
        PatternCommand::Check {
            jsonl: Some(path), ..
        } => batch(&path, check_line, "valid", json!(false)),
        PatternCommand::Check {
            pattern: Some(p),
            stix_version,
            ..
        } => match Pattern::validate(&p, stix_version) {
            Ok(_) => Ok(ExitCode::SUCCESS),
            Err(e) => {
                crate::cli::report_error(&anyhow::anyhow!("invalid pattern: {e}"));
                Ok(ExitCode::from(1))
            }
        },
        PatternCommand::Match {
            jsonl: Some(path), ..
        } => batch(&path, match_line, "result", json!("parse_error")),
        PatternCommand::Match {
            pattern: Some(p),
            observations: Some(file),
            stix_version,
            ..
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let data: Value = serde_json::from_str(&text)
                .with_context(|| format!("{}: not valid JSON", file.display()))?;
            let items = match data {
                Value::Array(items) => items,
                one => vec![one],
            };
            let pattern = Pattern::parse(&p, stix_version).context("invalid pattern")?;
            let matched = pattern
                .matches(&items)
                .with_context(|| format!("matching against {}", file.display()))?;
            let mut out = io::stdout().lock();
            writeln!(out, "{matched}")?;
            Ok(ExitCode::SUCCESS)
        }
        _ => bail!("give a pattern (and for match an observations file), or --jsonl FILE"),
    }
}

/// Runs `f` on each line of `path` ("-" = stdin), writing one JSON line per
/// input line. A line that is not JSON gets `{key: bad_value, "error": …}`,
/// and the batch goes on.
fn batch(path: &Path, f: fn(&Value) -> Value, key: &str, bad_value: Value) -> Result<ExitCode> {
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).with_context(|| format!("opening {}", path.display()))?)
    };
    let reader = BufReader::with_capacity(1 << 16, input);
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{}: reading line {}", path.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(case) => f(&case),
            Err(e) => {
                json!({key: bad_value.clone(), "error": format!("line {}: not valid JSON: {e}", n + 1)})
            }
        };
        serde_json::to_writer(&mut out, &answer)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The version named by a case's `stix_version` (default 2.1).
fn case_version(case: &Value) -> Result<StixVersion, String> {
    match case.get("stix_version") {
        None | Some(Value::Null) => Ok(StixVersion::V2_1),
        Some(Value::String(s)) => s.parse().map_err(|e| format!("{e}")),
        Some(other) => Err(format!("stix_version must be a string, not {other}")),
    }
}

fn check_line(case: &Value) -> Value {
    let Some(text) = case.get("pattern").and_then(Value::as_str) else {
        return json!({"valid": false, "error": "no \"pattern\" string on this line"});
    };
    let version = match case_version(case) {
        Ok(v) => v,
        Err(e) => return json!({"valid": false, "error": e}),
    };
    match Pattern::validate(text, version) {
        Ok(_) => json!({"valid": true, "error": null}),
        Err(e) => json!({"valid": false, "error": e.to_string()}),
    }
}

fn match_line(case: &Value) -> Value {
    let Some(text) = case.get("pattern").and_then(Value::as_str) else {
        return json!({"result": "parse_error", "error": "no \"pattern\" string on this line"});
    };
    let version = match case_version(case) {
        Ok(v) => v,
        Err(e) => return json!({"result": "parse_error", "error": e}),
    };
    let pattern = match Pattern::parse(text, version) {
        Ok(p) => p,
        Err(e) => return json!({"result": "parse_error", "error": e.to_string()}),
    };
    let observations: &[Value] = match case.get("observations") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            return json!({"result": "match_error", "error": "\"observations\" must be a list"});
        }
    };
    match pattern.matches(observations) {
        Ok(true) => json!({"result": "match"}),
        Ok(false) => json!({"result": "no_match"}),
        Err(e) => json!({"result": "match_error", "error": e.to_string()}),
    }
}
