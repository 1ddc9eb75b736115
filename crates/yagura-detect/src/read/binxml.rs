//! EVTX records read straight from their BinXML into named fields, without
//! rendering them as JSON and scanning that again: the common record (one
//! template instance whose values are scalars) gives exactly the fields
//! that [`JsonScanner::evtx`](crate::json::JsonScanner::evtx) finds in the
//! `evtx` crate's JSON rendering of it, names, values and their order
//! alike. Anything else (nested templates or BinXML fragments, array
//! values, ANSI strings, system times, lone surrogates, a name JSON would
//! need to escape, a template that does not parse cleanly) is declined, and
//! the caller renders that record, and the rest of its chunk, through the
//! `evtx` crate as before. The test `direct_reading_gives_the_rendered_fields`
//! holds the two to the same fields and errors on every sample file.
//!
//! The JSON rules mirrored are those of the `evtx` crate's materialized
//! renderer (`binxml/compiled.rs`, the `*_plain` methods, at the version
//! pinned in the workspace): attributes and `#text` folded into their
//! element's name, `Data` elements named by their `Name` attribute in an
//! `EventData` or `UserData` container (or listed as `Data` when none is
//! named), repeated names numbered `_1`, `_2`, …, elements whose
//! DependencyId names a NULL value left out, optional empty substitutions
//! dropped, and empty elements no field (`null`) except a `Data` element's
//! (`""`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use evtx::EvtxChunkHeader;
use smallvec::SmallVec;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Deepest element nesting read (the JSON scanner allows 64 levels).
const MAX_DEPTH: usize = 40;

/// Most text one record may give; a larger one is left to the renderer,
/// which has its own limits for crafted records.
const MAX_OUTPUT: usize = 1 << 20;

