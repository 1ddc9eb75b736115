//! Any bytes as an EVTX file (behind a valid file signature): the reader
//! reports what it cannot read and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_detect::event::Visitor;
use yagura_detect::json::JsonScanner;
use yagura_detect::read::evtx::{self, EvtxItem};

struct Count(usize);

impl Visitor for Count {
    fn field(&mut self, name: &str, value: &str, _: bool) {
        self.0 += name.len() + value.len();
    }
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"ElfFile\0".to_vec();
    bytes.extend_from_slice(data);
    let mut c = Count(0);
    let mut scanner = JsonScanner::evtx();
    let _ = evtx::read(std::io::Cursor::new(bytes), 1, |item| {
        if let EvtxItem::Record(_, json) = item {
            // A rendering the scanner cannot read is reported, never a panic.
            let _ = scanner.scan(json, &mut c);
        }
        true
    });
});
