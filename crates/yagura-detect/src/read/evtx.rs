//! Windows event logs (EVTX): the `evtx` crate parses the file's chunks,
//! and each record's fields come under dotted names without the `Event.`
//! root and with attributes folded in (`System.Provider.Name`,
//! `System.EventID`, `System.TimeCreated.SystemTime`, `EventData.Image`;
//! unnamed `<Data>` values are `EventData.Data`): read straight from the
//! record's BinXML by [`binxml`](super::binxml) where it can, else from the
//! crate's JSON rendering of it by
//! [`JsonScanner::evtx`](crate::json::JsonScanner::evtx), the two giving
//! the same fields. No JSON tree is built. A chunk or record that cannot be
//! read is reported with its place, and the rest of the file is read.

use std::io::{Read, Seek, SeekFrom};

use std::sync::Arc;

use evtx::err::EvtxError;
use evtx::{EvtxParser, ParserSettings};

use super::binxml::{Fields, Reader, walk};
use crate::event::Place;

/// One record or an error, as the file gives them.
#[derive(Debug)]
pub enum EvtxItem<'a> {
    /// A record read straight from its BinXML: its header's id and its
    /// fields (see [`binxml`](super::binxml)).
    Fields(u64, &'a Fields),
    /// A record the direct reading declined: its header's id and its XML
    /// tree as JSON (read by a
    /// [`JsonScanner::evtx`](crate::json::JsonScanner::evtx)).
    Record(u64, &'a str),
    /// A place that could not be read, and why.
    Error(Place, String),
}

impl EvtxItem<'_> {
    /// Hands the record's fields to `v` (through `scanner` when it came as
    /// JSON); an error names the byte of the JSON it is at.
    pub fn visit<V: crate::event::Visitor + ?Sized>(
        &self,
        scanner: &mut crate::json::JsonScanner,
        v: &mut V,
    ) -> Result<(), crate::json::JsonError> {
        match self {
            Self::Fields(_, f) => {
                f.visit(v);
                Ok(())
            }
            Self::Record(_, json) => scanner.scan(json, v),
            Self::Error(..) => Ok(()),
        }
    }
}

/// Reads every record of an EVTX file (from the start), calling `each` in
/// record order until it says to stop.
///
/// The file's chunks are read in the crate's order ([`Chunks`]), and the
/// `evtx` crate parses each (its string and template tables, checked as
/// the crate checks them). Each chunk's
/// records are then walked while they are regular, and each read straight
/// from its BinXML ([`binxml`](super::binxml)); from the first record that
/// reading declines, the chunk's records come from the crate as JSON
/// (`EvtxRecord::into_json_bytes`, its errors included). The test
/// `direct_reading_gives_the_rendered_fields` holds the whole to the fields
/// and errors of `records_json` on every sample file. Records carved from
/// a chunk's slack space are not asked for (`recover_records` is off).
pub fn read<R: Read + Seek + Send + 'static>(
    input: R,
    mut each: impl FnMut(EvtxItem<'_>) -> bool,
) -> Result<(), String> {
    let settings = Arc::new(
        ParserSettings::new()
            .num_threads(1)
            .separate_json_attributes(false),
    );
    // The thread's chunk buffer (given back when this file ends).
    let mut buf = KeptBuffer(BUFFER.take());
    let mut input =
        Bounded::trimmed(input, &mut buf.0).map_err(|e| format!("cannot read it: {e}"))?;
    let Some(mut chunks) = Chunks::of(&mut input) else {
        // The crate's own reading of the header, for its message.
        let why = input
            .seek(SeekFrom::Start(0))
            .map_err(EvtxError::from)
            .and_then(|_| EvtxParser::from_read_seek(input).map(|_| ()))
            .err()
            .map_or_else(|| "its header is not whole".to_owned(), |e| e.to_string());
        return Err(format!("not an EVTX file: {why}"));
    };
    // The thread's reader, with the templates and plans of the files it
    // read before (given back when this one ends, however it ends).
    let mut kept = Kept(Some(DIRECT.take()));
    let direct = kept.0.get_or_insert_default();
    let mut fields = Fields::default();
    while let Some((chunk, number)) = chunks.next(&mut input, &mut buf.0) {
        let mut data = match chunk {
            Ok(data) => data,
            Err(e) => {
                if !each(failed(&e)) {
                    return Ok(());
                }
                continue;
            }
        };
        let go = match data.parse(Arc::clone(&settings)) {
            Ok(mut chunk) => {
                direct.new_chunk();
                // The crate's own walk over the chunk, started at the
                // first record the direct reading declines and kept in
                // step with it from there.
                let (data, header) = (chunk.data, chunk.header);
                let mut records = chunk.iter();
                let mut at = 0;
                let mut walked = walk(data, header).enumerate();
                loop {
                    let (i, raw) = match walked.next() {
                        Some((i, Some(raw))) => (i, raw),
                        Some((i, None)) => {
                            // An irregular record: the crate reads the rest.
                            break records
                                .by_ref()
                                .skip(i - at)
                                .all(|record| each_rendered(record, &mut each));
                        }
                        None => break true,
                    };
                    if direct.read(data, &raw, &mut fields) {
                        if !each(EvtxItem::Fields(raw.id, &fields)) {
                            break false;
                        }
                        continue;
                    }
                    let Some(record) = records.nth(i - at) else {
                        break true;
                    };
                    at = i + 1;
                    if !each_rendered(record, &mut each) {
                        break false;
                    }
                }
            }
            Err(e) => each(failed(&EvtxError::FailedToParseChunk {
                chunk_id: number,
                source: Box::new(e),
            })),
        };
        // The chunk's bytes are the buffer the next one is read into.
        buf.0 = data.data;
        if !go {
            return Ok(());
        }
    }
    Ok(())
}

