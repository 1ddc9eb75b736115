//! Any bytes as an EVTX file (behind a valid file signature, unless they
//! start with one: a sample log, mutated, reaches its chunks and records):
//! the reader reports what it cannot read and never panics, and the fields
//! it reads straight from the BinXML are the ones the `evtx` crate's JSON
//! rendering gives, record by record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yagura_detect::event::Visitor;
use yagura_detect::json::JsonScanner;
use yagura_detect::read::evtx::{self, EvtxItem};

#[derive(Default)]
struct Fields(Vec<(String, String, bool)>);

impl Visitor for Fields {
    fn field(&mut self, name: &str, value: &str, quoted: bool) {
        self.0.push((name.into(), value.into(), quoted));
    }
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Vec::new();
    if !data.starts_with(b"ElfFile\0") {
        bytes.extend_from_slice(b"ElfFile\0");
    }
    bytes.extend_from_slice(data);
    let mut scanner = JsonScanner::evtx();
    let mut direct = Vec::new();
    let _ = evtx::read(std::io::Cursor::new(bytes.clone()), |item| {
        let mut f = Fields::default();
        // A rendering the scanner cannot read is reported, never a panic.
        let read = item.visit(&mut scanner, &mut f);
        if let (EvtxItem::Fields(id, _), Ok(())) = (&item, read) {
            direct.push((*id, f.0));
        }
        true
    });
    // Each record read directly has the fields of its JSON rendering.
    let Ok(parser) = ::evtx::EvtxParser::from_buffer(bytes) else {
        return;
    };
    let settings = ::evtx::ParserSettings::new()
        .num_threads(1)
        .separate_json_attributes(false);
    let mut rendered = std::collections::HashMap::new();
    for r in parser.with_configuration(settings).records_json().flatten() {
        let mut f = Fields::default();
        if JsonScanner::evtx().scan(&r.data, &mut f).is_ok() {
            rendered.entry(r.event_record_id).or_insert(f.0);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (id, fields) in direct {
        if !seen.insert(id) {
            continue;
        }
        if let Some(r) = rendered.get(&id) {
            assert_eq!(&fields, r, "record {id}");
        }
    }
});
