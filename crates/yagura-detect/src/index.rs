//! The indicator index: the exact values of indicators, compiled once and
//! shared across threads, asked value by value.
//!
//! - IPv4 and IPv6 addresses are kept as integers: a `1.2.3.45` is never a
//!   `1.2.3.4`, and `::ffff:1.2.3.4`-style spellings meet their canonical
//!   form.
//! - Networks (`a.b.c.d/n`) match the addresses inside them by longest
//!   prefix: one hash look-up per prefix length present in the index.
//! - Domains match themselves and, unless turned off, their subdomains
//!   (`a.b.evil.example` is a subdomain of `evil.example`; `notevil.example`
//!   is not): one look-up per label boundary of the value.
//! - Every other kind (hashes, emails, URLs, file names…) is an exact match
//!   of the value's normal form ([`ValueKind::normalize`]).
//!
//! An indicator is a `u32` handle of the caller's (its position in the
//! caller's list), so the index holds no metadata and is cheap to share.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use yagura_stix::pattern::ValueKind;

use crate::IndexError;

/// How a value hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The value itself is an indicator value.
    Exact,
    /// The address lies in an indicator's network: the longest prefix of
    /// the index that holds it.
    Network {
        /// The network, as `address/prefix`.
        network: String,
    },
    /// The domain is a subdomain of an indicator's domain.
    Subdomain {
        /// The indicator's domain.
        of: String,
    },
}

/// One hit: how the value matched and the indicators it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a> {
    /// How.
    pub how: Match,
    /// The handles of the indicators, ascending, without repeats.
    pub indicators: &'a [u32],
}

/// The handles of one key. Nearly every key has one, kept in place: an
/// index of 100,000 values would otherwise make as many one-handle
/// vectors, an allocation each.
#[derive(Debug, Default)]
enum Handles {
    #[default]
    None,
    One([u32; 1]),
    Many(Vec<u32>),
}

impl Handles {
    fn push(&mut self, h: u32) {
        *self = match std::mem::take(self) {
            Handles::None => Handles::One([h]),
            Handles::One([a]) => Handles::Many(vec![a, h]),
            Handles::Many(mut v) => {
                v.push(h);
                Handles::Many(v)
            }
        };
    }

    /// Ascending, without repeats.
    fn tidy(&mut self) {
        if let Handles::Many(v) = self {
            v.sort_unstable();
            v.dedup();
            if let [one] = v[..] {
                *self = Handles::One([one]);
            } else {
                v.shrink_to_fit();
            }
        }
    }
}

impl std::ops::Deref for Handles {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        match self {
            Handles::None => &[],
            Handles::One(a) => a,
            Handles::Many(v) => v,
        }
    }
}
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// A bit for each bucket of hashes of a set's values: a value whose bit
/// is clear is not in the set. About 32 bits a value (at most 2^23), so a
/// miss, nearly every look-up of a hunt, reads one word of a table that
/// stays in cache instead of a hash map's buckets.
#[derive(Debug, Default)]
struct Bits {
    words: Vec<u64>,
    shift: u32,
}

impl Bits {
    fn of(hashes: Vec<u64>) -> Self {
        let bits = (hashes.len().saturating_mul(32))
            .next_power_of_two()
            .clamp(1 << 12, 1 << 23);
        let mut b = Bits {
            words: vec![0; bits / 64],
            shift: 64 - bits.trailing_zeros(),
        };
        for h in hashes {
            let i = (h >> b.shift) as usize;
            b.words[i >> 6] |= 1 << (i & 63);
        }
        b
    }

    #[inline]
    fn maybe(&self, h: u64) -> bool {
        let i = (h >> self.shift) as usize;
        self.words
            .get(i >> 6)
            .is_some_and(|w| w >> (i & 63) & 1 != 0)
    }
}

#[inline]
fn hash_v4(a: u32) -> u64 {
    u64::from(a).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[inline]
fn hash_str(s: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(s)
}

/// Exact-match kinds: one map per kind, indexed by `kind as usize`.
const KINDS: usize = ValueKind::ALL.len();

/// Collects indicator values; [`IndexBuilder::build`] compiles them.
#[derive(Debug)]
pub struct IndexBuilder {
    subdomains: bool,
    v4: FastMap<u32, Handles>,
    v6: FastMap<u128, Handles>,
    nets4: FastMap<(u8, u32), Handles>,
    nets6: FastMap<(u8, u128), Handles>,
    domains: FastMap<Box<str>, Handles>,
    exact: Vec<FastMap<Box<str>, Handles>>,
}

impl Default for IndexBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn mask4(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// The longest network of `nets` (prefix lengths `lengths`, longest first)
/// that holds the address `n`: its prefix, network address and handles.
fn longest<'a, T>(
    n: T,
    lengths: &[u8],
    nets: &'a FastMap<(u8, T), Handles>,
    mask: fn(u8) -> T,
) -> Option<(u8, T, &'a [u32])>
where
    T: Copy + Eq + std::hash::Hash + std::ops::BitAnd<Output = T>,
{
    lengths.iter().find_map(|&p| {
        let net = n & mask(p);
        nets.get(&(p, net)).map(|h| (p, net, &**h))
    })
}

/// An IPv6 address as the IPv4 address it maps, if it maps one
/// (`::ffff:a.b.c.d`).
fn v4_of(a: Ipv6Addr) -> Option<Ipv4Addr> {
    a.to_ipv4_mapped()
}

/// A domain in the form the index keeps: trimmed, no final dot, lower
/// case; borrowed when it is already so.
fn domain_form(value: &str) -> Cow<'_, str> {
    let v = value.trim().trim_end_matches('.');
    if v.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        Cow::Owned(v.to_lowercase())
    } else {
        Cow::Borrowed(v)
    }
}

