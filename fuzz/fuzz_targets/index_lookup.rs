//! Any lines as indicator values of every kind, then as looked-up values:
//! adding and looking up never panic, and a value that was added as an
//! address, domain or exact kind hits itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_detect::IndexBuilder;
use yagura_stix::pattern::ValueKind;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut b = IndexBuilder::new();
    let mut added = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for kind in ValueKind::ALL {
            if b.add(kind, line, u32::try_from(i).unwrap_or(u32::MAX))
                .is_ok()
            {
                added.push((kind, line));
            }
        }
    }
    let index = b.build();
    for line in text.lines() {
        for kind in ValueKind::ALL {
            let _ = index.lookup(kind, line);
        }
    }
    for (kind, line) in added {
        if kind != ValueKind::Cidr {
            assert!(!index.lookup(kind, line).is_empty(), "{kind} {line:?}");
        }
    }
});
