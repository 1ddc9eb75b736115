//! Any bytes as a medallion memory-backend file: reading never panics,
//! and what it accepts holds only valid STIX objects, oldest first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_formats::medallion::read;
use yagura_stix::StixVersion;
use yagura_stix::validate::{Options, validate_object};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(org) = "partners".parse() else { return };
    for skip in [false, true] {
        let Ok(plan) = read(text, &org, skip) else {
            continue;
        };
        for pair in plan.objects.windows(2) {
            assert!(pair[0].0.sortable() <= pair[1].0.sortable());
        }
        for (_, o, _) in &plan.objects {
            let legacy = o.spec_version().is_none() && o.get("created").is_some();
            let options = Options {
                version: if legacy {
                    StixVersion::V2_0
                } else {
                    StixVersion::V2_1
                },
                ..Options::default()
            };
            let report = validate_object(o.properties(), &options);
            assert!(report.is_valid(), "{:?}: {:?}", o.id(), report.errors);
        }
    }
});