/// An exact value in the form the index keeps ([`ValueKind::normalize`]),
/// borrowed when it is already so.
fn exact_form(kind: ValueKind, value: &str) -> Option<Cow<'_, str>> {
    let v = value.trim();
    match kind {
        ValueKind::Md5 | ValueKind::Sha1 | ValueKind::Sha256 | ValueKind::Sha512 => {
            let n = match kind {
                ValueKind::Md5 => 32,
                ValueKind::Sha1 => 40,
                ValueKind::Sha256 => 64,
                _ => 128,
            };
            // One pass: hex digits only, and whether any is upper case.
            let (mut hex, mut upper) = (v.len() == n, false);
            for &c in v.as_bytes() {
                hex &= c.is_ascii_hexdigit();
                upper |= c.is_ascii_uppercase();
            }
            match (hex, upper) {
                (false, _) => None,
                (true, true) => Some(Cow::Owned(v.to_ascii_lowercase())),
                (true, false) => Some(Cow::Borrowed(v)),
            }
        }
        ValueKind::Url
        | ValueKind::FileName
        | ValueKind::Mutex
        | ValueKind::RegistryKey
        | ValueKind::UserAccount
        | ValueKind::UserAgent => (!v.is_empty()).then_some(Cow::Borrowed(v)),
        _ => kind.normalize(v).map(Cow::Owned),
    }
}

impl IndexBuilder {
    /// An empty builder; domains match their subdomains.
    pub fn new() -> Self {
        Self {
            subdomains: true,
            v4: FastMap::default(),
            v6: FastMap::default(),
            nets4: FastMap::default(),
            nets6: FastMap::default(),
            domains: FastMap::default(),
            exact: (0..KINDS).map(|_| FastMap::default()).collect(),
        }
    }

    /// Whether a domain indicator also matches the domain's subdomains.
    #[must_use]
    pub fn subdomains(mut self, yes: bool) -> Self {
        self.subdomains = yes;
        self
    }

    /// Adds the indicator `handle` looking for `value` of `kind`.
    pub fn add(&mut self, kind: ValueKind, value: &str, handle: u32) -> Result<(), IndexError> {
        let bad = || IndexError::NotOfKind {
            kind,
            value: value.to_owned(),
        };
        let v = value.trim();
        match kind {
            // A dotted quad (the form lists and patterns give): read
            // quickly, as the standard reading would.
            ValueKind::Ipv4 if let Some(a) = parse_v4(v) => {
                self.v4.entry(a).or_default().push(handle);
            }
            ValueKind::Ipv4 | ValueKind::Ipv6 => match v.parse::<IpAddr>().map_err(|_| bad())? {
                IpAddr::V4(a) => self.v4.entry(u32::from(a)).or_default().push(handle),
                IpAddr::V6(a) => match v4_of(a) {
                    Some(a) => self.v4.entry(u32::from(a)).or_default().push(handle),
                    None => self.v6.entry(u128::from(a)).or_default().push(handle),
                },
            },
            ValueKind::Cidr => {
                let (addr, prefix) = v.split_once('/').ok_or_else(bad)?;
                let prefix: u8 = prefix.parse().map_err(|_| bad())?;
                match addr.parse::<IpAddr>().map_err(|_| bad())? {
                    IpAddr::V4(a) if prefix <= 32 => {
                        let key = (prefix, u32::from(a) & mask4(prefix));
                        self.nets4.entry(key).or_default().push(handle);
                    }
                    IpAddr::V6(a) if prefix <= 128 => {
                        let key = (prefix, u128::from(a) & mask6(prefix));
                        self.nets6.entry(key).or_default().push(handle);
                    }
                    _ => return Err(bad()),
                }
            }
            ValueKind::Domain => {
                let d = domain_form(v);
                if d.is_empty() || d.contains(char::is_whitespace) {
                    return Err(bad());
                }
                self.domains.entry(d.into()).or_default().push(handle);
            }
            _ => {
                let n = exact_form(kind, v).ok_or_else(bad)?;
                self.exact[kind as usize]
                    .entry(n.into())
                    .or_default()
                    .push(handle);
            }
        }
        Ok(())
    }