/// A template's node.
#[derive(Debug, PartialEq, Eq, Hash)]
enum TNode {
    Text(Box<str>),
    /// A record's literal value of another type than a string: its type,
    /// and where its bytes are in the chunk.
    Value {
        ty: u8,
        at: u32,
        len: u32,
    },
    /// A template instance in a record's elements (the instance's index).
    Instance(u32),
    Sub {
        id: u16,
        optional: bool,
    },
    Elem(u32),
    CharRef(u16),
    Entity(Name),
    Pi,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TElem {
    name: Name,
    dependency: Option<u16>,
    attrs: Vec<(Name, Vec<TNode>)>,
    children: Vec<TNode>,
    /// Whether its children are its template's elements alone (no
    /// substitution among them, which could be a fragment's) and of
    /// distinct names: none is numbered unless an array repeats it.
    distinct: bool,
    /// Whether its `Data` children are named by distinct literal `Name`s
    /// (and it has no substitution child).
    distinct_data: bool,
}

/// A template definition, parsed.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Template {
    elems: Vec<TElem>,
    root: u32,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// UTF-16LE text up to its first NUL unit, appended to `out` as UTF-8;
/// `None` for a lone surrogate. Runs of 16 ASCII units are copied a run at
/// a time (a check and a copy the compiler vectorizes): script blocks and
/// command lines are long, and nearly all ASCII.
fn utf16_into(b: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let mut i = 0;
    out.reserve(b.len() / 2);
    loop {
        while let Some(block) = b.get(i..i + 32) {
            let other = block.chunks_exact(2).fold(false, |a, u| {
                a | (u[1] != 0) | (u[0].wrapping_sub(1) >= 0x7f)
            });
            if other {
                break;
            }
            out.extend(block.chunks_exact(2).map(|u| u[0]));
            i += 32;
        }
        let Some(u) = b.get(i..i + 2) else {
            return Some(());
        };
        let unit = u16::from_le_bytes([u[0], u[1]]);
        i += 2;
        let c = match unit {
            0 => return Some(()),
            0x01..=0x7f => {
                out.push(unit as u8);
                continue;
            }
            0xd800..=0xdbff => {
                let lo = u16_at(b, i).filter(|lo| (0xdc00..0xe000).contains(lo))?;
                i += 2;
                char::from_u32(
                    0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(lo) - 0xdc00),
                )?
            }
            0xdc00..=0xdfff => return None,
            _ => char::from_u32(u32::from(unit))?,
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
}

fn utf16(b: &[u8]) -> Option<Box<str>> {
    let mut s = Vec::new();
    utf16_into(b, &mut s)?;
    String::from_utf8(s).ok().map(String::into_boxed_str)
}

/// An element's, attribute's or entity's name.
type Name = Rc<str>;

/// The names of a chunk read so far, by offset (`None`: refused).
type Names = FastMap<u32, Option<Name>>;

/// A name from the chunk's string table at `offset` (`NameLink`, hash,
/// length, UTF-16 units, NUL); when it is stored right here, `pos` moves
/// past it. A name JSON would escape is refused.
fn name_at(data: &[u8], offset: u32, pos: &mut usize, names: &mut Names) -> Option<Name> {
    let off = offset as usize;
    let len = usize::from(u16_at(data, off + 6)?);
    let units = data.get(off + 8..off + 8 + 2 * len)?;
    if off == *pos {
        *pos = off + 10 + 2 * len;
    }
    names
        .entry(offset)
        .or_insert_with(|| {
            let name = utf16(units)?;
            if name.bytes().any(|c| c < 0x20 || c == b'"' || c == b'\\') {
                return None;
            }
            Some(name.into())
        })
        .clone()
}

impl Template {
    /// The template whose definition starts at chunk offset `at`, or
    /// `None` when it is not one this reader handles.
    fn parse(data: &[u8], at: u32, names: &mut Names) -> Option<Self> {
        let at = at as usize;
        let size = u32_at(data, at + 20)? as usize;
        let p = at + 24;
        Self::parse_stream(data, (p, p.checked_add(size)?), names, None)
    }

    /// The elements of `data[start..end]`: a template definition's, or
    /// with `instance` a record's own (no DependencyIds, literal values of
    /// any type, and template instances among its elements, which
    /// `instance` reads from where their token is, giving their index and
    /// where they end).
    fn parse_stream(
        data: &[u8],
        (mut p, end): (usize, usize),
        names: &mut Names,
        mut instance: Option<&mut dyn FnMut(usize) -> Option<(u32, usize)>>,
    ) -> Option<Self> {
        if end > data.len() {
            return None;
        }
        let record = instance.is_some();
        let mut elems: Vec<TElem> = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        let mut root = None;
        // Whether value tokens go to the last attribute of the open element.
        let mut in_attr = false;
        fn push(elems: &mut [TElem], stack: &[u32], in_attr: bool, n: TNode) -> Option<()> {
            let e = &mut elems[*stack.last()? as usize];
            if in_attr {
                e.attrs.last_mut()?.1.push(n);
            } else {
                e.children.push(n);
            }
            Some(())
        }
        while p < end {
            let token = data[p];
            p += 1;
            match token {
                0x00 => break,
                0x0f => p += 3,
                0x01 | 0x41 => {
                    let dep = if record { 0xffff } else { u16_at(data, p)? };
                    if !record {
                        p += 2;
                    }
                    let name_off = u32_at(data, p + 4)?;
                    p += 8;
                    let name = name_at(data, name_off, &mut p, names)?;
                    if token == 0x41 {
                        p += 4;
                    }
                    let id = u32::try_from(elems.len()).ok()?;
                    elems.push(TElem {
                        name,
                        dependency: (dep != 0xffff).then_some(dep),
                        attrs: Vec::new(),
                        children: Vec::new(),
                        distinct: false,
                        distinct_data: false,
                    });
                    if stack.is_empty() {
                        if root.is_some() {
                            return None;
                        }
                        root = Some(id);
                    } else {
                        push(&mut elems, &stack, false, TNode::Elem(id))?;
                    }
                    stack.push(id);
                    in_attr = false;
                }
                0x02 => in_attr = false,
                0x03 | 0x04 => {
                    stack.pop()?;
                    in_attr = false;
                }
                0x05 | 0x45 if record => {
                    let ty = data[p];
                    let (start, len) = match ty {
                        // A string: its length in units, then them.
                        0x01 => (p + 3, 2 * usize::from(u16_at(data, p + 1)?)),
                        _ => (
                            p + 1,
                            match ty {
                                0x03 | 0x04 => 1,
                                0x05 | 0x06 => 2,
                                0x07 | 0x08 | 0x0b | 0x0d | 0x14 => 4,
                                0x09 | 0x0a | 0x0c | 0x11 | 0x15 => 8,
                                0x0f => 16,
                                _ => return None,
                            },
                        ),
                    };
                    data.get(start..start + len)?;
                    let n = TNode::Value {
                        ty,
                        at: u32::try_from(start).ok()?,
                        len: len as u32,
                    };
                    p = start + len;
                    push(&mut elems, &stack, in_attr, n)?;
                }
                0x0c if !stack.is_empty() && !in_attr => {
                    let (id, next) = instance.as_mut()?(p - 1)?;
                    p = next;
                    push(&mut elems, &stack, false, TNode::Instance(id))?;
                }
                0x05 | 0x45 => {
                    if *data.get(p)? != 0x01 {
                        return None;
                    }
                    let len = usize::from(u16_at(data, p + 1)?);
                    let text = utf16(data.get(p + 3..p + 3 + 2 * len)?)?;
                    p += 3 + 2 * len;
                    push(&mut elems, &stack, in_attr, TNode::Text(text))?;
                }
                0x06 | 0x46 => {
                    let name_off = u32_at(data, p)?;
                    p += 4;
                    let name = name_at(data, name_off, &mut p, names)?;
                    elems[*stack.last()? as usize]
                        .attrs
                        .push((name, Vec::new()));
                    in_attr = true;
                }
                0x07 | 0x47 => {
                    let len = usize::from(u16_at(data, p)?);
                    let text = utf16(data.get(p + 2..p + 2 + 2 * len)?)?;
                    p += 2 + 2 * len;
                    push(&mut elems, &stack, in_attr, TNode::Text(text))?;
                }
                0x08 | 0x48 => {
                    let c = u16_at(data, p)?;
                    p += 2;
                    push(&mut elems, &stack, in_attr, TNode::CharRef(c))?;
                }
                0x09 | 0x49 => {
                    let name_off = u32_at(data, p)?;
                    p += 4;
                    let name = name_at(data, name_off, &mut p, names)?;
                    push(&mut elems, &stack, in_attr, TNode::Entity(name))?;
                }
                0x0a => {
                    let name_off = u32_at(data, p)?;
                    p += 4;
                    name_at(data, name_off, &mut p, names)?;
                    push(&mut elems, &stack, in_attr, TNode::Pi)?;
                }
                0x0b => {
                    let len = usize::from(u16_at(data, p)?);
                    p += 2 + 2 * len;
                    push(&mut elems, &stack, in_attr, TNode::Pi)?;
                }
                // A record has no substitutions (the crate refuses them).
                0x0d | 0x0e if record => return None,
                0x0d | 0x0e => {
                    let id = u16_at(data, p)?;
                    p += 3;
                    push(
                        &mut elems,
                        &stack,
                        in_attr,
                        TNode::Sub {
                            id,
                            optional: token == 0x0e,
                        },
                    )?;
                }
                _ => return None,
            }
        }
        if !stack.is_empty() || p > end {
            return None;
        }
        // A record's own elements are read once: no need to know.
        for i in 0..if record { 0 } else { elems.len() } {
            let e = &elems[i];
            let subs = e
                .children
                .iter()
                .any(|n| matches!(n, TNode::Sub { .. } | TNode::Instance(_)));
            let kids: Vec<&TElem> = e
                .children
                .iter()
                .filter_map(|n| match n {
                    TNode::Elem(c) => elems.get(*c as usize),
                    _ => None,
                })
                .collect();
            let distinct = |names: &[&str]| {
                names
                    .iter()
                    .enumerate()
                    .all(|(i, n)| !names[..i].contains(n))
            };
            let names: Vec<&str> = kids.iter().map(|k| &*k.name).collect();
            let data: Option<Vec<&str>> = kids
                .iter()
                .filter(|k| &*k.name == "Data")
                .map(|k| match k.attrs.iter().find(|a| &*a.0 == "Name") {
                    Some((_, v)) => match &v[..] {
                        [TNode::Text(t)] => Some(&**t),
                        _ => None,
                    },
                    None => Some(""),
                })
                .collect();
            let flags = (
                !subs && distinct(&names),
                !subs && data.is_some_and(|d| !d.contains(&"") && distinct(&d)),
            );
            (elems[i].distinct, elems[i].distinct_data) = flags;
        }
        Some(Self { elems, root: root? })
    }
}

/// A substitution value: its type byte and bytes.
#[derive(Debug, Clone, Copy)]
struct Val<'a> {
    ty: u8,
    bytes: &'a [u8],
    /// A BinXML value's instance ([`NONE`] for none).
    nested: u32,
    /// Its instance and its index there ([`NONE`]: an array's item).
    at: (u32, u16),
}

impl<'a> Val<'a> {
    /// Whether it is one this reader renders (and of the size its type has).
    fn supported(&self) -> bool {
        let n = self.bytes.len();
        match self.ty {
            0x00 | 0x0e => true,
            0x21 => n == 0 || self.nested != NONE,
            // NUL-terminated strings, the last one too.
            0x81 => n == 0 || (n.is_multiple_of(2) && self.bytes[n - 2..] == [0, 0]),
            0x01 => n.is_multiple_of(2),
            0x03 | 0x04 => n == 1,
            0x05 | 0x06 => n == 2,
            0x07 | 0x08 | 0x0b | 0x0d | 0x14 => n == 4,
            0x09 | 0x0a | 0x0c | 0x11 | 0x15 => n == 8,
            0x10 => n == 4 || n == 8,
            0x0f => n == 16,
            0x13 => n >= 8 && n == 8 + 4 * usize::from(self.bytes[1]),
            _ => false,
        }
    }

    fn is_null(&self) -> bool {
        self.ty == 0x00
    }