/// The chunks of an EVTX file in record order, as the `evtx` crate's
/// `EvtxParser::chunks` walks them: from the chunk that holds the oldest
/// records to the end of the file (past the chunk count the file's size
/// gives while chunks are there to read), then from the file's start up
/// to that chunk; all-zero chunks are passed over. Each is read into the
/// thread's one buffer, whose bytes the chunk then holds and gives back:
/// the crate reads each into a new buffer, zeroed first.
struct Chunks {
    next: u64,
    oldest: u64,
    wrapped: bool,
    /// The chunks the file's size holds.
    count: u64,
}

impl Chunks {
    /// The walk over a file's chunks; `None` when its header cannot be
    /// read or is larger than the file.
    fn of<R: Read + Seek>(input: &mut Bounded<R>) -> Option<Self> {
        let header = evtx::EvtxFileHeader::from_stream(input).ok()?;
        let count = input.len.checked_sub(header.header_block_size.into())? / CHUNK;
        // Where the oldest records are: the chunk whose header names the
        // lowest first record id (a header whose range is reversed says
        // nothing), as the crate's `oldest_chunk` finds it.
        let mut oldest = (u64::MAX, 0);
        let mut head = [0u8; 512];
        // (With one chunk or none, the walk starts at 0 whatever it says.)
        for n in (0..count).filter(|_| count > 1) {
            if input.seek(SeekFrom::Start(HEADER + n * CHUNK)).is_err()
                || input.read_exact(&mut head).is_err()
            {
                break;
            }
            if let Ok(c) = evtx::EvtxChunkHeader::from_bytes(&head)
                && c.first_event_record_id <= c.last_event_record_id
                && c.first_event_record_id < oldest.0
            {
                oldest = (c.first_event_record_id, n);
            }
        }
        Some(Chunks {
            next: oldest.1,
            oldest: oldest.1,
            wrapped: false,
            count,
        })
    }