    /// The index.
    pub fn build(self) -> IndicatorIndex {
        fn tidy<K: std::hash::Hash + Eq>(mut m: FastMap<K, Handles>) -> FastMap<K, Handles> {
            for h in m.values_mut() {
                h.tidy();
            }
            m.shrink_to_fit();
            m
        }
        fn lengths<T>(m: &FastMap<(u8, T), Handles>) -> Vec<u8> {
            let mut l: Vec<u8> = m.keys().map(|(p, _)| *p).collect();
            l.sort_unstable_by(|a, b| b.cmp(a));
            l.dedup();
            l
        }
        let nets4 = tidy(self.nets4);
        let nets6 = tidy(self.nets6);
        let lengths4 = lengths(&nets4);
        let segments4 = Segments::of(&nets4, &lengths4);
        let v4_bits = Bits::of(self.v4.keys().map(|&a| hash_v4(a)).collect());
        let mut v4_16 = vec![0u64; (1 << 16) / 64];
        for &a in self.v4.keys() {
            let s16 = a >> 16;
            v4_16[(s16 >> 6) as usize] |= 1 << (s16 & 63);
        }
        let mut nets16 = vec![0u64; (1 << 16) / 64];
        for &(p, net) in nets4.keys() {
            let first = net >> 16;
            let last = (net | !mask4(p)) >> 16;
            for s16 in first..=last {
                nets16[(s16 >> 6) as usize] |= 1 << (s16 & 63);
            }
        }
        let hex_bits = Bits::of(
            [
                ValueKind::Md5,
                ValueKind::Sha1,
                ValueKind::Sha256,
                ValueKind::Sha512,
            ]
            .iter()
            .flat_map(|&k| self.exact[k as usize].keys().map(|v| hash_str(v)))
            .collect(),
        );
        let tails = if self.domains.keys().any(|d| !d.contains('.')) {
            None
        } else {
            Some(
                self.domains
                    .keys()
                    .filter_map(|d| tail(d))
                    .map(|t| (t.into(), ()))
                    .collect::<FastMap<Box<str>, ()>>(),
            )
        };
        let tail_bits = Bits::of(
            tails
                .iter()
                .flat_map(|t| t.keys().map(|k| hash_str(k)))
                .collect(),
        );
        IndicatorIndex {
            v4_bits,
            v4_16,
            nets16,
            tail_bits,
            hex_bits,
            subdomains: self.subdomains,
            lengths6: lengths(&nets6),
            segments4,
            v4: tidy(self.v4),
            v6: tidy(self.v6),
            nets4,
            nets6,
            tails,
            domains: tidy(self.domains),
            exact: self.exact.into_iter().map(tidy).collect(),
        }
    }
}

/// The compiled index (immutable; `Sync`, so threads share one).
#[derive(Debug)]
pub struct IndicatorIndex {
    subdomains: bool,
    v4: FastMap<u32, Handles>,
    v6: FastMap<u128, Handles>,
    nets4: FastMap<(u8, u32), Handles>,
    nets6: FastMap<(u8, u128), Handles>,
    /// The IPv4 networks flattened into disjoint ranges.
    segments4: Segments,
    /// IPv6 prefix lengths present, longest first.
    lengths6: Vec<u8>,
    domains: FastMap<Box<str>, Handles>,
    /// The last two labels of every indicator domain (`evil.example` for
    /// `a.evil.example`): a domain whose last two labels are not here is
    /// under no indicator. `None` when some indicator domain is one label.
    tails: Option<FastMap<Box<str>, ()>>,
    exact: Vec<FastMap<Box<str>, Handles>>,
    /// Quick misses: the /16s that hold an exact IPv4 address, and the
    /// /16s that an IPv4 network overlaps (a bit each, 8 KiB: in the
    /// nearest cache, where the address bits below are not); the exact
    /// IPv4 addresses; the domains' last two labels; the hashes (MD5,
    /// SHA-1, SHA-256, SHA-512).
    v4_16: Vec<u64>,
    nets16: Vec<u64>,
    v4_bits: Bits,
    tail_bits: Bits,
    hex_bits: Bits,
}

/// The last two labels of a domain, if it has two or more.
fn tail(d: &str) -> Option<&str> {
    let last = d.rfind('.')?;
    Some(d[..last].rfind('.').map_or(d, |i| &d[i + 1..]))
}

