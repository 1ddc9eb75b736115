//! Any bytes as STIX JSON: reading (whole and streamed), upgrading and
//! validating never panic; a parsed bundle serializes to JSON that parses
//! back to the same bundle.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_stix::validate::{Options, validate, validate_slice};
use yagura_stix::{Bundle, StixVersion};

fuzz_target!(|data: &[u8]| {
    for version in [StixVersion::V2_0, StixVersion::V2_1] {
        let options = Options {
            version,
            strict: true,
            ..Options::default()
        };
        let _ = validate_slice(data, &options);
    }
    if let Ok(bundle) = Bundle::from_slice(data) {
        let value = bundle.to_value();
        let _ = validate(&value, &Options::default());
        let text = serde_json::to_vec(&value).expect("serializes");
        let again = Bundle::from_slice(&text).expect("serialized bundle parses");
        assert_eq!(again.objects, bundle.objects);
        let mut upgraded = bundle;
        upgraded.upgrade_to_2_1();
        let _ = validate(&upgraded.to_value(), &Options::default());
    }
});