    /// The next chunk (or why it cannot be read) and its number.
    fn next<R: Read + Seek>(
        &mut self,
        input: &mut Bounded<R>,
        buf: &mut Vec<u8>,
    ) -> Option<(Result<evtx::EvtxChunkData, EvtxError>, u64)> {
        loop {
            // Once it has wrapped around, the walk ends where it started.
            let end = if self.wrapped { self.oldest } else { u64::MAX };
            let mut n = self.next;
            let found = loop {
                if n >= end {
                    break None;
                }
                match read_chunk(input, n, buf) {
                    // Past the size's count, a chunk that cannot be read
                    // is the file's end.
                    Err(_) if n >= self.count => break None,
                    Err(e) => break Some((Err(e), n)),
                    Ok(None) => match n.checked_add(1) {
                        Some(m) => n = m,
                        None => break None,
                    },
                    Ok(Some(c)) => break Some((Ok(c), n)),
                }
            };
            if let Some((chunk, n)) = found {
                self.next = n.checked_add(1)?;
                return Some((chunk, n));
            }
            if self.wrapped || self.oldest == 0 {
                return None;
            }
            self.wrapped = true;
            self.next = 0;
        }
    }
}

/// Chunk `n` read into `buf` (`None`: all zero), with the crate's errors
/// for a chunk it cannot seek to, cannot read whole or does not take.
fn read_chunk<R: Read + Seek>(
    input: &mut Bounded<R>,
    n: u64,
    buf: &mut Vec<u8>,
) -> Result<Option<evtx::EvtxChunkData>, EvtxError> {
    use evtx::err::ChunkError;
    let chunk_err = |e: ChunkError| EvtxError::FailedToParseChunk {
        chunk_id: n,
        source: Box::new(e),
    };
    let offset = n.saturating_mul(CHUNK).saturating_add(HEADER);
    input
        .seek(SeekFrom::Start(offset))
        .map_err(|e| chunk_err(ChunkError::FailedToSeekToChunk(e)))?;
    buf.resize(CHUNK as usize, 0);
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(chunk_err(ChunkError::IncompleteChunk)),
        }
    }
    if got != buf.len() {
        return Err(chunk_err(ChunkError::IncompleteChunk));
    }
    if all_zero(buf) {
        return Ok(None);
    }
    let mut chunk = evtx::EvtxChunkData::new(std::mem::take(buf), false).map_err(chunk_err)?;
    chunk.number = Some(n);
    Ok(Some(chunk))
}