/// An IPv4 address in dotted-quad form (as the standard library reads it:
/// four decimal octets, no leading zeros), quickly.
#[inline]
pub(crate) fn parse_v4(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    // Octet by octet: one to three digits (no leading zero), a dot between.
    let digit = |i: usize| b.get(i).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9);
    let mut out = 0u32;
    let mut i = 0;
    for k in 0..4 {
        let first = digit(i)?;
        let mut octet = u32::from(first);
        i += 1;
        if first != 0 {
            for _ in 0..2 {
                let Some(d) = digit(i) else { break };
                octet = octet * 10 + u32::from(d);
                i += 1;
            }
            if octet > 255 {
                return None;
            }
        }
        out = out << 8 | octet;
        if k < 3 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    (i == b.len()).then_some(out)
}

/// An address in any form the standard library reads, IPv4 first, fast.
#[inline]
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    match parse_v4(s) {
        Some(a) => Some(IpAddr::V4(Ipv4Addr::from(a))),
        // The standard library's IPv6 form holds nothing else.
        None if s.contains(':')
            && s.bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.') =>
        {
            s.parse().ok()
        }
        None => None,
    }
}

/// The IPv4 address space cut at every network's first address and the
/// address after its last, each piece labelled with the longest network
/// holding all of it: one binary search finds an address's network.
#[derive(Debug, Default)]
struct Segments {
    /// The first address of each piece, ascending (the first is 0).
    starts: Vec<u32>,
    /// The longest network over each piece: (prefix, network address).
    label: Vec<Option<(u8, u32)>>,
    /// For each /16 (and one past the last), the first piece starting in
    /// it or later: a search looks only at the pieces of its /16.
    by16: Vec<u32>,
}

