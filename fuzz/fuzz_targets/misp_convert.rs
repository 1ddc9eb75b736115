//! Any bytes as MISP event JSON: sniffing, reading and converting never
//! panic, and every object a conversion gives is valid STIX 2.1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_formats::misp::{convert_event, looks_like_misp, read_events};
use yagura_stix::validate::{Options, validate_object};

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_misp(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(events) = read_events(text) else {
        return;
    };
    for (at, event) in &events {
        if let Ok(converted) = convert_event(event, at) {
            for o in &converted.objects {
                let report = validate_object(o.properties(), &Options::default());
                assert!(report.is_valid(), "{:?}: {:?}", o.id(), report.errors);
            }
        }
    }
});
