//! EVTX records read straight from their BinXML into named fields, without
//! rendering them as JSON and scanning that again. A record is a template
//! instance (with the instances its BinXML values nest), or its own
//! elements with template instances among them (an exported log's); its
//! fields are exactly those that
//! [`JsonScanner::evtx`](crate::json::JsonScanner::evtx) finds in the
//! `evtx` crate's JSON rendering of it: names, values, quoting and order.
//! A record this reader does not handle (ANSI strings, array types other
//! than string arrays, system times, lone surrogates, a name JSON would
//! escape, a root `EventData`, a template that does not parse cleanly, a
//! token stream the crate's record model builder refuses or reads
//! otherwise) is
//! declined, and the caller has the crate render that one record. The test
//! `direct_reading_gives_the_rendered_fields` (in `evtx.rs`) holds the two
//! to the same fields and errors on every sample file, and the fuzz target
//! `evtx_read` on mutated ones.
//!
//! The JSON rules ([`rules`]) are those of the crate's materialized
//! renderer (`binxml/compiled.rs`, the `*_plain` methods, at the version
//! pinned in the workspace): attributes and `#text` folded into their
//! element's name, `Data` elements named by their `Name` attribute in an
//! `EventData` or `UserData` container (or listed as `Data` when none is
//! named), repeated names numbered `_1`, `_2`, …, elements whose
//! DependencyId names a NULL value left out, optional empty substitutions
//! dropped, a string array repeating its element once per item, and empty
//! elements no field (`null`) except a `Data` element's (`""`).
//!
//! Those rules decide by a record's shape (its templates, its values'
//! types, which values are empty, how many items each string array has
//! and which of them are empty), not by its values' text: the first
//! record of each shape is read through them and recorded as a [`Plan`]
//! (each field's name, and its text as literal and value parts), by which
//! the later records of that shape are read. Templates are kept once,
//! however many chunks define them, by each thread's reader.

mod rules;

use std::collections::HashMap;
use std::rc::Rc;

use evtx::EvtxChunkHeader;
use smallvec::SmallVec;

use rules::{Instance, generic};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Deepest element nesting read (the JSON scanner allows 64 levels).
const MAX_DEPTH: usize = 40;

/// The item of string array bytes `b` that starts at `at`, and where the
/// next one starts.
fn item_at(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(at..).filter(|r| !r.is_empty())?;
    let end = rest
        .chunks_exact(2)
        .position(|u| u == [0, 0])
        .map_or(rest.len(), |u| 2 * u);
    Some((&rest[..end], at + end + 2))
}

/// Items of a record's arrays looked up by index, each from where the one
/// before it ended when they come in order (as an array's copies of its
/// element do): an array of many items is read once, not again for each.
#[derive(Default)]
struct Items(std::cell::Cell<Option<ItemAt>>);

/// The last item looked up: its array (`Val::at`), its index, and where
/// the next item starts.
#[derive(Clone, Copy)]
struct ItemAt {
    array: (u32, u16),
    item: u32,
    next: usize,
}

impl Items {
    /// Item `n` of array `v`.
    fn get<'a>(&self, v: &Val<'a>, n: u32) -> Option<&'a [u8]> {
        let id = (v.at.0, v.at.1);
        let (mut k, mut at) = match self.0.get() {
            Some(l) if l.array == id && l.item < n && id.0 != NONE => (l.item + 1, l.next),
            _ => (0, 0),
        };
        loop {
            let (item, next) = item_at(v.bytes, at)?;
            if k == n {
                self.0.set(Some(ItemAt {
                    array: id,
                    item: n,
                    next,
                }));
                return Some(item);
            }
            k += 1;
            at = next;
        }
    }
}

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
    /// Most elements have one attribute or none, of one node, and one
    /// child: kept inline, a template's parse allocated three vectors an
    /// element.
    attrs: SmallVec<[(Name, SmallVec<[TNode; 1]>); 1]>,
    children: SmallVec<[TNode; 1]>,
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

