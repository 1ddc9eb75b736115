//! A pattern (first line) matched against fuzzed observed data (the rest, as
//! JSON): never a panic, whatever the data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_stix::StixVersion;
use yagura_stix::pattern::Pattern;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((pattern, json)) = text.split_once('\n') else {
        return;
    };
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(json) else {
        return;
    };
    for version in [StixVersion::V2_0, StixVersion::V2_1] {
        if let Ok(p) = Pattern::parse(pattern, version) {
            let _ = p.matches(&items);
        }
    }
});
