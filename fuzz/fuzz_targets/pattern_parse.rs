//! Any text: parsing and validating never panic, and a valid pattern prints
//! to text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_stix::StixVersion;
use yagura_stix::pattern::Pattern;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for version in [StixVersion::V2_0, StixVersion::V2_1] {
        let _ = Pattern::validate(text, version);
        if let Ok(p) = Pattern::parse(text, version) {
            let printed = p.to_string();
            let again = Pattern::parse(&printed, version).expect("printed pattern parses");
            assert_eq!(again.ast(), p.ast(), "{printed}");
            let _ = p.matcher();
        }
    }
});