impl Segments {
    fn of(nets: &FastMap<(u8, u32), Handles>, lengths: &[u8]) -> Self {
        if nets.is_empty() {
            return Self::default();
        }
        let mut cuts: Vec<u32> = vec![0];
        for &(p, net) in nets.keys() {
            cuts.push(net);
            if let Some(after) = net.checked_add(!mask4(p)).and_then(|l| l.checked_add(1)) {
                cuts.push(after);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let label = cuts
            .iter()
            .map(|&a| longest(a, lengths, nets, mask4).map(|(p, net, _)| (p, net)))
            .collect();
        let by16 = (0..=1u32 << 16)
            .map(|p| {
                let at = cuts.partition_point(|&s| u64::from(s) < u64::from(p) << 16);
                u32::try_from(at).unwrap_or(u32::MAX)
            })
            .collect();
        Self {
            starts: cuts,
            label,
            by16,
        }
    }

    fn find(&self, a: u32) -> Option<(u8, u32)> {
        if self.starts.is_empty() {
            return None;
        }
        let p = (a >> 16) as usize;
        let (lo, hi) = (self.by16[p] as usize, self.by16[p + 1] as usize);
        let j = lo + self.starts[lo..hi].partition_point(|&s| s <= a);
        self.label[j.checked_sub(1)?]
    }
}

impl IndicatorIndex {
    /// How many distinct values and networks the index holds.
    pub fn len(&self) -> usize {
        self.v4.len()
            + self.v6.len()
            + self.nets4.len()
            + self.nets6.len()
            + self.domains.len()
            + self.exact.iter().map(HashMap::len).sum::<usize>()
    }

    /// Whether the index holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a hash, known to be hex digits of the kind's length, is an
    /// indicator value (no other check: for callers that checked).
    #[inline]
    pub fn has_hex(&self, kind: ValueKind, hex: &str) -> bool {
        let map = &self.exact[kind as usize];
        if hex.bytes().fold(false, |u, b| u | b.is_ascii_uppercase()) {
            let lower = hex.to_ascii_lowercase();
            self.hex_bits.maybe(hash_str(&lower)) && map.contains_key(lower.as_str())
        } else {
            self.hex_bits.maybe(hash_str(hex)) && map.contains_key(hex)
        }
    }

    /// Whether an IPv4 address hits: exactly or inside a network (a yes
    /// or no, without building the hits).
    #[inline]
    pub fn has_v4(&self, a: u32) -> bool {
        let s16 = a >> 16;
        let (word, bit) = ((s16 >> 6) as usize, s16 & 63);
        (self.v4_16[word] >> bit & 1 != 0
            && self.v4_bits.maybe(hash_v4(a))
            && self.v4.contains_key(&a))
            || (self.nets16[word] >> bit & 1 != 0 && self.segments4.find(a).is_some())
    }

    /// Whether a domain (any case, a final dot allowed) hits: itself or,
    /// with subdomains on, one of its parents (a yes or no, without
    /// building the hits).
    pub fn has_domain(&self, d: &str) -> bool {
        let d = d.trim_end_matches('.');
        if d.is_empty() || d.len() > 253 {
            return false;
        }
        let bytes = d.as_bytes();
        if self.tails.is_some() && !self.tail_may_be_known(d) {
            return false;
        }
        // One pass from the end: where the last two labels start, and
        // whether any byte needs lowering (most domains in logs are lower
        // case already; a short byte loop is cheaper here than memchr's
        // vector set-up on strings this short).
        let mut dots = 0u8;
        let mut tail_at = 0usize;
        let mut upper = false;
        for (i, &c) in bytes.iter().enumerate().rev() {
            if c == b'.' {
                dots += 1;
                if dots == 2 && tail_at == 0 {
                    tail_at = i + 1;
                }
            }
            upper |= c.is_ascii_uppercase();
        }
        if upper {
            if !d.is_ascii() {
                return !self.lookup(ValueKind::Domain, d).is_empty();
            }
            return self.has_lower_domain(&d.to_ascii_lowercase());
        }
        if self.tails.is_some() {
            if dots == 0 {
                return false;
            }
            // Its quick-miss bits were asked above (`tail_may_be_known`).
            let t = &d[tail_at..];
            if !self.tails.as_ref().is_some_and(|m| m.contains_key(t)) {
                return false;
            }
        }
        self.has_lower_domain_past_tails(d)
    }

    /// Whether the last two labels of a domain (no final dot) may be an
    /// indicator domain's, read from the end up to the second dot only:
    /// false says no indicator domain ends as it does, whatever its case,
    /// so it hits nothing (the usual answer, had without reading the rest
    /// of it). True when they are ASCII and their lower case passes the
    /// quick-miss bits, or when they hold other characters (whose case and
    /// form the full look-up settles).
    #[inline]
    fn tail_may_be_known(&self, d: &str) -> bool {
        let b = d.as_bytes();
        let mut dots = 0u8;
        let mut at = 0usize;
        let mut upper = false;
        let mut i = b.len();
        while i > 0 {
            i -= 1;
            let c = b[i];
            if c >= 0x80 {
                return true;
            }
            if c == b'.' {
                dots += 1;
                if dots == 2 {
                    at = i + 1;
                    break;
                }
            }
            upper |= c.is_ascii_uppercase();
        }
        if dots == 0 {
            // One ASCII label: no tail at all.
            return false;
        }
        // After an ASCII dot: a character boundary.
        let Some(t) = d.get(at..) else {
            return true;
        };
        if upper {
            let mut buf = [0u8; 253];
            let Some(lower) = buf.get_mut(..t.len()) else {
                return true;
            };
            lower.copy_from_slice(t.as_bytes());
            lower.make_ascii_lowercase();
            return std::str::from_utf8(lower).map_or(true, |l| self.tail_bits.maybe(hash_str(l)));
        }
        self.tail_bits.maybe(hash_str(t))
    }

    /// [`IndicatorIndex::has_domain`] of a lower-case ASCII domain.
    fn has_lower_domain(&self, d: &str) -> bool {
        if let Some(tails) = &self.tails
            && tail(d).is_none_or(|t| !tails.contains_key(t))
        {
            return false;
        }
        self.has_lower_domain_past_tails(d)
    }

    /// The exact and parent look-ups of a domain whose tail is known.
    fn has_lower_domain_past_tails(&self, d: &str) -> bool {
        if self.domains.contains_key(d) {
            return true;
        }
        self.subdomains
            && memchr::memchr_iter(b'.', d.as_bytes())
                .any(|i| self.domains.contains_key(&d[i + 1..]))
    }

    /// Whether every indicator domain has two labels or more (so a domain
    /// is under one only if its last two labels are one's).
    pub fn domains_have_two_labels(&self) -> bool {
        self.tails.is_some() || self.domains.is_empty()
    }

    /// Whether a value of `kind` could hit anything: false when the index
    /// holds no value such a look-up reads (a hunt skips those fields).
    #[inline]
    pub fn has_kind(&self, kind: ValueKind) -> bool {
        match kind {
            ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Cidr => {
                !(self.v4.is_empty()
                    && self.v6.is_empty()
                    && self.nets4.is_empty()
                    && self.nets6.is_empty())
            }
            ValueKind::Domain => !self.domains.is_empty(),
            k => !self.exact[k as usize].is_empty(),
        }
    }

    /// The hits of `value` read as `kind` (a field's declared kind).
    /// Addresses hit exactly and by their longest network; domains exactly
    /// and by each indicator domain they are under; other kinds exactly.
    /// A value that is not of its kind hits nothing.
    pub fn lookup(&self, kind: ValueKind, value: &str) -> Vec<Hit<'_>> {
        let mut out = Vec::new();
        self.lookup_into(kind, value, &mut out);
        out
    }

    /// [`IndicatorIndex::lookup`], adding the hits to `out`.
    pub fn lookup_into<'a>(&'a self, kind: ValueKind, value: &str, out: &mut Vec<Hit<'a>>) {
        match kind {
            ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Cidr => {
                if let Some(a) = parse_ip(value.trim()) {
                    self.address_into(a, out);
                }
            }
            ValueKind::Domain => self.domain(&domain_form(value), out),
            _ => {
                if let Some(n) = exact_form(kind, value)
                    && let Some(h) = self.exact[kind as usize].get(&*n)
                {
                    out.push(Hit {
                        how: Match::Exact,
                        indicators: h,
                    });
                }
            }
        }
    }

