//! Any bytes through every line reader (syslog, audit records, event
//! XML, Zeek, CSV) and the format detector, and any
//! text through the free-text token scanner and the field classifier: no
//! panic, and every token is a substring of the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_detect::event::{Place, Visitor};
use yagura_detect::read::{self, audit, event_xml, syslog, table, zeek::ZeekHeader};

struct Count(usize);

impl Visitor for Count {
    fn field(&mut self, name: &str, value: &str, _: bool) {
        self.0 += name.len() + value.len();
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = read::detect(data);
    let _ = read::compression(data);
    let mut c = Count(0);
    let _ = table::read(
        data,
        b',',
        |_: Place, f: &[(&str, &str)]| {
            table::visit(f, &mut c);
            true
        },
        |_, _| true,
    );
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut zeek = ZeekHeader::default();
    for line in text.lines() {
        if line.starts_with('#') {
            zeek.line(line);
        } else {
            let _ = zeek.record(line, &mut c);
        }
        let _ = syslog::record(line, &mut c);
        let _ = audit::record(line, &mut c);
        let _ = event_xml::record(line, &mut c);
        let _ = yagura_detect::extract::classify(line);
    }
    yagura_detect::extract::tokens(text, |_, t| assert!(text.contains(t)));
});
