//! Any text as a Sigma rule file: no panic, each document a rule or an
//! error, and a condition parser that either reads a condition or says at
//! which column it stops (a column inside the text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = yagura_sigma::load_documents(text);
    let names = ["selection", "selection_a", "filter_main", "_x"];
    if let Err(e) = yagura_sigma::Condition::parse(text, &names) {
        assert!(e.column >= 1 && e.column <= text.chars().count() + 1, "{e}");
    }
});