/// A UTF-16 string stored as its length in units, then the units: the
/// text and where it ends.
fn counted_utf16(data: &[u8], at: usize) -> Option<(Box<str>, usize)> {
    let end = at + 2 + 2 * usize::from(u16_at(data, at)?);
    Some((utf16(data.get(at + 2..end)?)?, end))
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
        // The `evtx` crate's states, so that a stream it refuses is declined
        // here too: whether an element's start tag is open (its
        // `current_element`), and whether value tokens go to the start
        // tag's last attribute. Nodes in an open start tag before any
        // attribute (which the crate drops), an empty attribute (dropped
        // too), and elements nested past its depth limit are declined.
        let mut open = false;
        let mut in_attr = false;
        fn push(
            elems: &mut [TElem],
            stack: &[u32],
            (open, in_attr): (bool, bool),
            n: TNode,
        ) -> Option<()> {
            if open && !in_attr {
                return None;
            }
            let e = &mut elems[*stack.last()? as usize];
            if in_attr {
                e.attrs.last_mut()?.1.push(n);
            } else {
                e.children.push(n);
            }
            Some(())
        }
        // Whether the open element's last attribute has no node.
        fn empty_attr(elems: &[TElem], stack: &[u32]) -> bool {
            stack
                .last()
                .and_then(|&e| elems[e as usize].attrs.last())
                .is_some_and(|a| a.1.is_empty())
        }
        while p < end {
            let token = data[p];
            p += 1;
            match token {
                0x00 => break,
                0x0f => p += 3,
                0x01 | 0x41 => {
                    if open {
                        return None;
                    }
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
                        attrs: SmallVec::new(),
                        children: SmallVec::new(),
                        distinct: false,
                        distinct_data: false,
                    });
                    if stack.is_empty() {
                        if root.is_some() {
                            return None;
                        }
                        root = Some(id);
                    } else {
                        push(&mut elems, &stack, (false, false), TNode::Elem(id))?;
                    }
                    stack.push(id);
                    open = true;
                    in_attr = false;
                }
                // Closing a start tag: its attributes are done.
                0x02 | 0x03 => {
                    if !open || empty_attr(&elems, &stack) || stack.len() > MAX_DEPTH {
                        return None;
                    }
                    if token == 0x03 {
                        stack.pop()?;
                    }
                    open = false;
                    in_attr = false;
                }
                0x04 => {
                    if open {
                        return None;
                    }
                    stack.pop()?;
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
                    push(&mut elems, &stack, (open, in_attr), n)?;
                }
                0x0c if !stack.is_empty() && !open => {
                    let (id, next) = instance.as_mut()?(p - 1)?;
                    p = next;
                    push(&mut elems, &stack, (false, false), TNode::Instance(id))?;
                }
                0x05 | 0x45 => {
                    if *data.get(p)? != 0x01 {
                        return None;
                    }
                    let (text, next) = counted_utf16(data, p + 1)?;
                    p = next;
                    push(&mut elems, &stack, (open, in_attr), TNode::Text(text))?;
                }
                0x06 | 0x46 => {
                    if !open || empty_attr(&elems, &stack) {
                        return None;
                    }
                    let name_off = u32_at(data, p)?;
                    p += 4;
                    let name = name_at(data, name_off, &mut p, names)?;
                    elems[*stack.last()? as usize]
                        .attrs
                        .push((name, SmallVec::new()));
                    in_attr = true;
                }
                0x07 | 0x47 => {
                    let (text, next) = counted_utf16(data, p)?;
                    p = next;
                    push(&mut elems, &stack, (open, in_attr), TNode::Text(text))?;
                }
                0x08 | 0x48 => {
                    let c = u16_at(data, p)?;
                    p += 2;
                    push(&mut elems, &stack, (open, in_attr), TNode::CharRef(c))?;
                }
                0x09 | 0x49 => {
                    let name_off = u32_at(data, p)?;
                    p += 4;
                    let name = name_at(data, name_off, &mut p, names)?;
                    push(&mut elems, &stack, (open, in_attr), TNode::Entity(name))?;
                }
                0x0a => {
                    let name_off = u32_at(data, p)?;
                    p += 4;
                    name_at(data, name_off, &mut p, names)?;
                    push(&mut elems, &stack, (open, in_attr), TNode::Pi)?;
                }
                0x0b => {
                    p = counted_utf16(data, p)?.1;
                    push(&mut elems, &stack, (open, in_attr), TNode::Pi)?;
                }
                // A record has no substitutions (the crate refuses them).
                0x0d | 0x0e if record => return None,
                0x0d | 0x0e => {
                    let id = u16_at(data, p)?;
                    p += 3;
                    push(
                        &mut elems,
                        &stack,
                        (open, in_attr),
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
    /// Its instance, its index there, and which item of that array it is
    /// ([`NONE`]: the whole value); an instance of [`NONE`]: a literal
    /// value of a record's own elements.
    at: (u32, u16, u32),
}

impl<'a> Val<'a> {
    /// Whether it is one this reader renders (and of the size its type has).
    fn supported(&self) -> bool {
        let n = self.bytes.len();
        match self.ty {
            0x00 | 0x0e => true,
            // An empty fragment: left out where its substitution is
            // optional; elsewhere the crate's handling is not mirrored here,
            // so such records are left to it.
            0x21 => self.nested != NONE,
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
            let (item, next) = item_at(b, at)?;
            at = next;
            Some(item)
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
/// days before 1601-01-01. Written here rather than by the crate's
/// `Display` of the value, which allocates for each one (every record has
/// a time); `values_read_as_the_crate_renders_them` holds the two equal.
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
    /// The values' text as it is written.
    text: Vec<u8>,
    /// The same, checked as UTF-8 once the record is read (its buffer goes
    /// back to `text` for the next record).
    checked: String,
    items: Vec<(u32, u32, u32, u32, bool)>,
    path: String,
}

impl Fields {
    /// Hands each field to `v`.
    pub fn visit<V: crate::event::Visitor + ?Sized>(&self, v: &mut V) {
        let text = &self.checked;
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
                    self.checked[c as usize..d as usize].to_owned(),
                    q,
                )
            })
            .collect()
    }

    fn clear(&mut self) {
        if self.text.capacity() < self.checked.capacity() {
            self.text = std::mem::take(&mut self.checked).into_bytes();
        }
        self.checked.clear();
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
    /// How many templates and plans it keeps (`None`: [`MAX_KEPT`]).
    keep: Option<usize>,
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
    /// The text of item `.2` of that value (a string array).
    Item(u32, u16, u32),
}

/// The fields of every record of one shape: the same templates, and values
/// of the same types, empty in the same places, string arrays of as many
/// items, empty in the same places (nothing the JSON rules decide by
/// differs between them but the values' text).
#[derive(Debug)]
struct Plan {
    ops: Vec<Op>,
}

/// What the generic reading notes to make a plan of a record.
#[derive(Debug, Default)]
struct Recording {
    /// Where each value's text went: (start, end, its `Val::at`).
    spans: Vec<(usize, usize, (u32, u16, u32))>,
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
        // The crate's own header reading (magic, sizes), and its bounds.
        let raw = (|| {
            let header = evtx::EvtxRecordHeader::from_bytes_at(data, offset).ok()?;
            let binxml = header.record_data_size().ok()? as usize;
            let start = offset + 24;
            let bytes = data.get(start..start + binxml)?;
            Some((
                Raw {
                    id: header.event_record_id,
                    offset: start,
                    bytes,
                },
                offset + header.data_size as usize,
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
        // Between chunks, where no record holds a template's id: a chunk
        // adds a bounded number of them (it is 64 KiB).
        if self.store.len() >= self.keep.unwrap_or(MAX_KEPT) {
            self.store.clear();
            self.ids.clear();
            self.plans.clear();
        }
    }

    /// Reads a record into `out`; `false` when it is not one this reader
    /// handles (then `out` holds nothing of it).
    pub(crate) fn read(&mut self, data: &[u8], raw: &Raw<'_>, out: &mut Fields) -> bool {
        out.clear();
        if self.read_inner(data, raw, out).is_none() {
            out.clear();
            return false;
        }
        // Its text is written from UTF-16 and ASCII only; checked all the
        // same, once, into the text `Fields::visit` hands on.
        match String::from_utf8(std::mem::take(&mut out.text)) {
            Ok(text) => {
                out.checked = text;
                true
            }
            Err(e) => {
                out.text = e.into_bytes();
                out.clear();
                false
            }
        }
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

    /// The template id of each instance read (`None`: one is not a
    /// template this reader handles).
    fn template_ids(&mut self, data: &[u8]) -> Option<SmallVec<[u32; 4]>> {
        let mut ids = SmallVec::new();
        for i in 0..self.instances.len() {
            let def = self.instances[i].def;
            ids.push(self.template(data, def)?);
        }
        Some(ids)
    }

    fn read_inner(&mut self, data: &[u8], raw: &Raw<'_>, out: &mut Fields) -> Option<()> {
        let b = raw.bytes;
        self.instances.clear();
        let head = if b.first() == Some(&0x0f) { 4 } else { 0 };
        if matches!(b.get(head), Some(0x01 | 0x41)) {
            return self.read_elements(data, raw, out);
        }
        let root = self.instance(b, raw.offset, (0, b.len()), 0)?;
        let ids = self.template_ids(data)?;
        let insts = instances(&self.store, &self.instances, &ids, b)?;
        // The record's shape: its templates, and its values' types and
        // emptiness (see `Plan`), and each string array's count of items
        // and which of them are empty (an array makes an element of each
        // item that is not).
        self.shape.clear();
        self.shape.push(root);
        for (k, (_, vals, _)) in insts.iter().enumerate() {
            self.shape.push(ids[k]);
            self.shape.push(vals.len() as u32);
            for v in vals {
                self.shape.push(
                    u32::from(v.ty) | u32::from(v.empty()) << 8 | v.nested.wrapping_add(1) << 9,
                );
                if v.ty == 0x81 {
                    let at = self.shape.len();
                    self.shape.push(0);
                    let mut n = 0;
                    for item in v.items() {
                        if n % 32 == 0 {
                            self.shape.push(0);
                        }
                        if item.is_empty() {
                            *self.shape.last_mut()? |= 1 << (n % 32);
                        }
                        n += 1;
                    }
                    self.shape[at] = n;
                }
            }
        }
        if let Some(plan) = self.plans.get(&self.shape) {
            return match plan {
                Some(plan) => run(plan, &insts, out),
                None => generic(&insts, root, out, None, data).map(drop),
            };
        }
        let mut rec = Recording {
            ok: true,
            ..Recording::default()
        };
        generic(&insts, root, out, Some(&mut rec), data)?;
        if self.plans.len() >= self.keep.unwrap_or(MAX_KEPT) {
            self.plans.clear();
        }
        let plan = rec.ok.then_some(Plan { ops: rec.ops });
        self.plans.insert(self.shape.clone(), plan);
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
        let ids = self.template_ids(data)?;
        let mut insts = instances(&self.store, &self.instances, &ids, b)?;
        let root = insts.len() as u32;
        insts.push((&tree, Vec::new(), false));
        generic(&insts, root, out, None, data)
    }
}

/// The instances read (`at`, their templates' ids `ids`, their values in
/// `b`), each with its template and values; `None` when a value is not one
/// this reader renders.
fn instances<'t, 'v>(
    store: &'t [Rc<Template>],
    at: &[InstanceAt],
    ids: &[u32],
    b: &'v [u8],
) -> Option<Vec<Instance<'t, 'v>>> {
    let mut insts = Vec::with_capacity(at.len() + 1);
    for (k, i) in at.iter().enumerate() {
        let vals: Vec<Val<'v>> = i
            .values
            .iter()
            .enumerate()
            .map(|(n, &(ty, a, z, nested))| Val {
                ty,
                bytes: &b[a as usize..z as usize],
                nested,
                at: (k as u32, n as u16, NONE),
            })
            .collect();
        if !vals.iter().all(Val::supported) {
            return None;
        }
        let arrays = vals.iter().any(|v| v.expands().is_some());
        insts.push((&*store[*ids.get(k)? as usize], vals, arrays));
    }
    Some(insts)
}

/// Reads a record by the plan of its shape.
fn run(plan: &Plan, insts: &[Instance<'_, '_>], out: &mut Fields) -> Option<()> {
    let items = Items::default();
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
                Part::Item(i, k, n) => {
                    let v = insts.get(*i as usize)?.1.get(usize::from(*k))?;
                    let item = Val {
                        ty: 0x01,
                        bytes: items.get(v, *n)?,
                        nested: NONE,
                        at: v.at,
                    };
                    item.text(&mut out.text)?;
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a template definition at chunk offset 0: its 24-byte header
    /// (next definition, GUID, size), then tokens, names inline.
    #[derive(Default)]
    struct Def(Vec<u8>);

    impl Def {
        fn name(&mut self, n: &str) {
            let at = (24 + self.0.len() + 4) as u32;
            self.0.extend_from_slice(&at.to_le_bytes());
            self.0.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
            self.0.extend_from_slice(&(n.len() as u16).to_le_bytes());
            self.0.extend(n.encode_utf16().flat_map(u16::to_le_bytes));
            self.0.extend_from_slice(&[0, 0]);
        }
        /// An element's start (no DependencyId, no attribute list size).
        fn open(mut self, n: &str) -> Self {
            self.0.extend_from_slice(&[0x01, 0xff, 0xff, 0, 0, 0, 0]);
            self.name(n);
            self
        }
        fn attr(mut self, n: &str) -> Self {
            self.0.push(0x06);
            self.name(n);
            self
        }
        fn text(mut self, t: &str) -> Self {
            self.0.extend_from_slice(&[0x05, 0x01]);
            self.0.extend_from_slice(&(t.len() as u16).to_le_bytes());
            self.0.extend(t.encode_utf16().flat_map(u16::to_le_bytes));
            self
        }
        fn token(mut self, t: u8) -> Self {
            self.0.push(t);
            self
        }
        fn parse(self) -> Option<Template> {
            let mut data = vec![0u8; 24];
            data[20..].copy_from_slice(&(self.0.len() as u32).to_le_bytes());
            data.extend_from_slice(&self.0);
            Template::parse(&data, 0, &mut Names::default())
        }
    }

    /// An array's items looked up through `Items` (in order, repeated,
    /// backwards, across two arrays) are those `items` lists.
    #[test]
    fn items_found_from_the_last_one_are_the_listed_ones() {
        let bytes: Vec<u8> = ["ab", "", "c", "", "", "def"]
            .iter()
            .flat_map(|t| t.encode_utf16().chain([0]).flat_map(u16::to_le_bytes))
            .collect();
        let other: Vec<u8> = "x\0y\0".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let val = |b: &'static [u8], k: u16| Val {
            ty: 0x81,
            bytes: b,
            nested: NONE,
            at: (0, k, NONE),
        };
        let (a, b) = (
            val(Box::leak(bytes.into_boxed_slice()), 0),
            val(Box::leak(other.into_boxed_slice()), 1),
        );
        let listed: Vec<&[u8]> = a.items().collect();
        assert_eq!(listed.len(), 6);
        let items = Items::default();
        for n in [0, 1, 2, 5, 5, 3, 0, 4] {
            assert_eq!(items.get(&a, n), Some(listed[n as usize]), "{n}");
            assert_eq!(items.get(&b, 1), b.items().nth(1));
        }
        assert_eq!(items.get(&a, 6), None);
    }

    /// A template's tokens are held to the `evtx` crate's states (its
    /// record model builder): what it refuses, or reads otherwise (nodes
    /// in a start tag before any attribute, which it drops; an empty
    /// attribute, dropped too), is declined. A second close-start token
    /// (found by the fuzz target `evtx_read`) had been read as nothing.
    #[test]
    fn streams_the_crate_refuses_are_declined() {
        let e = || Def::default().open("E");
        assert!(
            e().attr("A")
                .text("x")
                .token(0x02)
                .token(0x04)
                .parse()
                .is_some()
        );
        assert!(e().token(0x03).parse().is_some());
        let refused = [
            (
                "second close start",
                e().token(0x02).token(0x02).token(0x04),
            ),
            (
                "text before any attribute",
                e().text("x").token(0x02).token(0x04),
            ),
            (
                "attribute after the start tag",
                e().token(0x02).attr("A").text("x").token(0x04),
            ),
            (
                "start inside a start tag",
                e().open("F").token(0x02).token(0x04),
            ),
            ("empty attribute", e().attr("A").token(0x02).token(0x04)),
            (
                "empty attribute, then one",
                e().attr("A").attr("A").text("x").token(0x02).token(0x04),
            ),
            ("end with the start tag open", e().token(0x04)),
            (
                "close start outside any element",
                Def::default().token(0x02),
            ),
        ];
        for (what, def) in refused {
            assert!(def.parse().is_none(), "{what}");
        }
    }

    /// A value's text is the crate's `Display` of it (its JSON text, for
    /// these types, which need no escape): FILETIMEs (leap days, the
    /// epoch, the last representable year, past `i64::MAX`), GUIDs, hex,
    /// sizes, integers of every width, booleans and reals.
    #[test]
    fn values_read_as_the_crate_renders_them() {
        use evtx::binxml::value_variant::{BinXmlValue as B, FileTime};
        let text = |ty: u8, bytes: &[u8]| {
            let v = Val {
                ty,
                bytes,
                nested: NONE,
                at: (0, 0, NONE),
            };
            assert!(v.supported(), "{ty:#x} {bytes:?}");
            let mut out = Vec::new();
            v.text(&mut out).expect("a text");
            String::from_utf8(out).expect("UTF-8")
        };
        let times = [
            0,
            1,
            125_911_584_000_000_000, // 2000-01-01
            126_916_991_999_999_999, // 2003-03-01 less a tick
            131_976_864_000_000_000, // 2019-03-19
            i64::MAX as u64,
            i64::MAX as u64 + 1,
            u64::MAX,
        ];
        for (i, t) in times
            .into_iter()
            .chain((0..2_000).map(|k| k * 7_919_993_340_127))
            .enumerate()
        {
            assert_eq!(
                text(0x11, &t.to_le_bytes()),
                B::FileTimeType(FileTime(t)).to_string(),
                "{i}"
            );
        }
        let guid: [u8; 16] = *b"\x10\x32\x54\x76\x98\xba\xdc\xfe\x01\x23\x45\x67\x89\xab\xcd\xef";
        assert_eq!(text(0x0f, &guid), B::GuidType(guid).to_string());
        for v in [0u64, 1, 0x3e7, 0xdead_beef, u64::MAX] {
            assert_eq!(text(0x15, &v.to_le_bytes()), B::HexInt64Type(v).to_string());
            assert_eq!(text(0x10, &v.to_le_bytes()), B::HexInt64Type(v).to_string());
            assert_eq!(text(0x0a, &v.to_le_bytes()), B::UInt64Type(v).to_string());
            assert_eq!(
                text(0x09, &v.to_le_bytes()),
                B::Int64Type(v as i64).to_string()
            );
            let w = v as u32;
            assert_eq!(text(0x14, &w.to_le_bytes()), B::HexInt32Type(w).to_string());
            assert_eq!(text(0x10, &w.to_le_bytes()), B::HexInt32Type(w).to_string());
            assert_eq!(text(0x08, &w.to_le_bytes()), B::UInt32Type(w).to_string());
            assert_eq!(
                text(0x07, &w.to_le_bytes()),
                B::Int32Type(w as i32).to_string()
            );
            let h = v as u16;
            assert_eq!(text(0x06, &h.to_le_bytes()), B::UInt16Type(h).to_string());
            assert_eq!(
                text(0x05, &h.to_le_bytes()),
                B::Int16Type(h as i16).to_string()
            );
            assert_eq!(text(0x04, &[v as u8]), B::UInt8Type(v as u8).to_string());
            assert_eq!(
                text(0x03, &[v as u8]),
                B::Int8Type(v as u8 as i8).to_string()
            );
        }
        assert_eq!(text(0x0d, &0u32.to_le_bytes()), "false");
        assert_eq!(text(0x0d, &1u32.to_le_bytes()), "true");
        assert_eq!(
            text(0x0d, &16u32.to_le_bytes()),
            B::Int32Type(16).to_string()
        );
        for x in [0.0f64, -1.5, 1e300, 0.1] {
            assert_eq!(text(0x0c, &x.to_le_bytes()), B::Real64Type(x).to_string());
            let y = x as f32;
            assert_eq!(text(0x0b, &y.to_le_bytes()), B::Real32Type(y).to_string());
        }
        let bin = [0x00, 0x9f, 0xff, 0x10];
        assert_eq!(text(0x0e, &bin), B::BinaryType(&bin).to_string());
        // A SID (no public constructor for the crate's): S-R-A-S1-…-Sn.
        let sid = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0];
        assert_eq!(text(0x13, &sid), "S-1-5-32-544");
    }

    /// A reader that keeps one template at most (so forgets them all at
    /// every chunk) reads every sample record as one that keeps them.
    #[test]
    fn forgetting_templates_between_chunks_changes_nothing() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/evtx");
        if !dir.is_dir() {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        }
        let files: Vec<_> = crate::read::evtx::tests::evtx_files(dir)
            .into_iter()
            .take(60)
            .collect();
        let mut keeping = Reader::default();
        let mut forgetting = Reader {
            keep: Some(1),
            ..Reader::default()
        };
        let (mut a, mut b) = (Fields::default(), Fields::default());
        let mut read = 0;
        for f in &files {
            let mut parser = evtx::EvtxParser::from_path(f).expect("an EVTX file");
            for chunk in parser.chunks() {
                let Ok(chunk) = chunk else { continue };
                keeping.new_chunk();
                forgetting.new_chunk();
                for raw in walk(&chunk.data, &chunk.header).map_while(|r| r) {
                    let ka = keeping.read(&chunk.data, &raw, &mut a);
                    let kb = forgetting.read(&chunk.data, &raw, &mut b);
                    assert_eq!(ka, kb, "{} record {}", f.display(), raw.id);
                    assert_eq!(a.to_vec(), b.to_vec(), "{} record {}", f.display(), raw.id);
                    read += usize::from(ka);
                }
            }
        }
        assert!(forgetting.store.len() <= 64, "{}", forgetting.store.len());
        assert!(read > 1_000, "{read} records read");
    }
}
