//! Any line through the JSON-lines scanner: no panic, and it agrees with
//! serde_json: what it accepts serde_json reads as an object, with the same
//! string leaves in the same order. And the prefilter never clears a line
//! on which the full reading finds a hit, by the line test or the chunk
//! scan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use yagura_detect::event::Place;
use yagura_detect::event::Visitor;
use yagura_detect::fields::FieldMap;
use yagura_detect::hunt::{Hunter, Unmapped};
use yagura_detect::intel::{Intel, IntelBuilder};
use yagura_detect::json::JsonScanner;
use yagura_detect::prefilter::Prefilter;
use yagura_stix::pattern::ValueKind;

fn intel() -> &'static (Intel, FieldMap) {
    static I: OnceLock<(Intel, FieldMap)> = OnceLock::new();
    I.get_or_init(|| {
        let now = yagura_stix::Timestamp::parse("2026-01-01T00:00:00Z").expect("time");
        let mut b = IntelBuilder::new(now, true);
        let sha = "ab".repeat(32);
        for (i, (k, v)) in [
            (ValueKind::Ipv4, "1.2.3.4"),
            (ValueKind::Cidr, "10.0.0.0/8"),
            (ValueKind::Domain, "evil.example"),
            (ValueKind::Sha256, sha.as_str()),
            (ValueKind::Email, "a@b.example"),
            (ValueKind::Ipv6, "::1"),
            (ValueKind::Url, "http://x.example/a"),
        ]
        .into_iter()
        .enumerate()
        {
            b.add_value(k, v, format!("f:{i}")).expect("valid");
        }
        (b.build(), FieldMap::built_in())
    })
}

#[derive(Default)]
struct Strings(Vec<String>, Vec<String>);

impl Visitor for Strings {
    fn field(&mut self, name: &str, value: &str, quoted: bool) {
        self.1.push(name.to_owned());
        if quoted {
            self.0.push(value.to_owned());
        }
    }
}

fn leaves(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| leaves(x, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    // serde_json with `arbitrary_precision` reads this key as its own
    // number marker: a quirk of the oracle, not JSON.
    if line.contains('\n') || line.contains("$serde_json") {
        return;
    }
    let (intel, map) = intel();
    let p = Prefilter::new(&intel.index).expect("exact for these kinds");
    let mut h = Hunter::new(intel, map, Unmapped::ByForm);
    h.begin(Place::Line(1));
    if JsonScanner::new().scan(line, &mut h).is_ok() {
        h.end();
        if !h.take().is_empty() {
            assert!(p.may_hit(line), "the prefilter hid a hit: {line}");
        }
    }
    // The chunk scan marks the line exactly when the line test lets it
    // through (but for a backslash ending the line, an escape to it).
    let mut marks = Vec::new();
    p.scan(line, &mut marks);
    let line_end = line.strip_suffix('\r').unwrap_or(line);
    assert!(
        !marks.is_empty() == p.may_hit(line_end) || line_end.ends_with('\\'),
        "the chunk scan and the line test disagree: {line:?}"
    );
    let mut got = Strings::default();
    if JsonScanner::new().scan(line, &mut got).is_ok() {
        let v: serde_json::Value =
            serde_json::from_str(line).expect("serde_json reads what we read");
        assert!(v.is_object());
        // serde_json keeps the last of repeated member names, at the first
        // one's place: compare only records with no repeated name (no
        // arrays, whose members share a name, and no empty containers,
        // which the scanner does not visit).
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        let mut names = got.1.clone();
        names.sort();
        let unique = names.windows(2).all(|w| w[0] != w[1]);
        if unique && !line.contains('[') && !compact.contains("{}") {
            let mut want = Vec::new();
            leaves(&v, &mut want);
            assert_eq!(want, got.0);
        }
    }
});