    /// `is_optional_empty`: NULL, or an empty string or binary.
    fn empty(&self) -> bool {
        match self.ty {
            0x00 => true,
            0x01 => self.bytes.len() < 2 || self.bytes[..2] == [0, 0],
            0x0e | 0x21 | 0x81 => self.bytes.is_empty(),
            _ => false,
        }
    }

    /// A string array's items (without their NULs).
    fn items(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let b = self.bytes;
        let mut at = 0;
        std::iter::from_fn(move || {
            let rest = b.get(at..).filter(|r| !r.is_empty())?;
            let end = rest
                .chunks_exact(2)
                .position(|u| u == [0, 0])
                .map_or(rest.len(), |u| 2 * u);
            at += end + 2;
            Some(&rest[..end])
        })
    }

    /// How many elements an array substitution makes of its element (more
    /// than one), if it is one.
    fn expands(&self) -> Option<usize> {
        (self.ty == 0x81)
            .then(|| self.items().count())
            .filter(|&n| n > 1)
    }

    /// Whether JSON has it bare (a number or a boolean).
    fn bare(&self) -> bool {
        matches!(self.ty, 0x03..=0x0a | 0x0d)
    }

    /// Its text, as the renderer writes it (unescaped).
    fn text(&self, out: &mut Vec<u8>) -> Option<()> {
        use std::io::Write;
        let b = self.bytes;
        let mut n = itoa::Buffer::new();
        let hex = |out: &mut Vec<u8>, v: u64| {
            out.extend_from_slice(b"0x");
            let digits = (64 - v.leading_zeros()).div_ceil(4).max(1);
            out.extend(
                (0..digits)
                    .rev()
                    .map(|d| LOWER[((v >> (4 * d)) & 15) as usize]),
            );
        };
        match self.ty {
            0x00 => {}
            0x01 => utf16_into(b, out)?,
            0x03 => out.extend_from_slice(n.format(b[0] as i8).as_bytes()),
            0x04 => out.extend_from_slice(n.format(b[0]).as_bytes()),
            0x05 => out.extend_from_slice(n.format(i16::from_le_bytes([b[0], b[1]])).as_bytes()),
            0x06 => out.extend_from_slice(n.format(u16_at(b, 0)?).as_bytes()),
            0x07 => out.extend_from_slice(n.format(u32_at(b, 0)? as i32).as_bytes()),
            0x08 => out.extend_from_slice(n.format(u32_at(b, 0)?).as_bytes()),
            0x09 => out.extend_from_slice(n.format(u64_at(b, 0)? as i64).as_bytes()),
            0x0a => out.extend_from_slice(n.format(u64_at(b, 0)?).as_bytes()),
            0x0b => {
                let v = f32::from_le_bytes(b.try_into().ok()?);
                let _ = write!(
                    out,
                    "{}",
                    evtx::binxml::value_variant::BinXmlValue::Real32Type(v)
                );
            }
            0x0c => {
                let v = f64::from_le_bytes(b.try_into().ok()?);
                let _ = write!(
                    out,
                    "{}",
                    evtx::binxml::value_variant::BinXmlValue::Real64Type(v)
                );
            }
            0x0d => match u32_at(b, 0)? as i32 {
                0 => out.extend_from_slice(b"false"),
                1 => out.extend_from_slice(b"true"),
                raw => out.extend_from_slice(n.format(raw).as_bytes()),
            },
            0x81 => {
                for (i, item) in self.items().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    utf16_into(item, out)?;
                }
            }
            0x0e => {
                out.extend(
                    b.iter()
                        .flat_map(|&x| [UPPER[usize::from(x >> 4)], UPPER[usize::from(x & 15)]]),
                );
            }
            0x0f => {
                // Data1-3 little-endian, in braces, lowercase.
                const ORDER: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
                out.push(b'{');
                for (i, &at) in ORDER.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        out.push(b'-');
                    }
                    out.extend_from_slice(&[
                        LOWER[usize::from(b[at] >> 4)],
                        LOWER[usize::from(b[at] & 15)],
                    ]);
                }
                out.push(b'}');
            }
            0x10 if b.len() == 4 => hex(out, u64::from(u32_at(b, 0)?)),
            0x10 | 0x15 => hex(out, u64_at(b, 0)?),
            0x14 => hex(out, u64::from(u32_at(b, 0)?)),
            0x11 => filetime(u64_at(b, 0)?, out),
            0x13 => {
                let authority = u64::from_be_bytes([0, 0, b[2], b[3], b[4], b[5], b[6], b[7]]);
                out.extend_from_slice(b"S-");
                out.extend_from_slice(n.format(b[0]).as_bytes());
                out.push(b'-');
                out.extend_from_slice(n.format(authority).as_bytes());
                for sub in b[8..].chunks_exact(4) {
                    out.push(b'-');
                    let sub = u32::from_le_bytes(sub.try_into().ok()?);
                    out.extend_from_slice(n.format(sub).as_bytes());
                }
            }
            _ => return None,
        }
        Some(())
    }
}

