//! Any text as YAML: wherever the fast reader for Sigma's plain YAML
//! answers, the full parser reads the same documents (the fast reader may
//! only leave texts to the full parser, never read them otherwise).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(fast) = yagura_sigma::yaml::fast_documents(text) {
        let full = yagura_sigma::yaml::full_documents(text);
        assert_eq!(Ok(&fast), full.as_ref(), "{text:?}");
    }
});
