//! The log readers: which format an input is (from its content when not
//! given), how it is compressed (gzip, zstd, by magic number), and each
//! format's record reader.
//!
//! | format | records | module |
//! |---|---|---|
//! | JSON lines (ECS, Splunk, Zeek JSON, any schema) | one object per line | [`crate::json`] |
//! | Zeek TSV | one line per record, `#fields` header | [`zeek`] |
//! | syslog RFC 3164 / 5424, CEF, LEEF | one line per record | [`syslog`] |
//! | Linux audit records (`audit.log`, or in syslog) | one line per record | [`audit`] |
//! | Windows event XML in syslog (Sysmon for Linux) | one line per record | [`event_xml`] |
//! | CSV with a header | one record (may span lines) | [`table`] |
//! | Windows EVTX | event records | [`evtx`] |

pub mod audit;
pub mod binxml;
pub mod event_xml;
pub mod evtx;
pub mod follow;
pub mod live;
pub mod syslog;
pub mod table;
pub mod zeek;

use std::io::{self, Read};

/// A log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line.
    Json,
    /// Zeek's tab-separated logs.
    Zeek,
    /// Syslog lines (RFC 3164, RFC 5424), CEF and LEEF, Linux audit
    /// records.
    Syslog,
    /// CSV with a header line.
    Csv,
    /// Windows event logs.
    Evtx,
}

impl Format {
    /// Whether records are lines (read in parallel chunks).
    pub fn by_lines(self) -> bool {
        matches!(self, Self::Json | Self::Zeek | Self::Syslog)
    }
}

/// The format of content starting with `head` (its first few KiB, after
/// decompression), if it is one of ours.
pub fn detect(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"ElfFile\0") {
        return Some(Format::Evtx);
    }
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let first_line = head
        .split(|&c| c == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))?;
    let line = String::from_utf8_lossy(first_line);
    let l = line.trim();
    if l.starts_with('{') {
        return Some(Format::Json);
    }
    if l.starts_with("#separator") {
        return Some(Format::Zeek);
    }
    if syslog::looks_like(l) {
        return Some(Format::Syslog);
    }
    // A header of names: at least two, each short (three words at most),
    // not prose.
    let delimited = |d: char| {
        let names: Vec<&str> = l.split(d).collect();
        names.len() >= 2
            && names.iter().all(|n| {
                let n = n.trim().trim_matches('"');
                !n.is_empty() && n.len() <= 64 && n.split_whitespace().count() <= 3
            })
    };
    if delimited(',') || delimited('\t') {
        return Some(Format::Csv);
    }
    None
}

/// How an input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not at all.
    None,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard.
    Zstd,
}

/// The compression of content starting with `head`.
pub fn compression(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// An input with its first bytes read ahead (for detection) and put back.
pub struct Peeked {
    /// The first bytes.
    pub head: Vec<u8>,
    /// The whole input, from its first byte.
    pub input: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Peeked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peeked")
            .field("head", &self.head.len())
            .finish()
    }
}

/// How many bytes are read ahead to detect compression and format.
pub const PEEK: u64 = 8192;

/// Reads ahead `input`'s first bytes.
pub fn peek(input: Box<dyn Read + Send>) -> io::Result<Peeked> {
    peek_as(input, false)
}

/// Reads ahead `input`'s first bytes: [`PEEK`] of them, or, for a live
/// input (a pipe, a followed file), as soon as they tell the compression
/// or hold a whole line, so that a stream's first line is not held back
/// until 8 KiB have come.
pub fn peek_as(mut input: Box<dyn Read + Send>, live: bool) -> io::Result<Peeked> {
    let mut head = Vec::new();
    if live {
        let mut part = [0u8; PEEK as usize];
        while head.len() < PEEK as usize {
            let want = PEEK as usize - head.len();
            let n = match input.read(&mut part[..want]) {
                Ok(n) => n,
                // A followed file turned over before its first line came:
                // its successor is the input.
                Err(e) if e.kind() == io::ErrorKind::Interrupted || follow::is_turnover(&e) => {
                    continue;
                }
                Err(e) => return Err(e),
            };
            if n == 0 {
                break;
            }
            let new = &part[..n];
            head.extend_from_slice(new);
            if memchr::memchr(b'\n', new).is_some()
                || head.len() >= 4 && compression(&head) != Compression::None
            {
                break;
            }
        }
    } else {
        (&mut input).take(PEEK).read_to_end(&mut head)?;
    }
    let input = Box::new(io::Cursor::new(head.clone()).chain(input));
    Ok(Peeked { head, input })
}

/// `input` decompressed (by its magic number), read ahead again.
pub fn decompressed(p: Peeked) -> io::Result<(Compression, Peeked)> {
    decompressed_as(p, false)
}

/// [`decompressed`], read ahead as [`peek_as`] does.
pub fn decompressed_as(p: Peeked, live: bool) -> io::Result<(Compression, Peeked)> {
    let c = compression(&p.head);
    let input: Box<dyn Read + Send> = match c {
        Compression::None => return Ok((c, p)),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(p.input)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(p.input)?),
    };
    Ok((c, peek_as(input, live)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn formats_are_told_by_content() {
        for (head, want) in [
            (&b"ElfFile\0rest"[..], Some(Format::Evtx)),
            (b"\n{\"a\":1}\n", Some(Format::Json)),
            (b"\xef\xbb\xbf{\"a\":1}", Some(Format::Json)),
            (b"#separator \\x09\n#fields\tts\n", Some(Format::Zeek)),
            (b"<13>Oct 11 22:14:15 host app: x\n", Some(Format::Syslog)),
            (b"Oct 11 22:14:15 host app: x\n", Some(Format::Syslog)),
            (b"CEF:0|a|b|c|d|e|f|src=1.2.3.4\n", Some(Format::Syslog)),
            (b"ts,src_ip,query\n1,2,3\n", Some(Format::Csv)),
            (
                b"This is a letter, not a log of any kind at all, sorry about that.\n",
                None,
            ),
            (b"\x00\x01\x02 binary", None),
            (b"", None),
        ] {
            assert_eq!(detect(head), want, "{:?}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn compressed_inputs_are_opened() {
        let text = b"{\"a\":\"1.2.3.4\"}\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).expect("gz");
        let gz = gz.finish().expect("gz");
        let zs = zstd::encode_all(&text[..], 1).expect("zstd");
        for (bytes, c) in [
            (gz, Compression::Gzip),
            (zs, Compression::Zstd),
            (text.clone(), Compression::None),
        ] {
            let p = peek(Box::new(io::Cursor::new(bytes))).expect("peek");
            let (got, mut p) = decompressed(p).expect("open");
            assert_eq!(got, c);
            assert_eq!(detect(&p.head), Some(Format::Json));
            let mut all = Vec::new();
            p.input.read_to_end(&mut all).expect("read");
            assert_eq!(all, text);
        }
    }

    #[test]
    fn a_truncated_gzip_is_an_error_not_a_panic() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&b"{\"a\":1}\n".repeat(10_000)).expect("gz");
        let mut gz = gz.finish().expect("gz");
        gz.truncate(gz.len() / 2);
        let p = peek(Box::new(io::Cursor::new(gz))).expect("peek");
        let (_, mut p) = decompressed(p).expect("open");
        let mut all = Vec::new();
        assert!(p.input.read_to_end(&mut all).is_err());
    }
}