const LOWER: &[u8; 16] = b"0123456789abcdef";
const UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// A FILETIME as the renderer writes it: `YYYY-MM-DDThh:mm:ss.fffffffZ`,
/// the year's last four digits, all zeros past `i64::MAX`; the date by
/// Howard Hinnant's `civil_from_days`, counted from 0000-03-01, 584,694
/// days before 1601-01-01.
fn filetime(t: u64, out: &mut Vec<u8>) {
    const TICKS_PER_SEC: u64 = 10_000_000;
    const TICKS_PER_DAY: u64 = 86_400 * TICKS_PER_SEC;
    let (year, month, day, secs, ticks) = if t > i64::MAX as u64 {
        (0, 0, 0, 0, 0)
    } else {
        let (days, ticks) = (t / TICKS_PER_DAY, t % TICKS_PER_DAY);
        let z = days + 584_694;
        let (era, doe) = (z / 146_097, z % 146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = era * 400 + yoe + u64::from(month <= 2);
        (
            year % 10_000,
            month,
            day,
            ticks / TICKS_PER_SEC,
            ticks % TICKS_PER_SEC,
        )
    };
    let mut buf = *b"0000-00-00T00:00:00.0000000Z";
    let mut put = |at: std::ops::Range<usize>, mut v: u64| {
        for c in buf[at].iter_mut().rev() {
            *c = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0..4, year);
    put(5..7, month);
    put(8..10, day);
    put(11..13, secs / 3_600);
    put(14..16, secs / 60 % 60);
    put(17..19, secs % 60);
    put(20..27, ticks);
    out.extend_from_slice(&buf);
}

/// A record's fields, as (name, value, quoted) in the order the JSON
/// rendering gives them.
#[derive(Debug, Default)]
pub struct Fields {
    names: String,
    /// The values' text: UTF-8 (checked once per record, in `visit`).
    text: Vec<u8>,
    items: Vec<(u32, u32, u32, u32, bool)>,
    path: String,
}

impl Fields {
    /// Hands each field to `v`.
    pub fn visit<V: crate::event::Visitor + ?Sized>(&self, v: &mut V) {
        // Written from UTF-16 and ASCII only: always UTF-8.
        let Ok(text) = simdutf8::basic::from_utf8(&self.text) else {
            return;
        };
        for &(a, b, c, d, q) in &self.items {
            v.field(
                &self.names[a as usize..b as usize],
                text.get(c as usize..d as usize).unwrap_or(""),
                q,
            );
        }
    }

    /// The fields as owned triples (for tests).
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<(String, String, bool)> {
        self.items
            .iter()
            .map(|&(a, b, c, d, q)| {
                (
                    self.names[a as usize..b as usize].to_owned(),
                    String::from_utf8(self.text[c as usize..d as usize].to_vec()).expect("UTF-8"),
                    q,
                )
            })
            .collect()
    }

    fn clear(&mut self) {
        self.names.clear();
        self.text.clear();
        self.items.clear();
        self.path.clear();
    }
}

/// Reads records of one chunk after another, keeping the chunk's parsed
/// templates.
#[derive(Debug, Default)]
pub struct Reader {
    /// The chunk's templates by definition offset: their ids in `store`.
    templates: FastMap<u32, Option<u32>>,
    /// Templates as parsed, the same ones once (across chunks and files).
    store: Vec<Rc<Template>>,
    ids: FastMap<Rc<Template>, u32>,
    /// The plan of each record shape seen (`None`: a shape the generic
    /// reading must read each time).
    plans: FastMap<Vec<u32>, Option<Plan>>,
    instances: Vec<InstanceAt>,
    shape: Vec<u32>,
    /// The chunk's names read so far.
    names: Names,
}

/// Most templates and plans a reader keeps before it starts afresh.
const MAX_KEPT: usize = 4096;

/// One field of a plan: its name, its text's parts, and whether JSON
/// quotes it.
#[derive(Debug)]
struct Op {
    name: Box<str>,
    parts: Vec<Part>,
    quoted: bool,
}

#[derive(Debug)]
enum Part {
    Lit(Box<[u8]>),
    /// The text of value `.1` of instance `.0`.
    Val(u32, u16),
}

/// The fields of every record of one shape: the same templates, and values
/// of the same types, empty in the same places (nothing the JSON rules
/// decide by differs between them but the values' text).
#[derive(Debug)]
struct Plan {
    ops: Vec<Op>,
}

/// What the generic reading notes to make a plan of a record.
#[derive(Debug, Default)]
struct Recording {
    /// Where each value's text went: (start, end, instance, value).
    spans: Vec<(usize, usize, u32, u16)>,
    ops: Vec<Op>,
    /// Whether a plan can stand for the shape (no name comes from a value).
    ok: bool,
}

/// A record's place in its chunk: where its BinXML starts and its bytes.
pub(crate) struct Raw<'a> {
    pub(crate) id: u64,
    pub(crate) offset: usize,
    pub(crate) bytes: &'a [u8],
}

/// The records of a chunk as the `evtx` crate walks them, while they are
/// regular: each header's magic, sizes and bounds hold, up to the free
/// space or the chunk's last record. `None` for the first one that is not
/// (the crate's own walk takes over from there).
pub(crate) fn walk<'a>(
    data: &'a [u8],
    header: &EvtxChunkHeader,
) -> impl Iterator<Item = Option<Raw<'a>>> + 'a {
    let live_end = (header.free_space_offset as usize).min(data.len());
    let last = header.last_event_record_id;
    let mut at = Some(512usize);
    std::iter::from_fn(move || {
        let offset = at?;
        if offset >= live_end {
            at = None;
            return None;
        }
        let raw = (|| {
            if data.get(offset..offset + 4)? != b"\x2a\x2a\x00\x00" {
                return None;
            }
            let size = u32_at(data, offset + 4)? as usize;
            let id = u64_at(data, offset + 8)?;
            // Header (24 bytes) and the size's copy at the end (4).
            let binxml = size.checked_sub(28)?;
            let start = offset + 24;
            let bytes = data.get(start..start + binxml)?;
            Some((
                Raw {
                    id,
                    offset: start,
                    bytes,
                },
                offset + size,
            ))
        })();
        match raw {
            Some((raw, next)) => {
                at = if raw.id == last { None } else { Some(next) };
                Some(Some(raw))
            }
            None => {
                at = None;
                Some(None)
            }
        }
    })
}

/// One template instance of a record: its template's definition offset
/// and its values (the nested instance of each BinXML value, by index).
#[derive(Debug, Default)]
struct InstanceAt {
    def: u32,
    values: Vec<(u8, u32, u32, u32)>,
}

/// Deepest nesting of instances in values read.
const MAX_NESTING: usize = 8;

/// No nested instance.
const NONE: u32 = u32::MAX;

impl Reader {
    /// Starts on a new chunk.
    pub fn new_chunk(&mut self) {
        self.templates.clear();
        self.names.clear();
    }

    /// Reads a record into `out`; `false` when it is not one this reader
    /// handles (then `out` holds nothing of it).
    pub(crate) fn read(&mut self, data: &[u8], raw: &Raw<'_>, out: &mut Fields) -> bool {
        out.clear();
        let ok = self.read_inner(data, raw, out).is_some();
        if !ok {
            out.clear();
        }
        ok
    }

    /// The instance of `b[start..end]` (a fragment header, then one
    /// template instance, then nothing or an EOF token), after those it
    /// nests; `base` is where `b` is in the chunk.
    fn instance(
        &mut self,
        b: &[u8],
        base: usize,
        (start, end): (usize, usize),
        depth: usize,
    ) -> Option<u32> {
        let (id, p) = self.instance_at(b, base, (start, end), depth)?;
        // The instance ends the stream.
        matches!(b.get(p..end), Some([] | [0, ..])).then_some(id)
    }

    /// The instance at `b[start..]` (a fragment header, then one template
    /// instance, within `end`), after those it nests, and where it ends.
    fn instance_at(
        &mut self,
        b: &[u8],
        base: usize,
        (start, end): (usize, usize),
        depth: usize,
    ) -> Option<(u32, usize)> {
        if depth > MAX_NESTING {
            return None;
        }
        let b = b.get(..end)?;
        let mut p = start;
        if b.get(p) == Some(&0x0f) {
            p += 4;
        }
        if *b.get(p)? != 0x0c {
            return None;
        }
        let def = u32_at(b, p + 6)?;
        p += 10;
        if base + p == def as usize {
            p += 24 + u32_at(b, p + 20)? as usize;
        }
        let n = u32_at(b, p)? as usize;
        p += 4;
        let descriptors = b.get(p..p.checked_add(4 * n)?)?;
        p += 4 * n;
        let mut values = Vec::with_capacity(n);
        for d in descriptors.chunks_exact(4) {
            let size = usize::from(u16::from_le_bytes([d[0], d[1]]));
            let z = p + size;
            b.get(p..z)?;
            values.push((d[2], p as u32, z as u32, NONE));
            p = z;
        }
        for v in &mut values {
            if v.0 == 0x21 && v.2 > v.1 {
                v.3 = self.instance(b, base, (v.1 as usize, v.2 as usize), depth + 1)?;
            }
        }
        let id = u32::try_from(self.instances.len()).ok()?;
        self.instances.push(InstanceAt { def, values });
        Some((id, p))
    }