    /// The hits of an address: exact and by its longest network.
    pub fn address_into<'a>(&'a self, a: IpAddr, out: &mut Vec<Hit<'a>>) {
        let a = match a {
            IpAddr::V6(v6) => v4_of(v6).map_or(a, IpAddr::V4),
            IpAddr::V4(_) => a,
        };
        let (exact, network) = match a {
            IpAddr::V4(a) => {
                let n = u32::from(a);
                let net = self.segments4.find(n).and_then(|(p, net)| {
                    let h = self.nets4.get(&(p, net))?;
                    Some((format!("{}/{p}", Ipv4Addr::from(net)), &**h))
                });
                (self.v4.get(&n), net)
            }
            IpAddr::V6(a) => {
                let n = u128::from(a);
                let net = longest(n, &self.lengths6, &self.nets6, mask6)
                    .map(|(p, net, h)| (format!("{}/{p}", Ipv6Addr::from(net)), h));
                (self.v6.get(&n), net)
            }
        };
        if let Some(h) = exact {
            out.push(Hit {
                how: Match::Exact,
                indicators: h,
            });
        }
        if let Some((network, h)) = network {
            out.push(Hit {
                how: Match::Network { network },
                indicators: h,
            });
        }
    }

    fn domain<'a>(&'a self, d: &str, out: &mut Vec<Hit<'a>>) {
        if d.is_empty() {
            return;
        }
        if let Some(tails) = &self.tails
            && tail(d).is_none_or(|t| !tails.contains_key(t))
        {
            return;
        }
        if let Some(h) = self.domains.get(d) {
            out.push(Hit {
                how: Match::Exact,
                indicators: h,
            });
        }
        if !self.subdomains {
            return;
        }
        for (i, _) in d.match_indices('.') {
            let parent = &d[i + 1..];
            if parent.is_empty() {
                break;
            }
            if let Some(h) = self.domains.get(parent) {
                out.push(Hit {
                    how: Match::Subdomain {
                        of: parent.to_owned(),
                    },
                    indicators: h,
                });
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An index of `values`, each its own indicator (handles from 0).
    pub(crate) fn index(values: &[(ValueKind, &str)]) -> IndicatorIndex {
        let mut b = IndexBuilder::new();
        for (i, (k, v)) in values.iter().enumerate() {
            b.add(*k, v, u32::try_from(i).expect("few")).expect("valid");
        }
        b.build()
    }

    fn handles(hits: &[Hit<'_>]) -> Vec<(Match, Vec<u32>)> {
        hits.iter()
            .map(|h| (h.how.clone(), h.indicators.to_vec()))
            .collect()
    }

    #[test]
    fn addresses_match_whole_values_only() {
        let i = index(&[
            (ValueKind::Ipv4, "1.2.3.4"),
            (ValueKind::Ipv6, "2001:db8::1"),
        ]);
        assert_eq!(
            handles(&i.lookup(ValueKind::Ipv4, "1.2.3.4")),
            [(Match::Exact, vec![0])]
        );
        assert!(i.lookup(ValueKind::Ipv4, "1.2.3.45").is_empty());
        assert!(i.lookup(ValueKind::Ipv4, "11.2.3.4").is_empty());
        assert!(i.lookup(ValueKind::Ipv4, "1.2.3.4x").is_empty());
        // Other spellings of the same address.
        assert_eq!(i.lookup(ValueKind::Ipv6, "::ffff:1.2.3.4").len(), 1);
        assert_eq!(i.lookup(ValueKind::Ipv6, "2001:0db8:0:0::0001").len(), 1);
    }

    #[test]
    fn networks_match_by_longest_prefix() {
        let i = index(&[
            (ValueKind::Cidr, "10.0.0.0/8"),
            (ValueKind::Cidr, "10.1.0.0/16"),
            (ValueKind::Cidr, "10.1.2.3/16"), // the same network, written loosely
            (ValueKind::Cidr, "2001:db8::/32"),
            (ValueKind::Cidr, "0.0.0.0/0"),
        ]);
        let net = |n: &str| Match::Network {
            network: n.to_owned(),
        };
        assert_eq!(
            handles(&i.lookup(ValueKind::Ipv4, "10.1.200.7")),
            [(net("10.1.0.0/16"), vec![1, 2])]
        );
        assert_eq!(
            handles(&i.lookup(ValueKind::Ipv4, "10.9.0.1")),
            [(net("10.0.0.0/8"), vec![0])]
        );
        assert_eq!(
            handles(&i.lookup(ValueKind::Ipv4, "192.0.2.1")),
            [(net("0.0.0.0/0"), vec![4])]
        );
        assert_eq!(
            handles(&i.lookup(ValueKind::Ipv6, "2001:db8:ffff::1")),
            [(net("2001:db8::/32"), vec![3])]
        );
        assert!(i.lookup(ValueKind::Ipv6, "2001:db9::1").is_empty());
    }

    #[test]
    fn domains_match_themselves_and_their_subdomains() {
        let i = index(&[
            (ValueKind::Domain, "Evil.Example."),
            (ValueKind::Domain, "b.evil.example"),
        ]);
        assert_eq!(
            handles(&i.lookup(ValueKind::Domain, "EVIL.example")),
            [(Match::Exact, vec![0])]
        );
        assert_eq!(
            handles(&i.lookup(ValueKind::Domain, "a.b.evil.example")),
            [
                (
                    Match::Subdomain {
                        of: "b.evil.example".into()
                    },
                    vec![1]
                ),
                (
                    Match::Subdomain {
                        of: "evil.example".into()
                    },
                    vec![0]
                ),
            ]
        );
        assert!(i.lookup(ValueKind::Domain, "notevil.example").is_empty());
        assert!(i.lookup(ValueKind::Domain, "evil.example.com").is_empty());
        assert!(i.lookup(ValueKind::Domain, "example").is_empty());
        let exact_only = {
            let mut b = IndexBuilder::new().subdomains(false);
            b.add(ValueKind::Domain, "evil.example", 0).expect("valid");
            b.build()
        };
        assert!(
            exact_only
                .lookup(ValueKind::Domain, "a.evil.example")
                .is_empty()
        );
        assert_eq!(
            exact_only.lookup(ValueKind::Domain, "evil.example").len(),
            1
        );
    }

    #[test]
    fn other_kinds_match_their_normal_form() {
        let sha = "A".repeat(64);
        let i = index(&[
            (ValueKind::Sha256, &sha),
            (ValueKind::Email, "Bad@Evil.Example"),
            (ValueKind::Url, "http://evil.example/x"),
        ]);
        assert_eq!(i.lookup(ValueKind::Sha256, &"a".repeat(64)).len(), 1);
        // The same digits are not another kind's value.
        assert!(i.lookup(ValueKind::Md5, &"a".repeat(32)).is_empty());
        assert_eq!(i.lookup(ValueKind::Email, "bad@evil.example").len(), 1);
        assert_eq!(i.lookup(ValueKind::Url, "http://evil.example/x").len(), 1);
        assert!(
            i.lookup(ValueKind::Url, "http://evil.example/xy")
                .is_empty()
        );
        assert_eq!(i.len(), 3);
    }

    #[test]
    fn bad_values_are_refused_naming_them() {
        let mut b = IndexBuilder::new();
        for (kind, v) in [
            (ValueKind::Ipv4, "1.2.3"),
            (ValueKind::Cidr, "10.0.0.0/33"),
            (ValueKind::Cidr, "10.0.0.0"),
            (ValueKind::Cidr, "2001:db8::/129"),
            (ValueKind::Sha256, "abc"),
            (ValueKind::Domain, " "),
        ] {
            assert_eq!(
                b.add(kind, v, 0),
                Err(IndexError::NotOfKind {
                    kind,
                    value: v.to_owned()
                })
            );
        }
        assert!(b.build().is_empty());
    }

    #[test]
    fn yes_or_no_answers_agree_with_the_hits() {
        for subdomains in [true, false] {
            let mut b = IndexBuilder::new().subdomains(subdomains);
            for (i, d) in [
                "evil.example",
                "b.evil.example",
                "x.co.jp",
                "deep.a.b.c.example",
            ]
            .iter()
            .enumerate()
            {
                b.add(ValueKind::Domain, d, u32::try_from(i).expect("few"))
                    .expect("valid");
            }
            b.add(ValueKind::Ipv4, "198.51.100.7", 9).expect("valid");
            b.add(ValueKind::Cidr, "203.0.113.0/24", 10).expect("valid");
            let i = b.build();
            for d in [
                "evil.example",
                "EVIL.Example.",
                "a.b.evil.example",
                "notevil.example",
                "evil.example.com",
                "example",
                "co.jp",
                "y.x.co.jp",
                "c.example",
                "a.b.c.example",
                "z.deep.a.b.c.example",
                "",
                ".",
                "..",
                "a..evil.example",
                "ÉVIL.example",
                "évil.example",
                "a.évil.evil.example",
                "X.B.EVIL.EXAMPLE",
                "evil.example..",
                "Évil.EXAMPLE",
                "x.Évil.EVIL.EXAMPLE",
                "evil.EXAMPLE",
                "sub.b.EVIL.example",
                "EVIL\u{3002}EXAMPLE",
                "evil\u{3002}example",
                "a.b.EVIL\u{ff0e}example",
            ] {
                assert_eq!(
                    i.has_domain(d),
                    !i.lookup(ValueKind::Domain, d).is_empty(),
                    "{d} {subdomains}"
                );
            }
            for a in [
                "198.51.100.7",
                "198.51.100.8",
                "203.0.113.0",
                "203.0.113.255",
                "203.0.114.0",
                "0.0.0.0",
            ] {
                let n = u32::from(a.parse::<Ipv4Addr>().expect("ip"));
                assert_eq!(i.has_v4(n), !i.lookup(ValueKind::Ipv4, a).is_empty(), "{a}");
            }
        }
    }

    #[test]
    fn handles_are_kept_ascending_without_repeats() {
        for pushes in [&[][..], &[7], &[7, 7], &[9, 3, 9, 1], &[5, 4]] {
            let mut h = Handles::default();
            for &x in pushes {
                h.push(x);
            }
            h.tidy();
            let mut want = pushes.to_vec();
            want.sort_unstable();
            want.dedup();
            assert_eq!(&*h, &want[..], "{pushes:?}");
            assert_eq!(matches!(h, Handles::Many(_)), want.len() > 1, "{pushes:?}");
        }
    }

    proptest! {
        /// The quick IPv4 reading is the standard library's, on strings of
        /// digits and dots and on near misses.
        #[test]
        fn ipv4_is_read_as_the_standard_library_reads_it(
            octets in proptest::collection::vec(0usize..13, 3..6),
            joins in proptest::collection::vec(0usize..4, 5),
        ) {
            let pieces = ["0", "1", "9", "25", "199", "255", "256", "00", "010", "1000", "999", "", "a"];
            let dots = [".", ".", "..", ":"];
            let mut odd = String::new();
            for (n, &k) in octets.iter().enumerate() {
                if n > 0 {
                    odd.push_str(dots[joins[n - 1]]);
                }
                odd.push_str(pieces[k]);
            }
            let quad = octets.iter().take(4).map(|&k| pieces[k]).collect::<Vec<_>>().join(".");
            for v in [odd, quad] {
                proptest::prop_assert_eq!(parse_v4(&v), v.parse::<Ipv4Addr>().ok().map(u32::from), "{:?}", v);
            }
        }

        /// A domain's yes-or-no answer (its quick miss from the last two
        /// labels first) is its hits' for any case, dots and characters.
        #[test]
        fn a_domain_hits_as_its_answer_says(parts in proptest::collection::vec(0usize..16, 0..9), subdomains in proptest::bool::ANY) {
            let mut b = IndexBuilder::new().subdomains(subdomains);
            for (i, d) in ["evil.example", "b.evil.example", "x.co.jp", "bücher.example"].iter().enumerate() {
                b.add(ValueKind::Domain, d, u32::try_from(i).expect("few")).expect("valid");
            }
            let i = b.build();
            let pieces = ["evil", "EVIL", "Evil", "example", "EXAMPLE", "b", "x", "co", "JP", "é", "É",
                "bücher", "BÜCHER", ".", "\u{3002}", "-"];
            let d: String = parts.iter().map(|&k| pieces[k]).collect();
            proptest::prop_assert_eq!(i.has_domain(&d), !i.lookup(ValueKind::Domain, &d).is_empty(), "{:?}", d);
        }

        /// Longest-prefix matching agrees with a search over every network.
        #[test]
        fn longest_prefix_matches_a_full_search(
            nets in proptest::collection::vec((any::<u32>(), 0u8..=32), 1..40),
            probes in proptest::collection::vec(any::<u32>(), 1..40),
        ) {
            let mut b = IndexBuilder::new();
            for (i, (a, p)) in nets.iter().enumerate() {
                let text = format!("{}/{p}", Ipv4Addr::from(*a));
                b.add(ValueKind::Cidr, &text, u32::try_from(i).expect("few")).expect("valid");
            }
            let index = b.build();
            // Probe inside the networks as well as at random.
            let inside = nets.iter().map(|(a, p)| a & mask4(*p) | (!mask4(*p) & 0x5a5a_5a5a));
            for probe in probes.into_iter().chain(inside) {
                let holding: Vec<(u8, u32)> = nets
                    .iter()
                    .enumerate()
                    .filter(|(_, (a, p))| probe & mask4(*p) == a & mask4(*p))
                    .map(|(i, (_, p))| (*p, u32::try_from(i).expect("few")))
                    .collect();
                let want = holding.iter().map(|(p, _)| *p).max().map(|longest| {
                    let mut h: Vec<u32> = holding.iter().filter(|(p, _)| *p == longest).map(|(_, i)| *i).collect();
                    h.sort_unstable();
                    (longest, h)
                });
                let got = index.lookup(ValueKind::Ipv4, &Ipv4Addr::from(probe).to_string());
                let got = got.iter().find_map(|h| match &h.how {
                    Match::Network { network } => {
                        let p: u8 = network.split_once('/').expect("prefix").1.parse().expect("number");
                        Some((p, h.indicators.to_vec()))
                    }
                    _ => None,
                });
                prop_assert_eq!(got, want);
            }
        }
    }
}
