//! SigmaHQ's rules and regression corpus (../shared/data/sigma, not in
//! git). At least 99.5% of the Windows rules load, each other printed with
//! its reason. For each rule of the regression corpus, an EVTX file on
//! which it must fire. The
//! rule is found by id among the rule folders, compiled, and run over
//! every record of its file as a hunt runs it: routed by its log source
//! (the built-in table) and with fields named by the built-in EVTX
//! mapping. Prints N/N and every miss; skipped, saying so, when the corpus
//! is absent.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{sigma_dir, walk};
use yagura_detect::event::Visitor;
use yagura_detect::json::JsonScanner;
use yagura_detect::read::evtx;
use yagura_detect::sigma::{LogSources, RuleFilter, SigmaEvent, SigmaNames, SigmaPlan};

/// A record's fields collected under their Sigma names.
struct Named<'n>(SigmaEvent, &'n SigmaNames);

impl Visitor for Named<'_> {
    fn field(&mut self, name: &str, value: &str, _quoted: bool) {
        self.0.push_renamed(self.1, name, value);
    }
}
use yagura_sigma::yaml::{Yaml, documents};

/// Every rule of the rule folders, by id.
fn rules_by_id(dir: &Path) -> HashMap<String, yagura_sigma::Rule> {
    let mut rules = HashMap::new();
    for folder in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-dfir",
    ] {
        let mut files = Vec::new();
        walk(&dir.join(folder), ".yml", &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable");
            for r in yagura_sigma::load(&text).into_iter().flatten() {
                if let Some(id) = r.id.clone() {
                    rules.insert(id, r);
                }
            }
        }
    }
    rules
}

/// `(rule id, EVTX path relative to the sigma folder)` of every test.
fn cases(dir: &Path) -> Vec<(String, String)> {
    let mut infos = Vec::new();
    walk(&dir.join("regression_data"), "info.yml", &mut infos);
    let mut out = Vec::new();
    for info in &infos {
        let text = std::fs::read_to_string(info).expect("readable");
        let doc = documents(&text).expect("info.yml is YAML").remove(0);
        let (Some(Yaml::Seq(meta)), Some(Yaml::Seq(tests))) =
            (doc.get("rule_metadata"), doc.get("regression_tests_info"))
        else {
            continue;
        };
        for m in meta {
            let Some(id) = m.get("id").and_then(Yaml::as_scalar_text) else {
                continue;
            };
            for t in tests {
                if t.get("type").and_then(Yaml::as_scalar_text).as_deref() == Some("evtx")
                    && let Some(path) = t.get("path").and_then(Yaml::as_scalar_text)
                {
                    out.push((id.clone(), path));
                }
            }
        }
    }
    out
}

#[test]
fn sigmahq_windows_rules_load() {
    let dir = sigma_dir().join("rules/windows");
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
    let mut files = Vec::new();
    walk(&dir, ".yml", &mut files);
    let (mut ok, mut bad) = (0usize, Vec::new());
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        for r in yagura_sigma::load(&text) {
            match r {
                Ok(_) => ok += 1,
                Err(e) => bad.push(format!("{}: {e}", f.display())),
            }
        }
    }
    let total = ok + bad.len();
    for b in &bad {
        println!("not loaded: {b}");
    }
    println!("{ok} of {total} rules loaded ({} files)", files.len());
    assert!(total >= 2000, "the SigmaHQ Windows rules: {total} rules");
    assert!(
        ok * 1000 >= total * 995,
        "{ok} of {total} loaded: under 99.5%"
    );
}

#[test]
fn every_regression_rule_fires_on_its_evtx() {
    let dir = sigma_dir();
    if !dir.join("regression_data").is_dir() {
        println!(
            "skipped: {} is absent",
            dir.join("regression_data").display()
        );
        return;
    }
    let rules = rules_by_id(&dir);
    let cases = cases(&dir);
    let mut misses = Vec::new();
    let mut json_total = 0;
    for (id, path) in &cases {
        let Some(rule) = rules.get(id) else {
            misses.push(format!("{id}: the rule is not among the rule folders"));
            continue;
        };
        // The rule alone, routed by its log source as a hunt routes it.
        let (plan, report) = SigmaPlan::new(
            vec![(path.clone(), Ok(yagura_sigma::Document::Rule(rule.clone())))],
            &LogSources::built_in(),
            &RuleFilter::default(),
            SigmaNames::evtx(),
        );
        if let Some((_, _, why)) = report.skipped.first() {
            misses.push(format!("{id} ({}): does not run: {why}", rule.title));
            continue;
        }
        let file = std::fs::File::open(dir.join(path)).expect("the EVTX file");
        let mut hit = false;
        let mut out = Vec::new();
        let names = plan.names().clone();
        evtx::read(file, |item| {
            if let Some(e) = SigmaEvent::of_item(&item, &names).expect("a record's JSON") {
                plan.detect_event(&e, &mut out);
                hit |= !out.is_empty();
            }
            !hit
        })
        .expect("a readable EVTX file");
        if !hit {
            misses.push(format!(
                "{id} ({}): no record of {path} matches",
                rule.title
            ));
        }
        // The same events as JSON (evtx_dump's form, beside the EVTX file),
        // one line each, through the JSON-lines naming.
        let json_path = dir.join(path).with_extension("json");
        if let Ok(text) = std::fs::read_to_string(&json_path) {
            json_total += 1;
            let names = SigmaNames::json();
            let mut json_hit = false;
            for v in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
                let line = serde_json::to_string(&v.expect("JSON")).expect("serialize");
                let mut event = Named(SigmaEvent::default(), &names);
                JsonScanner::new()
                    .scan(&line, &mut event)
                    .expect("a JSON record");
                let mut out = Vec::new();
                plan.detect_event(&event.0, &mut out);
                json_hit |= !out.is_empty();
            }
            if !json_hit {
                misses.push(format!(
                    "{id} ({}): its JSON events do not match",
                    rule.title
                ));
            }
        }
    }
    for m in &misses {
        println!("miss: {m}");
    }
    let json_misses = misses.iter().filter(|m| m.contains("JSON")).count();
    let fired = cases.len() - (misses.len() - json_misses);
    println!(
        "{fired}/{} regression rules fire on their EVTX files",
        cases.len()
    );
    println!(
        "{}/{json_total} fire on the same events as JSON lines",
        json_total - json_misses
    );
    assert!(
        cases.len() >= 150,
        "the regression corpus: {} tests",
        cases.len()
    );
    assert!(misses.is_empty(), "{} misses", misses.len());
}