    /// The id of the template defined at `def` in this chunk.
    fn template(&mut self, data: &[u8], def: u32) -> Option<u32> {
        if let Some(&id) = self.templates.get(&def) {
            return id;
        }
        let id = Template::parse(data, def, &mut self.names).map(|t| {
            if self.store.len() >= MAX_KEPT {
                self.store.clear();
                self.ids.clear();
                self.plans.clear();
            }
            let t = Rc::new(t);
            match self.ids.get(&t) {
                Some(&id) => id,
                None => {
                    let id = self.store.len() as u32;
                    self.store.push(Rc::clone(&t));
                    self.ids.insert(t, id);
                    id
                }
            }
        });
        self.templates.insert(def, id);
        id
    }

    fn read_inner(&mut self, data: &[u8], raw: &Raw<'_>, out: &mut Fields) -> Option<()> {
        let b = raw.bytes;
        self.instances.clear();
        let head = if b.first() == Some(&0x0f) { 4 } else { 0 };
        if matches!(b.get(head), Some(0x01 | 0x41)) {
            return self.read_elements(data, raw, out);
        }
        let root = self.instance(b, raw.offset, (0, b.len()), 0)?;
        let mut ids: SmallVec<[u32; 4]> = SmallVec::new();
        for i in 0..self.instances.len() {
            let def = self.instances[i].def;
            ids.push(self.template(data, def)?);
        }
        let mut insts = Vec::with_capacity(self.instances.len());
        // The record's shape: its templates, and its values' types and
        // emptiness (see `Plan`); none with an array.
        self.shape.clear();
        self.shape.push(root);
        let mut planned = true;
        for (k, i) in self.instances.iter().enumerate() {
            let t = &*self.store[ids[k] as usize];
            let vals: Vec<Val<'_>> = i
                .values
                .iter()
                .enumerate()
                .map(|(n, &(ty, a, z, nested))| Val {
                    ty,
                    bytes: &b[a as usize..z as usize],
                    nested,
                    at: (k as u32, n as u16),
                })
                .collect();
            if !vals.iter().all(Val::supported) {
                return None;
            }
            let arrays = vals.iter().any(|v| v.expands().is_some());
            planned &= !vals.iter().any(|v| v.ty == 0x81);
            self.shape.push(ids[k]);
            self.shape.push(vals.len() as u32);
            self.shape.extend(vals.iter().map(|v| {
                u32::from(v.ty) | u32::from(v.empty()) << 8 | v.nested.wrapping_add(1) << 9
            }));
            insts.push((t, vals, arrays));
        }
        if planned && let Some(plan) = self.plans.get(&self.shape) {
            return match plan {
                Some(plan) => run(plan, &insts, out),
                None => generic(&insts, root, out, None, data).map(drop),
            };
        }
        let mut rec = Recording {
            ok: planned,
            ..Recording::default()
        };
        generic(&insts, root, out, Some(&mut rec), data)?;
        if planned {
            if self.plans.len() >= MAX_KEPT {
                self.plans.clear();
            }
            let plan = rec.ok.then_some(Plan { ops: rec.ops });
            self.plans.insert(self.shape.clone(), plan);
        }
        Some(())
    }
}

impl Reader {
    /// Reads a record whose stream is its elements (with template instances
    /// among them), as exported logs' records are: through the JSON rules
    /// each time (no plan: its literal values are its own).
    fn read_elements(&mut self, data: &[u8], raw: &Raw<'_>, out: &mut Fields) -> Option<()> {
        let b = raw.bytes;
        let base = raw.offset;
        let mut names = std::mem::take(&mut self.names);
        let tree = {
            let mut nested = |at: usize| self.instance_at(b, base, (at - base, b.len()), 1);
            let end = base + b.len();
            Template::parse_stream(data, (base, end), &mut names, Some(&mut nested))
        };
        self.names = names;
        let tree = tree?;
        let mut ids: SmallVec<[u32; 4]> = SmallVec::new();
        for i in 0..self.instances.len() {
            let def = self.instances[i].def;
            ids.push(self.template(data, def)?);
        }
        let mut insts = Vec::with_capacity(self.instances.len() + 1);
        for (k, i) in self.instances.iter().enumerate() {
            let vals: Vec<Val<'_>> = i
                .values
                .iter()
                .enumerate()
                .map(|(n, &(ty, a, z, nested))| Val {
                    ty,
                    bytes: &b[a as usize..z as usize],
                    nested,
                    at: (k as u32, n as u16),
                })
                .collect();
            if !vals.iter().all(Val::supported) {
                return None;
            }
            let arrays = vals.iter().any(|v| v.expands().is_some());
            insts.push((&*self.store[ids[k] as usize], vals, arrays));
        }
        let root = insts.len() as u32;
        insts.push((&tree, Vec::new(), false));
        let mut e = Emit {
            insts: &insts,
            out,
            depth: 0,
            rec: None,
            data,
        };
        e.root(root)
    }
}

/// Reads a record through the JSON rules, noting a plan of it in `rec`.
fn generic<'v>(
    insts: &[Instance<'_, 'v>],
    root: u32,
    out: &mut Fields,
    rec: Option<&mut Recording>,
    data: &'v [u8],
) -> Option<()> {
    let mut e = Emit {
        insts,
        out,
        depth: 0,
        rec,
        data,
    };
    e.root(root)
}

/// Reads a record by the plan of its shape.
fn run(plan: &Plan, insts: &[Instance<'_, '_>], out: &mut Fields) -> Option<()> {
    for op in &plan.ops {
        let a = out.names.len() as u32;
        out.names.push_str(&op.name);
        let start = out.text.len();
        for part in &op.parts {
            match part {
                Part::Lit(b) => out.text.extend_from_slice(b),
                Part::Val(i, k) => insts
                    .get(*i as usize)?
                    .1
                    .get(usize::from(*k))?
                    .text(&mut out.text)?,
            }
        }
        if out.text.len() > MAX_OUTPUT {
            return None;
        }
        out.items.push((
            a,
            out.names.len() as u32,
            start as u32,
            out.text.len() as u32,
            op.quoted,
        ));
    }
    Some(())
}