thread_local! {
    /// The thread's buffer for a chunk's bytes.
    static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Gives the thread's chunk buffer back when dropped.
struct KeptBuffer(Vec<u8>);

impl Drop for KeptBuffer {
    fn drop(&mut self) {
        BUFFER.set(std::mem::take(&mut self.0));
    }
}

thread_local! {
    static DIRECT: std::cell::RefCell<Reader> = std::cell::RefCell::default();
}

/// Gives the thread's direct reader back when dropped.
struct Kept(Option<Reader>);

impl Drop for Kept {
    fn drop(&mut self) {
        if let Some(r) = self.0.take() {
            DIRECT.set(r);
        }
    }
}

/// A record the `evtx` crate gives, rendered as JSON, to `each`.
fn each_rendered(
    record: evtx::err::Result<evtx::EvtxRecord<'_>>,
    each: &mut impl FnMut(EvtxItem<'_>) -> bool,
) -> bool {
    match record.and_then(|r| r.into_json_bytes()) {
        Ok(r) => match simdutf8::basic::from_utf8(&r.data) {
            Ok(json) => each(EvtxItem::Record(r.event_record_id, json)),
            Err(_) => each(EvtxItem::Error(
                Place::Record(r.event_record_id),
                "the record's rendering is not UTF-8".to_owned(),
            )),
        },
        Err(e) => each(failed(&e)),
    }
}

/// What the `evtx` crate could not read, as an item: the record it names
/// (0 for a chunk) and its message with its sources.
fn failed(e: &EvtxError) -> EvtxItem<'static> {
    let place = match e {
        EvtxError::FailedToParseRecord { record_id, .. } => Place::Record(*record_id),
        _ => Place::Record(0),
    };
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    EvtxItem::Error(place, msg)
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
fn used_length<R: Read + Seek>(input: &mut R, chunk: &mut Vec<u8>) -> std::io::Result<u64> {
    let len = input.seek(SeekFrom::End(0))?;
    if len < HEADER || !(len - HEADER).is_multiple_of(CHUNK) {
        return Ok(len);
    }
    let mut end = len;
    chunk.resize(CHUNK as usize, 0);
    while end > HEADER {
        input.seek(SeekFrom::Start(end - CHUNK))?;
        input.read_exact(chunk)?;
        if !all_zero(chunk) {
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
    /// `inner` up to its used length (`buf` the room to read its chunks).
    fn trimmed(mut inner: R, buf: &mut Vec<u8>) -> std::io::Result<Self> {
        let len = used_length(&mut inner, buf)?;
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
        // The inner reader is where `pos` says (it moves only through
        // this one): a seek to there is not made.
        if target != self.pos {
            self.pos = self.inner.seek(SeekFrom::Start(target))?;
        }
        Ok(self.pos)
    }
}

#[cfg(test)]
pub(crate) mod tests {
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
            let got =
                used_length(&mut std::io::Cursor::new(&f), &mut Vec::new()).expect("in memory");
            assert_eq!(got, used, "{chunks:?} + {tail}");
        }
        assert_eq!(
            used_length(&mut std::io::Cursor::new(vec![0u8; 100]), &mut Vec::new()).expect("read"),
            100
        );
    }

    #[test]
    fn a_bounded_reader_ends_at_its_length_and_seeks_within_it() {
        let f = layout(&[true, false], 0);
        let mut b = Bounded::trimmed(std::io::Cursor::new(f), &mut Vec::new()).expect("in memory");
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

    /// The fields of every record of every sample log, read straight from
    /// its BinXML from the file's used part, are the ones the JSON
    /// scanner finds in the parser's JSON of the whole file: the same
    /// records and errors, in the same order, with the same names, values
    /// and quoting. Nearly every record is read directly.
    #[test]
    fn direct_reading_gives_the_rendered_fields() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/evtx");
        if !dir.is_dir() {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        }
        type Item = Result<(u64, Vec<(String, String, bool)>), String>;
        let scan = |json: &str| {
            let mut c = Triples::default();
            crate::json::JsonScanner::evtx()
                .scan(json, &mut c)
                .map(|()| c.0)
                .map_err(|e| e.to_string())
        };
        let files = evtx_files(dir);
        let direct = std::cell::Cell::new(0);
        // A file's items read here and as `records_json` gives them.
        let both = |bytes: &[u8]| -> (Vec<Item>, Vec<Item>) {
            let mut whole: Vec<Item> = Vec::new();
            let settings = ParserSettings::new()
                .num_threads(1)
                .separate_json_attributes(false);
            if let Ok(p) = EvtxParser::from_buffer(bytes.to_vec()) {
                for r in p.with_configuration(settings).records_json() {
                    whole.push(match r {
                        Ok(r) => scan(&r.data).map(|f| (r.event_record_id, f)),
                        // The message with its sources, as items carry it.
                        Err(e) => Err(match failed(&e) {
                            EvtxItem::Error(_, m) => m,
                            _ => e.to_string(),
                        }),
                    });
                }
            }
            let mut used: Vec<Item> = Vec::new();
            let _ = read(std::io::Cursor::new(bytes.to_vec()), |item| {
                used.push(match item {
                    EvtxItem::Fields(id, f) => {
                        direct.set(direct.get() + 1);
                        Ok((id, f.to_vec()))
                    }
                    EvtxItem::Record(id, json) => scan(json).map(|f| (id, f)),
                    EvtxItem::Error(_, m) => Err(m),
                });
                true
            });
            (used, whole)
        };
        let same = |used: &[Item], whole: &[Item], what: &str| {
            for (i, (a, b)) in used.iter().zip(whole).enumerate() {
                assert_eq!(a, b, "{what} item {i}");
            }
            assert_eq!(used.len(), whole.len(), "{what}");
        };
        let (mut trimmed, mut records, mut errors) = (0, 0, 0);
        for f in &files {
            let bytes = std::fs::read(f).expect("read");
            let (used, whole) = both(&bytes);
            let len =
                used_length(&mut std::io::Cursor::new(&bytes), &mut Vec::new()).expect("in memory");
            trimmed += usize::from(len < bytes.len() as u64);
            same(&used, &whole, &f.display().to_string());
            records += used.len();
        }
        let direct_whole = direct.get();
        // Damaged copies of the first files: the second record's magic
        // zeroed (the walk resyncs past it), and the first record's
        // template instance token made an invalid one (its BinXML cannot
        // be read). The same records and errors either way.
        for f in files.iter().take(20) {
            let bytes = std::fs::read(f).expect("read");
            let first = (HEADER + 512) as usize;
            let Some(size) = bytes.get(first + 4..first + 8) else {
                continue;
            };
            let second = first + u32::from_le_bytes(size.try_into().expect("4 bytes")) as usize;
            for (at, byte) in [(second, 0u8), (first + 28, 0xff)] {
                let mut damaged = bytes.clone();
                let Some(b) = damaged.get_mut(at..at + 4) else {
                    continue;
                };
                b.fill(byte);
                let (used, whole) = both(&damaged);
                same(&used, &whole, &format!("{} damaged at {at}", f.display()));
                errors += used.iter().filter(|i| i.is_err()).count();
            }
        }
        assert!(errors >= 20, "{errors} errors in the damaged copies");
        // Damaged chunks of the first files of three or more: the second
        // chunk's magic broken, the file cut inside its last chunk, the
        // second chunk zeroed, and the first chunk moved to the end (a
        // log that has wrapped around, read from its oldest chunk on).
        let (mut chunked, mut chunk_errors) = (0, 0);
        for f in &files {
            let bytes = std::fs::read(f).expect("read");
            let len =
                used_length(&mut std::io::Cursor::new(&bytes), &mut Vec::new()).expect("in memory");
            let n = ((len - HEADER.min(len)) / CHUNK) as usize;
            if n < 3 || !(len - HEADER).is_multiple_of(CHUNK) {
                continue;
            }
            chunked += 1;
            if chunked > 8 {
                break;
            }
            let at = |k: usize| HEADER as usize + k * CHUNK as usize;
            let used = &bytes[..at(n)];
            let mut magic = used.to_vec();
            magic[at(1)..at(1) + 8].fill(0x41);
            let cut = used[..at(n - 1) + 1000].to_vec();
            let mut zeroed = used.to_vec();
            zeroed[at(1)..at(2)].fill(0);
            let mut wrapped = used[..at(0)].to_vec();
            wrapped.extend_from_slice(&used[at(1)..]);
            wrapped.extend_from_slice(&used[at(0)..at(1)]);
            for (what, v) in [
                ("magic", magic),
                ("cut", cut),
                ("zeroed", zeroed),
                ("wrapped", wrapped),
            ] {
                let (used, whole) = both(&v);
                same(
                    &used,
                    &whole,
                    &format!("{} with its chunks {what}", f.display()),
                );
                chunk_errors += used.iter().filter(|i| i.is_err()).count();
            }
        }
        assert!(chunked >= 3, "{chunked} samples of three chunks or more");
        assert!(
            chunk_errors >= 3,
            "{chunk_errors} errors in the chunk damages"
        );
        let direct = direct_whole;
        assert!(trimmed > 0, "no sample had zero chunks at its end");
        assert!(records > 10_000, "{records} records");
        eprintln!("{direct} of {records} records read directly");
        // 16,796 of 16,801: the rest hold ANSI strings or a template
        // instance that is not their stream's whole.
        assert!(
            direct * 1000 > records * 999,
            "{direct} of {records} read directly"
        );
    }

    /// The EVTX files of a folder, as a hunt walks it (sorted by name).
    pub(crate) fn evtx_files(dir: std::path::PathBuf) -> Vec<std::path::PathBuf> {
        crate::run::expand(&[crate::run::Input::Path(dir)])
            .into_iter()
            .filter_map(|(_, i)| match i {
                Ok(crate::run::Input::Path(p)) if p.extension().is_some_and(|x| x == "evtx") => {
                    Some(p)
                }
                _ => None,
            })
            .collect()
    }

    #[derive(Default)]
    struct Triples(Vec<(String, String, bool)>);

    impl crate::event::Visitor for Triples {
        fn field(&mut self, name: &str, value: &str, quoted: bool) {
            self.0.push((name.into(), value.into(), quoted));
        }
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
            |_| true,
        );
        assert!(r.is_err());
    }
}
