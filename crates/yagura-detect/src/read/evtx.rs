//! Windows event logs (EVTX), by the `evtx` crate: each record rendered as
//! JSON, to be scanned by
//! [`JsonScanner::evtx`](crate::json::JsonScanner::evtx) into dotted names
//! without the `Event.` root and with attributes folded in
//! (`System.Provider.Name`, `System.EventID`,
//! `System.TimeCreated.SystemTime`, `EventData.Image`); unnamed `<Data>`
//! values are `EventData.Data`. No JSON tree is built. A chunk or record
//! that cannot be read is reported with its place, and the rest of the file
//! is read.

use std::io::{Read, Seek};

use evtx::{EvtxParser, ParserSettings};

use crate::event::Place;

/// One record or an error, as the file gives them.
#[derive(Debug)]
pub enum EvtxItem {
    /// A record: its header's id and its XML tree as JSON (read by a
    /// [`JsonScanner::evtx`](crate::json::JsonScanner::evtx)).
    Record(u64, String),
    /// A place that could not be read, and why.
    Error(Place, String),
}

/// Reads every record of an EVTX file (from the start), on `threads`
/// threads, calling `each` in record order.
pub fn read<R: Read + Seek + Send + 'static>(
    input: R,
    threads: usize,
    mut each: impl FnMut(EvtxItem) -> bool,
) -> Result<(), String> {
    let settings = ParserSettings::new()
        .num_threads(threads)
        .separate_json_attributes(false);
    let mut parser = EvtxParser::from_read_seek(input)
        .map_err(|e| format!("not an EVTX file: {e}"))?
        .with_configuration(settings);
    for r in parser.records_json() {
        let go = match r {
            Ok(rec) => each(EvtxItem::Record(rec.event_record_id, rec.data)),
            Err(e) => {
                let place = match &e {
                    evtx::err::EvtxError::FailedToParseRecord { record_id, .. } => {
                        Place::Record(*record_id)
                    }
                    _ => Place::Record(0),
                };
                let mut msg = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg.push_str(": ");
                    msg.push_str(&s.to_string());
                    src = s.source();
                }
                each(EvtxItem::Error(place, msg))
            }
        };
        if !go {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::event::testutil::Collect;

    #[test]
    fn records_are_flattened_with_attributes_folded_in() {
        let rec = json!({"Event": {
            "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                       "EventID": 3, "TimeCreated": {"#attributes": {"SystemTime": "2026-11-30T10:00:00Z"}},
                       "Computer": "ws1.corp.example", "Correlation": null},
            "EventData": {"DestinationIp": "198.51.100.7", "Data": ["a", {"#text": "b"}]}
        }});
        let mut c = Collect::default();
        crate::json::JsonScanner::evtx()
            .scan(&rec.to_string(), &mut c)
            .expect("JSON");
        assert_eq!(
            c.0,
            [
                (
                    "System.Provider.Name".into(),
                    "Microsoft-Windows-Sysmon".into()
                ),
                ("System.EventID".into(), "3".into()),
                (
                    "System.TimeCreated.SystemTime".into(),
                    "2026-11-30T10:00:00Z".into()
                ),
                ("System.Computer".into(), "ws1.corp.example".into()),
                ("EventData.DestinationIp".into(), "198.51.100.7".into()),
                ("EventData.Data".into(), "a".into()),
                ("EventData.Data".into(), "b".into()),
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_evtx_is_refused() {
        let r = read(
            std::io::Cursor::new(b"ElfFile\0 not really".to_vec()),
            1,
            |_| true,
        );
        assert!(r.is_err());
    }
}