/// A node of an instance: a template node with its substitution resolved.
#[derive(Clone, Copy)]
enum R<'t, 'v> {
    Text(&'t str),
    Val(Val<'v>),
    /// An element: its instance, its index in the instance's template, and
    /// which item of its array substitution it has ([`NONE`]: it has none).
    Elem(u32, u32, u32),
    CharRef(u16),
    Entity(&'t str),
    Pi,
}

/// An element's nodes, resolved.
type Nodes<'t, 'v> = SmallVec<[R<'t, 'v>; 2]>;

/// A template, an instance's values, and whether one of them is an array
/// that expands its element.
type Instance<'t, 'v> = (&'t Template, Vec<Val<'v>>, bool);

struct Emit<'t, 'v, 'o> {
    insts: &'o [Instance<'t, 'v>],
    out: &'o mut Fields,
    depth: usize,
    rec: Option<&'o mut Recording>,
    /// The chunk (where a record's literal values are).
    data: &'v [u8],
}

/// An element of an instance.
#[derive(Clone, Copy)]
struct El<'t> {
    inst: u32,
    e: &'t TElem,
    /// The item of its array substitution it has ([`NONE`]: none).
    item: u32,
}

/// Counts repeated names: 0 the first time, then 1, 2, …
#[derive(Default)]
struct Counts<'a>(Vec<(Cow<'a, str>, u32)>);

impl<'a> Counts<'a> {
    fn next(&mut self, name: Cow<'a, str>) -> u32 {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                self.0.push((name, 0));
                0
            }
        }
    }
}

fn is_container(name: &str) -> bool {
    name == "EventData" || name == "UserData"
}

