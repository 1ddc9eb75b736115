//! Any line through the JSON-lines scanner: no panic, and it agrees with
//! serde_json: what it accepts serde_json reads as an object, with the same
//! string leaves in the same order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_detect::event::Visitor;
use yagura_detect::json::JsonScanner;

#[derive(Default)]
struct Strings(Vec<String>);

impl Visitor for Strings {
    fn field(&mut self, _: &str, value: &str, quoted: bool) {
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
    let mut got = Strings::default();
    if JsonScanner::new().scan(line, &mut got).is_ok() {
        let v: serde_json::Value =
            serde_json::from_str(line).expect("serde_json reads what we read");
        assert!(v.is_object());
        // Repeated keys: serde_json keeps the last; compare only without them.
        let mut want = Vec::new();
        leaves(&v, &mut want);
        if want.len() == got.0.len() {
            assert_eq!(want, got.0);
        }
    }
});
