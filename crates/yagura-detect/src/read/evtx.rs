//! Windows event logs (EVTX), by the `evtx` crate: each record rendered as
//! JSON, to be scanned by
//! [`JsonScanner::evtx`](crate::json::JsonScanner::evtx) into dotted names
//! without the `Event.` root and with attributes folded in
//! (`System.Provider.Name`, `System.EventID`,
//! `System.TimeCreated.SystemTime`, `EventData.Image`); unnamed `<Data>`
//! values are `EventData.Data`. No JSON tree is built. A chunk or record
//! that cannot be read is reported with its place, and the rest of the file
//! is read.

use std::io::{Read, Seek, SeekFrom};

use evtx::{EvtxParser, ParserSettings, RenderedChunkItem};

use crate::event::Place;

/// One record or an error, as the file gives them.
#[derive(Debug)]
pub enum EvtxItem<'a> {
    /// A record: its header's id and its XML tree as JSON (read by a
    /// [`JsonScanner::evtx`](crate::json::JsonScanner::evtx)).
    Record(u64, &'a str),
    /// A place that could not be read, and why.
    Error(Place, String),
}

/// Reads every record of an EVTX file (from the start), on `threads`
/// threads, calling `each` in record order.
///
/// The records come as the `evtx` crate renders them a chunk at a time,
/// into one buffer per chunk (`chunks_json_bytes`, which its own command
/// line tool writes with; hidden from its documentation, hence the exact
/// version pinned in the workspace): the same JSON as
/// `EvtxRecord::into_json`, without a `String` allocated and grown for
/// each record (the test `the_used_part_gives_every_record` holds the two
/// to the same records and errors on every sample file). Records carved
/// from a chunk's slack space, which the chunk rendering would mark
/// `"recovered"`, are not asked for (`recover_records` is off).
pub fn read<R: Read + Seek + Send + 'static>(
    input: R,
    threads: usize,
    mut each: impl FnMut(EvtxItem<'_>) -> bool,
) -> Result<(), String> {
    let settings = ParserSettings::new()
        .num_threads(threads)
        .separate_json_attributes(false);
    let input = Bounded::trimmed(input).map_err(|e| format!("cannot read it: {e}"))?;
    let mut parser = EvtxParser::from_read_seek(input)
        .map_err(|e| format!("not an EVTX file: {e}"))?
        .with_configuration(settings);
    for chunk in parser.chunks_json_bytes(false) {
        let mut start = 0;
        for item in &chunk.items {
            let go = match item {
                RenderedChunkItem::Record {
                    event_record_id,
                    end,
                } => {
                    // Each record's bytes end with a line end.
                    let bytes = chunk.data.get(start..end.saturating_sub(1)).unwrap_or(&[]);
                    start = *end;
                    match simdutf8::basic::from_utf8(bytes) {
                        Ok(json) => each(EvtxItem::Record(*event_record_id, json)),
                        Err(_) => each(EvtxItem::Error(
                            Place::Record(*event_record_id),
                            "the record's rendering is not UTF-8".to_owned(),
                        )),
                    }
                }
                RenderedChunkItem::Failed(e) => {
                    let place = match e {
                        evtx::err::EvtxError::FailedToParseRecord { record_id, .. } => {
                            Place::Record(*record_id)
                        }
                        _ => Place::Record(0),
                    };
                    let mut msg = e.to_string();
                    let mut src = std::error::Error::source(e);
                    while let Some(s) = src {
                        msg.push_str(": ");
                        msg.push_str(&s.to_string());
                        src = s.source();
                    }
                    each(EvtxItem::Error(place, msg))
                }
            };
            if !go {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The file header's size and a chunk's, as the format fixes them.
const HEADER: u64 = 4096;
const CHUNK: u64 = 65536;

/// Where the used part of an EVTX file ends: before the run of all-zero
/// chunks at its end (a log's space allocated ahead, often most of a
/// small log's file), which hold no record. The `evtx` crate reads each
/// such chunk whole and looks at it byte by byte before skipping it;
/// here each is read into one buffer and tested 16 bytes at a time. A
/// file that is not the header and whole chunks is used to its end; so is
/// a zero chunk with a used one after it.
fn used_length<R: Read + Seek>(input: &mut R) -> std::io::Result<u64> {
    let len = input.seek(SeekFrom::End(0))?;
    if len < HEADER || !(len - HEADER).is_multiple_of(CHUNK) {
        return Ok(len);
    }
    let mut end = len;
    let mut chunk = vec![0u8; CHUNK as usize];
    while end > HEADER {
        input.seek(SeekFrom::Start(end - CHUNK))?;
        input.read_exact(&mut chunk)?;
        if !all_zero(&chunk) {
            break;
        }
        end -= CHUNK;
    }
    Ok(end)
}

/// Whether every byte is zero: the bytes ORed 16 at a time, which the
/// compiler keeps in vector registers (no early exit to get in its way).
fn all_zero(b: &[u8]) -> bool {
    let words = b.chunks_exact(16);
    let rest = words.remainder().iter().fold(0u8, |a, &x| a | x);
    let any = words.fold(0u128, |a, w| {
        a | u128::from_ne_bytes(w.try_into().unwrap_or([1; 16]))
    });
    any == 0 && rest == 0
}

/// A reader that ends at `len`: the used part of an EVTX file, for the
/// parser, which finds the file's end by seeking to it.
struct Bounded<R> {
    inner: R,
    len: u64,
    pos: u64,
}

impl<R: Read + Seek> Bounded<R> {
    fn trimmed(mut inner: R) -> std::io::Result<Self> {
        let len = used_length(&mut inner)?;
        inner.seek(SeekFrom::Start(0))?;
        Ok(Self { inner, len, pos: 0 })
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.len.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        let n = self.inner.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Bounded<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
        })?;
        self.pos = self.inner.seek(SeekFrom::Start(target))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of a header and chunks, each chunk zero or not.
    fn layout(chunks: &[bool], tail: usize) -> Vec<u8> {
        let mut f = vec![7u8; HEADER as usize];
        for &used in chunks {
            let mut c = vec![0u8; CHUNK as usize];
            if used {
                c[CHUNK as usize - 1] = 1;
            }
            f.extend(c);
        }
        f.extend(vec![0u8; tail]);
        f
    }

    #[test]
    fn only_the_zero_chunks_at_the_end_are_left_out() {
        let h = HEADER;
        for (chunks, tail, used) in [
            (&[true, true, false, false][..], 0, h + 2 * CHUNK),
            (&[true, false, true, false], 0, h + 3 * CHUNK),
            (&[false, false], 0, h),
            (&[true, false], 5, h + 2 * CHUNK + 5),
            (&[], 0, h),
            (&[true], 0, h + CHUNK),
        ] {
            let f = layout(chunks, tail);
            let got = used_length(&mut std::io::Cursor::new(&f)).expect("in memory");
            assert_eq!(got, used, "{chunks:?} + {tail}");
        }
        assert_eq!(
            used_length(&mut std::io::Cursor::new(vec![0u8; 100])).expect("read"),
            100
        );
    }

    #[test]
    fn a_bounded_reader_ends_at_its_length_and_seeks_within_it() {
        let f = layout(&[true, false], 0);
        let mut b = Bounded::trimmed(std::io::Cursor::new(f)).expect("in memory");
        assert_eq!(b.seek(SeekFrom::End(0)).expect("seek"), HEADER + CHUNK);
        assert_eq!(b.seek(SeekFrom::End(-1)).expect("seek"), HEADER + CHUNK - 1);
        let mut rest = Vec::new();
        b.read_to_end(&mut rest).expect("read");
        assert_eq!(rest, [1]);
        assert_eq!(
            b.seek(SeekFrom::Current(-2)).expect("seek"),
            HEADER + CHUNK - 2
        );
        assert!(
            b.seek(SeekFrom::End(-(HEADER as i64 + CHUNK as i64 + 1)))
                .is_err()
        );
        b.seek(SeekFrom::Start(0)).expect("seek");
        let mut all = Vec::new();
        b.read_to_end(&mut all).expect("read");
        assert_eq!(all.len() as u64, HEADER + CHUNK);
    }

    /// The records of every sample log, as the parser gives them from the
    /// whole file, are the ones read from its used part.
    #[test]
    fn the_used_part_gives_every_record() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/evtx");
        if !dir.is_dir() {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        }
        // The folder as a hunt walks it (sorted by name).
        let files: Vec<_> = crate::run::expand(&[crate::run::Input::Path(dir)])
            .into_iter()
            .filter_map(|(_, i)| match i {
                Ok(crate::run::Input::Path(p)) if p.extension().is_some_and(|x| x == "evtx") => {
                    Some(p)
                }
                _ => None,
            })
            .collect();
        let mut trimmed = 0;
        let mut records = 0;
        for f in &files {
            let bytes = std::fs::read(f).expect("read");
            let mut whole = Vec::new();
            let settings = ParserSettings::new()
                .num_threads(1)
                .separate_json_attributes(false);
            if let Ok(p) = EvtxParser::from_buffer(bytes.clone()) {
                for r in p.with_configuration(settings).records_json() {
                    whole.push(
                        r.map(|r| (r.event_record_id, r.data))
                            .map_err(|e| e.to_string()),
                    );
                }
            }
            let mut used = Vec::new();
            let _ = read(std::io::Cursor::new(bytes.clone()), 1, |item| {
                used.push(match item {
                    EvtxItem::Record(id, json) => Ok((id, json.to_owned())),
                    EvtxItem::Error(_, m) => Err(m),
                });
                true
            });
            let len = used_length(&mut std::io::Cursor::new(&bytes)).expect("in memory");
            trimmed += usize::from(len < bytes.len() as u64);
            // The same records and errors, in the same order, as
            // `records_json` over the whole file.
            assert_eq!(used, whole, "{}", f.display());
            records += used.len();
        }
        assert!(trimmed > 0, "no sample had zero chunks at its end");
        assert!(records > 10_000, "{records} records");
    }

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