impl<'t, 'v> Emit<'t, 'v, '_> {
    fn elem(&self, inst: u32, id: u32, item: u32) -> El<'t> {
        El {
            inst,
            e: &self.insts[inst as usize].0.elems[id as usize],
            item,
        }
    }

    /// The value of a substitution node, unless it is left out.
    fn sub(&self, inst: u32, n: &TNode) -> Option<Val<'v>> {
        let TNode::Sub { id, optional } = n else {
            return None;
        };
        let v = *self.insts[inst as usize].1.get(usize::from(*id))?;
        (!(*optional && v.empty())).then_some(v)
    }

    /// How many elements an array substitution makes of element `c` of
    /// instance `inst`: `Some(None)` for none, `None` (declined) when more
    /// than one of its nodes would (each copy would be expanded again).
    fn expansion(&self, inst: u32, c: u32) -> Option<Option<usize>> {
        let e = &self.insts[inst as usize].0.elems[c as usize];
        let mut found = None;
        for n in e
            .children
            .iter()
            .chain(e.attrs.iter().flat_map(|a| a.1.iter()))
        {
            if let Some(len) = self.sub(inst, n).and_then(|v| v.expands()) {
                if found.is_some() {
                    return None;
                }
                found = Some(len);
            }
        }
        Some(found)
    }

    /// A template node as instance `inst` has it, `None` when left out.
    fn live(&self, inst: u32, n: &'t TNode) -> Option<R<'t, 'v>> {
        let vals = &self.insts[inst as usize].1;
        match n {
            TNode::Text(s) => Some(R::Text(s)),
            TNode::Value { ty, at, len } => {
                let bytes = self.data.get(*at as usize..(*at + *len) as usize)?;
                Some(R::Val(Val {
                    ty: *ty,
                    bytes,
                    nested: NONE,
                    at: (NONE, 0),
                }))
            }
            TNode::Instance(k) => Some(R::Elem(*k, self.insts[*k as usize].0.root, NONE)),
            TNode::Sub { id, optional } => {
                let v = *vals.get(usize::from(*id))?;
                if *optional && v.empty() {
                    return None;
                }
                if v.ty == 0x21 {
                    // A fragment's element (an empty one gives none).
                    if v.nested == NONE {
                        return None;
                    }
                    let root = self.insts[v.nested as usize].0.root;
                    return Some(R::Elem(v.nested, root, NONE));
                }
                Some(R::Val(v))
            }
            TNode::Elem(c) => {
                let left_out = self.insts[inst as usize].0.elems[*c as usize]
                    .dependency
                    .and_then(|d| vals.get(usize::from(d)))
                    .is_some_and(Val::is_null);
                (!left_out).then_some(R::Elem(inst, *c, NONE))
            }
            TNode::CharRef(c) => Some(R::CharRef(*c)),
            TNode::Entity(s) => Some(R::Entity(s)),
            TNode::Pi => Some(R::Pi),
        }
    }

    /// The nodes `ns` of element `el` as its instance has them: an element
    /// that an array substitution expands is there once for each item
    /// (MS-EVEN6 3.1.4.7.5), and in such a copy its array is that item (or
    /// nothing, for an empty one).
    fn nodes(&self, el: El<'t>, ns: &'t [TNode]) -> Option<Nodes<'t, 'v>> {
        let mut out = Nodes::new();
        for n in ns {
            if el.item != NONE
                && let Some(v) = self.sub(el.inst, n)
                && v.expands().is_some()
            {
                let item = v.items().nth(el.item as usize)?;
                if !item.is_empty() {
                    out.push(R::Val(Val {
                        ty: 0x01,
                        bytes: item,
                        nested: NONE,
                        at: (NONE, 0),
                    }));
                }
                continue;
            }
            match self.live(el.inst, n) {
                Some(R::Elem(i, c, _)) if i == el.inst && self.insts[i as usize].2 => {
                    match self.expansion(i, c)? {
                        Some(len) => out.extend((0..len as u32).map(|k| R::Elem(i, c, k))),
                        None => out.push(R::Elem(i, c, NONE)),
                    }
                }
                Some(r) => out.push(r),
                None => {}
            }
        }
        Some(out)
    }

    /// The element's attributes that keep a value.
    fn attrs(&self, el: El<'t>) -> Option<SmallVec<[(&'t str, Nodes<'t, 'v>); 2]>> {
        let mut out = SmallVec::new();
        for (name, v) in &el.e.attrs {
            let v = self.nodes(el, v)?;
            if !v.is_empty() {
                out.push((&**name, v));
            }
        }
        Some(out)
    }

    fn is_content(n: &R<'_, '_>) -> bool {
        match n {
            R::Text(t) => !t.is_empty(),
            R::Entity(_) | R::CharRef(_) => true,
            R::Val(v) => !v.empty(),
            R::Elem(..) | R::Pi => false,
        }
    }

    fn has_text(ns: &[R<'_, '_>]) -> bool {
        ns.iter().any(Self::is_content)
    }

    fn root(&mut self, inst: u32) -> Option<()> {
        let root = self.elem(inst, self.insts[inst as usize].0.root, NONE);
        // The crate's two renderings differ on a root `EventData` (its
        // compiled one takes it for a container, its tree walk does not):
        // left to the crate.
        if is_container(&root.e.name) {
            return None;
        }
        let base = self.key(&root.e.name, 0, true);
        self.element_value(root, false)?;
        self.out.path.truncate(base);
        Some(())
    }

    /// Names the next value `name` (`_suffix`), as the scanner does: no
    /// `#attributes` or `#text`, no root `Event`.
    fn key(&mut self, name: &str, suffix: u32, root: bool) -> usize {
        let base = self.out.path.len();
        if suffix == 0 && (name == "#attributes" || name == "#text" || (root && name == "Event")) {
            return base;
        }
        if !self.out.path.is_empty() {
            self.out.path.push('.');
        }
        self.out.path.push_str(name);
        if suffix > 0 {
            use std::fmt::Write;
            let _ = write!(self.out.path, "_{suffix}");
        }
        base
    }

    fn leaf(&mut self, start: usize, quoted: bool) -> Option<()> {
        let o = &mut *self.out;
        if o.text.len() > MAX_OUTPUT {
            return None;
        }
        let a = o.names.len() as u32;
        o.names.push_str(&o.path);
        o.items.push((
            a,
            o.names.len() as u32,
            start as u32,
            o.text.len() as u32,
            quoted,
        ));
        if let Some(rec) = &mut self.rec {
            let end = o.text.len();
            let mut parts = Vec::new();
            let mut at = start;
            for &(a, z, i, k) in rec.spans.iter().filter(|s| s.0 >= start) {
                if a > at {
                    parts.push(Part::Lit(o.text[at..a].into()));
                }
                parts.push(Part::Val(i, k));
                at = z;
            }
            if end > at {
                parts.push(Part::Lit(o.text[at..end].into()));
            }
            rec.spans.clear();
            rec.ops.push(Op {
                name: o.path.as_str().into(),
                parts,
                quoted,
            });
        }
        Some(())
    }

    fn empty_string(&mut self) -> Option<()> {
        let at = self.out.text.len();
        self.leaf(at, true)
    }

    /// `text_content_plain`.
    fn text_content(&mut self, ns: &[R<'_, '_>], skip_elements: bool) -> Option<()> {
        for n in ns {
            match n {
                R::Text(t) => self.out.text.extend_from_slice(t.as_bytes()),
                R::Val(v) => self.val_text(*v)?,
                R::CharRef(c) => match char::from_u32(u32::from(*c)) {
                    Some(ch) => self
                        .out
                        .text
                        .extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes()),
                    None => {
                        use std::io::Write;
                        let _ = write!(self.out.text, "&#{c};");
                    }
                },
                R::Entity(name) => {
                    let s = match *name {
                        "quot" => "\"",
                        "apos" => "'",
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        other => {
                            self.out.text.push(b'&');
                            self.out.text.extend_from_slice(other.as_bytes());
                            self.out.text.push(b';');
                            continue;
                        }
                    };
                    self.out.text.extend_from_slice(s.as_bytes());
                }
                R::Pi => {}
                R::Elem(..) => {
                    if !skip_elements {
                        return None;
                    }
                }
            }
        }
        Some(())
    }

    /// `try_as_number_plain`: the single bare value, if that is what `ns` is.
    fn as_number<'n>(ns: &'n [R<'_, 'v>], skip_elements: bool) -> Option<Val<'v>> {
        let mut single: Option<Option<Val<'v>>> = None;
        for n in ns {
            match n {
                R::Elem(..) => {
                    if !skip_elements {
                        return None;
                    }
                }
                R::Text(t) => {
                    if skip_elements {
                        if !t.is_empty() {
                            return None;
                        }
                    } else if single.is_some() || !t.is_empty() {
                        return None;
                    } else {
                        single = Some(None);
                    }
                }
                R::Val(v) => {
                    if skip_elements && v.empty() {
                        continue;
                    }
                    if single.is_some() {
                        return None;
                    }
                    single = Some(Some(*v));
                }
                R::CharRef(_) | R::Entity(_) => return None,
                R::Pi => {
                    if !skip_elements {
                        if single.is_some() {
                            return None;
                        }
                        single = Some(None);
                    }
                }
            }
        }
        single.flatten().filter(Val::bare)
    }

    /// `content_as_json_value_plain`.
    fn content_value(&mut self, ns: &[R<'_, 'v>], skip_elements: bool) -> Option<()> {
        let start = self.out.text.len();
        if let Some(v) = Self::as_number(ns, skip_elements) {
            self.val_text(v)?;
            return self.leaf(start, false);
        }
        self.text_content(ns, skip_elements)?;
        self.leaf(start, true)
    }

    /// `try_leaf_value_plain`: `None` when it does not apply.
    fn leaf_value(&mut self, kids: &[R<'_, '_>], empty_as_string: bool) -> Option<Option<()>> {
        if kids.len() != 1 {
            return None;
        }
        let start = self.out.text.len();
        let empty = |e: &mut Self| {
            if empty_as_string {
                e.empty_string()
            } else {
                Some(())
            }
        };
        Some(match kids[0] {
            R::Text("") => empty(self),
            R::Text(t) => {
                self.out.text.extend_from_slice(t.as_bytes());
                self.leaf(start, true)
            }
            R::Val(v) if v.empty() => empty(self),
            R::Val(v) => match self.val_text(v) {
                Some(()) => self.leaf(start, !v.bare()),
                None => None,
            },
            _ => return None,
        })
    }

    /// `attrs_object_plain`, for the attributes that have text.
    fn attrs_object(&mut self, attrs: &[(&str, Nodes<'_, 'v>)]) -> Option<()> {
        for (name, v) in attrs {
            if !Self::has_text(v) {
                continue;
            }
            let base = self.key(name, 0, false);
            self.content_value(v, false)?;
            self.out.path.truncate(base);
        }
        Some(())
    }

    /// Writes a value's text (noting where, when recording).
    fn val_text(&mut self, v: Val<'_>) -> Option<()> {
        let start = self.out.text.len();
        v.text(&mut self.out.text)?;
        if let Some(rec) = &mut self.rec {
            if v.at.0 == NONE {
                rec.ok = false;
            }
            rec.spans.push((start, self.out.text.len(), v.at.0, v.at.1));
        }
        Some(())
    }

    /// Notes that a name came from a value: no plan can stand for the
    /// record's shape.
    fn unplanned(&mut self) {
        if let Some(rec) = &mut self.rec {
            rec.ok = false;
        }
    }

    /// The value of a substitution that is an element's whole content, if
    /// it is a plain one (`Some(None)`: left out, or missing): neither a
    /// fragment nor an array, in an element no array made a copy of.
    fn plain_sub(&self, el: El<'t>, n: &TNode) -> Option<Option<Val<'v>>> {
        let TNode::Sub { id, optional } = n else {
            return None;
        };
        if el.item != NONE {
            return None;
        }
        let Some(&v) = self.insts[el.inst as usize].1.get(usize::from(*id)) else {
            return Some(None);
        };
        if *optional && v.empty() {
            return Some(None);
        }
        (v.ty != 0x21 && v.expands().is_none()).then_some(Some(v))
    }

    /// A value alone in its element, as `try_leaf_value_plain` writes it.
    fn lone(&mut self, v: Option<Val<'v>>, empty_as_string: bool) -> Option<()> {
        match v {
            Some(v) if !v.empty() => {
                let start = self.out.text.len();
                self.val_text(v)?;
                self.leaf(start, !v.bare())
            }
            _ if empty_as_string => self.empty_string(),
            _ => Some(()),
        }
    }

    /// An element of attributes alone, each a literal or a plain
    /// substitution, as `write_element_value_plain` writes it (`None`: not
    /// such an element).
    fn attributes_only(&mut self, el: El<'t>) -> Option<Option<()>> {
        if !el.e.children.is_empty() || el.item != NONE {
            return None;
        }
        let mut values: SmallVec<[(&'t str, R<'t, 'v>); 4]> = SmallVec::new();
        for (name, v) in &el.e.attrs {
            let node = match &v[..] {
                [TNode::Text(t)] => R::Text(t),
                [n @ TNode::Sub { .. }] => match self.plain_sub(el, n)? {
                    Some(v) => R::Val(v),
                    None => continue,
                },
                _ => return None,
            };
            if Self::is_content(&node) {
                values.push((name, node));
            }
        }
        Some(values.iter().try_for_each(|(name, node)| {
            let base = self.key(name, 0, false);
            self.content_value(&[*node], false)?;
            self.out.path.truncate(base);
            Some(())
        }))
    }

    /// `write_element_value_plain`.
    fn element_value(&mut self, el: El<'t>, container: bool) -> Option<()> {
        if el.e.attrs.is_empty()
            && let [n] = &el.e.children[..]
            && let Some(v) = self.plain_sub(el, n)
        {
            return self.lone(v, false);
        }
        if let Some(r) = self.attributes_only(el) {
            return r;
        }
        let kids = self.nodes(el, &el.e.children)?;
        let attrs = self.attrs(el)?;
        if attrs.is_empty()
            && let Some(r) = self.leaf_value(&kids, false)
        {
            return r;
        }
        let has_elem = kids.iter().any(|k| matches!(k, R::Elem(..)));
        let has_text = Self::has_text(&kids);
        let attrs_text = attrs.iter().any(|(_, v)| Self::has_text(v));
        if !has_elem && !has_text && !attrs_text {
            Some(())
        } else if !has_elem && !attrs_text {
            self.content_value(&kids, false)
        } else {
            self.body(&kids, &attrs, (container, el.e), false, has_text)
        }
    }

    /// `data_element_value_plain`.
    fn data_value(&mut self, el: El<'t>) -> Option<()> {
        if let [n] = &el.e.children[..]
            && let Some(v) = self.plain_sub(el, n)
        {
            return self.lone(v, true);
        }
        let kids = self.nodes(el, &el.e.children)?;
        if let Some(r) = self.leaf_value(&kids, true) {
            return r;
        }
        let has_elem = kids.iter().any(|k| matches!(k, R::Elem(..)));
        let has_text = Self::has_text(&kids);
        if !has_text && !has_elem {
            return self.empty_string();
        }
        if has_elem {
            self.body(&kids, &[], (false, el.e), true, has_text)
        } else {
            self.content_value(&kids, false)
        }
    }

    /// A `Data` element's `Name`, resolved (`Some(None)`: it has none).
    fn data_name(&self, el: El<'t>) -> Option<Option<Nodes<'t, 'v>>> {
        let Some(attr) = el.e.attrs.iter().find(|(n, _)| &**n == "Name") else {
            return Some(None);
        };
        let v = self.nodes(el, &attr.1)?;
        // An attribute that resolves to nothing is no attribute.
        Some((!v.is_empty()).then_some(v))
    }

    /// `element_body_plain` (with `body_start_plain`, `member_key_plain`
    /// and `member_value_plain`).
    fn body(
        &mut self,
        kids: &[R<'t, 'v>],
        attrs: &[(&str, Nodes<'_, 'v>)],
        (in_container, e): (bool, &TElem),
        omit_attributes: bool,
        has_text: bool,
    ) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let children: SmallVec<[El<'t>; 16]> = kids
            .iter()
            .filter_map(|k| match k {
                R::Elem(i, c, item) => Some(self.elem(*i, *c, *item)),
                _ => None,
            })
            .collect();
        let is_data = |c: &El<'_>| &*c.e.name == "Data";
        // Names repeat only where the template repeats them, or an array
        // makes copies of an element.
        let copies = children.iter().any(|c| c.item != NONE);
        let distinct = e.distinct && !copies;
        let distinct_data = e.distinct_data;
        let mut names: SmallVec<[Option<Nodes<'t, 'v>>; 16]> = SmallVec::new();
        for &c in &children {
            names.push(if is_data(&c) {
                self.data_name(c)?
            } else {
                None
            });
        }
        let named = in_container && names.iter().flatten().any(|n| Self::has_text(n));
        if !omit_attributes && !attrs.is_empty() {
            self.attrs_object(attrs)?;
        }
        if has_text {
            self.content_value(kids, true)?;
        }
        let positional = if in_container && !named {
            children.iter().filter(|c| is_data(c)).count()
        } else {
            0
        };
        let mut positional_done = false;
        let mut counts = Counts::default();
        let mut data_counts = Counts::default();
        let mut skip = 0usize;
        for (i, &child) in children.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if in_container && is_data(&child) {
                if named {
                    let Some(name) = &names[i] else {
                        continue;
                    };
                    if !Self::has_text(name) {
                        continue;
                    }
                    let key: Cow<'t, str> = match name[..] {
                        [R::Text(t)] => Cow::Borrowed(t),
                        _ => {
                            self.unplanned();
                            let start = self.out.text.len();
                            self.text_content(name, false)?;
                            Cow::Owned(String::from_utf8(self.out.text.split_off(start)).ok()?)
                        }
                    };
                    // A run of Data elements of this name, one after another:
                    // with distinct literal names, the copies of one element.
                    let mut run = 1;
                    while let Some(Some(next)) = names.get(i + run) {
                        let same = if distinct_data {
                            std::ptr::eq(children[i + run].e, child.e)
                                && children[i + run].inst == child.inst
                        } else {
                            is_data(&children[i + run]) && self.same_text(next, &key)
                        };
                        if !same {
                            break;
                        }
                        run += 1;
                    }
                    skip = run - 1;
                    let base = self.out.path.len();
                    let suffix = if distinct_data {
                        0
                    } else {
                        data_counts.next(key.clone())
                    };
                    self.key(&key, suffix, false);
                    for &c in &children[i..i + run] {
                        self.data_value(c)?;
                    }
                    self.out.path.truncate(base);
                    continue;
                }
                if positional_done || positional == 0 {
                    continue;
                }
                positional_done = true;
                let base = self.key("Data", 0, false);
                for &c in children.iter().filter(|c| is_data(c)) {
                    self.data_value(c)?;
                }
                self.out.path.truncate(base);
                continue;
            }
            let suffix = if distinct {
                0
            } else {
                counts.next(Cow::Borrowed(&child.e.name))
            };
            let base = self.key(&child.e.name, suffix, false);
            self.element_value(child, is_container(&child.e.name))?;
            self.out.path.truncate(base);
        }
        self.depth -= 1;
        Some(())
    }

    /// Whether nodes render as `text`.
    fn same_text(&mut self, ns: &[R<'_, '_>], text: &str) -> bool {
        if let [R::Text(t)] = ns {
            return *t == text;
        }
        self.unplanned();
        let start = self.out.text.len();
        let ok =
            self.text_content(ns, false).is_some() && self.out.text[start..] == *text.as_bytes();
        self.out.text.truncate(start);
        ok
    }
}
