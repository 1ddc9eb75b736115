//! `yagura stix validate` and `yagura stix upgrade`.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use yagura_stix::validate::{self, Options};
use yagura_stix::{Bundle, StixVersion};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum VersionChoice {
    /// 2.1, reading an object without spec_version but with created (in a
    /// bundle or list) as STIX 2.0, as the OASIS validator does.
    Auto,
    #[value(name = "2.0")]
    V20,
    #[value(name = "2.1")]
    V21,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// One line per finding: FILE: OBJECT-ID: PATH: MESSAGE.
    Text,
    /// One JSON object per file on stdout.
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StixCommand {
    /// Validate STIX files (bundle, list of objects or one object; .gz
    /// accepted). Exit 0 if all are valid, 1 if any is not (errors on stderr
    /// naming the file and object id), 2 if a file cannot be read.
    Validate {
        /// The files ("-" for stdin).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The STIX version to validate against.
        #[arg(long = "stix-version", value_enum, default_value = "auto")]
        stix_version: VersionChoice,
        /// Best-practice (SHOULD) findings are errors.
        #[arg(long)]
        strict: bool,
        /// Object types the specification does not define are errors.
        #[arg(long)]
        strict_types: bool,
        /// Properties the specification does not define are errors.
        #[arg(long)]
        strict_properties: bool,
        /// Best-practice checks to skip (names or groups, comma-separated).
        #[arg(long, value_delimiter = ',')]
        disable: Vec<String>,
        /// Best-practice checks to run (names or groups, comma-separated).
        #[arg(long, value_delimiter = ',')]
        enable: Vec<String>,
        /// Upgrade STIX 2.0 content to 2.1 first, then validate as 2.1.
        #[arg(long)]
        upgrade: bool,
        /// Do not print warnings.
        #[arg(long, short)]
        quiet: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Upgrade STIX 2.0 content to 2.1 and print it (as a bundle).
    Upgrade {
        /// The file ("-" for stdin; .gz accepted).
        file: PathBuf,
    },
}

pub(crate) fn run(cmd: StixCommand) -> Result<ExitCode> {
    match cmd {
        StixCommand::Validate {
            files,
            stix_version,
            strict,
            strict_types,
            strict_properties,
            disable,
            enable,
            upgrade,
            quiet,
            format,
        } => {
            let base = Options {
                version: StixVersion::V2_1,
                strict,
                strict_types,
                strict_properties,
                enabled: enable,
                disabled: disable,
            };
            let mut all_valid = true;
            let mut out = BufWriter::new(io::stdout().lock());
            let mut err = BufWriter::new(io::stderr().lock());
            for file in &files {
                let bytes = read_bytes(file)?;
                let version = match stix_version {
                    VersionChoice::Auto | VersionChoice::V21 => StixVersion::V2_1,
                    VersionChoice::V20 => StixVersion::V2_0,
                };
                let options = Options {
                    version,
                    ..base.clone()
                };
                let (report, count) = if upgrade {
                    let mut bundle = Bundle::from_slice(&bytes)
                        .with_context(|| format!("{}", file.display()))?;
                    bundle.upgrade_to_2_1();
                    let report = validate::validate_bundle(
                        &bundle,
                        &Options {
                            version: StixVersion::V2_1,
                            ..options.clone()
                        },
                    );
                    (report, bundle.objects.len())
                } else {
                    // Streamed: one object in memory at a time.
                    let (report, envelope) = validate::validate_slice(&bytes, &options)
                        .with_context(|| format!("{}", file.display()))?;
                    (report, envelope.count)
                };
                all_valid &= report.is_valid();
                let name = file.display();
                match format {
                    Format::Text => {
                        for e in &report.errors {
                            writeln!(err, "{name}: {e}")?;
                        }
                        if !quiet {
                            for w in &report.warnings {
                                writeln!(err, "{name}: warning: {w}")?;
                            }
                        }
                        writeln!(
                            out,
                            "{name}: {} (STIX {version}, {} objects, {} errors, {} warnings)",
                            if report.is_valid() {
                                "valid"
                            } else {
                                "invalid"
                            },
                            count,
                            report.errors.len(),
                            report.warnings.len()
                        )?;
                    }
                    Format::Json => {
                        let finding = |f: &validate::Finding| json!({"object_id": f.object_id, "path": f.path, "message": f.message, "check": f.check});
                        let doc = json!({
                            "file": name.to_string(),
                            "stix_version": version.as_str(),
                            "valid": report.is_valid(),
                            "objects": count,
                            "errors": report.errors.iter().map(finding).collect::<Vec<_>>(),
                            "warnings": if quiet { Vec::new() } else { report.warnings.iter().map(finding).collect::<Vec<_>>() },
                        });
                        serde_json::to_writer(&mut out, &doc)?;
                        out.write_all(b"\n")?;
                    }
                }
            }
            out.flush()?;
            err.flush()?;
            Ok(if all_valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        StixCommand::Upgrade { file } => {
            let mut bundle = read_bundle(&file)?;
            bundle.upgrade_to_2_1();
            if bundle.id.is_empty() {
                bundle.id = yagura_stix::Identifier::new_v4("bundle").to_string();
            }
            let mut out = BufWriter::new(io::stdout().lock());
            serde_json::to_writer(&mut out, &bundle)?;
            out.write_all(b"\n")?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads a file (or stdin for "-"), gunzipping `.gz`, as a bundle.
fn read_bundle(path: &Path) -> Result<Bundle> {
    let bytes = read_bytes(path)?;
    Bundle::from_slice(&bytes).with_context(|| format!("{}", path.display()))
}

/// Reads a file (or stdin for "-"), gunzipping `.gz`.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        io::stdin()
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
    } else {
        let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        if path.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(f)
                .read_to_end(&mut bytes)
                .with_context(|| format!("{}: not a readable gzip file", path.display()))?;
        } else {
            io::BufReader::new(f)
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading {}", path.display()))?;
        }
    }
    Ok(bytes)
}
