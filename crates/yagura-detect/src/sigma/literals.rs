//! The searchers behind the plan's literal gates: for one set of
//! case-folded literals, which of them a value holds. The literals of
//! eight bytes or more are found through a table of their first eight
//! bytes, the shorter ones by an Aho-Corasick automaton. An automaton's
//! states grow with its literals' bytes, and so do its build time and
//! memory: SigmaHQ's vulnerable-driver hashes (5,254 `Hashes` literals of
//! 36 to 72 bytes) took 31 ms and 2.7 MB as one automaton, the process
//! creation sets (5,702 `CommandLine` literals among them) 18 ms; a table
//! costs one insert per literal and an 8 KiB bitmap.

use std::sync::{Arc, Mutex, OnceLock};

use super::FastMap;

/// The searchers over one set of literals, built once for every bucket
/// that looks for the same set in some field: process creation's Sysmon
/// and Security buckets share their `CommandLine` literals, and a Sysmon
/// `Image`'s are a 4688's `NewProcessName`'s.
#[derive(Debug, Default)]
pub(super) struct Automata(Mutex<FastMap<u64, Vec<LiteralSet>>>);

/// A literal set (sorted) and its searchers' cell.
type LiteralSet = (Box<[Box<str>]>, Arc<Built>);

/// One literal set's searchers, once a thread has built them (`None`: too
/// large to build).
type Built = OnceLock<Option<Arc<Searchers>>>;

/// What finds each literal present, and for a few literals a vectorized
/// searcher (Teddy) that tells whether any is present at all, much faster
/// than the overlapping walk: the walk runs only on the values it finds
/// one in (few: these literals are rare in real logs, such as Mimikatz's
/// keywords over each event's whole text).
#[derive(Debug)]
pub(super) struct Searchers {
    finder: Finder,
    any: Option<aho_corasick::packed::Searcher>,
}

/// The literals of a set shorter than [`PREFIX`] in an automaton, the
/// others in a prefix table; each reports the literals' indices in the
/// whole set.
#[derive(Debug)]
struct Finder {
    automaton: Option<(aho_corasick::AhoCorasick, Box<[u32]>)>,
    prefixes: Option<Prefixes>,
}

/// The most short literals an automaton is built as a DFA for (64 and
/// 256 measured alike over the sample logs: 1,747 M -> 1,717 M
/// instructions against contiguous NFAs for all).
const DFA_LITERALS: usize = 64;

/// The length of the prefix [`Prefixes`] indexes literals by.
const PREFIX: usize = 8;

/// Literals by their first [`PREFIX`] bytes, behind a bitmap of those
/// prefixes' hashes that turns most positions of a value away with one
/// load.
#[derive(Debug)]
struct Prefixes {
    /// Prefix → the literals (index in the set, bytes) that start with it.
    by_prefix: FastMap<u64, Vec<Literal>>,
    /// 2^16 bits, one set for each prefix's [`bit`].
    seen: Box<[u64; 1 << 10]>,
}

/// A literal's index in its set, and its bytes.
type Literal = (u32, Box<[u8]>);

/// The first [`PREFIX`] bytes of `b` (at least that long) as a number.
fn prefix(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..PREFIX].try_into().unwrap_or_default())
}

fn bit(prefix: u64) -> usize {
    (prefix.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

impl Prefixes {
    /// The table of `lits[i]` for each `i` of `ids` (each at least
    /// [`PREFIX`] bytes long).
    fn new(lits: &[&str], ids: &[u32]) -> Self {
        let mut by_prefix: FastMap<u64, Vec<Literal>> = FastMap::default();
        let mut seen = Box::new([0u64; 1 << 10]);
        for &i in ids {
            let lit = lits[i as usize].as_bytes();
            let p = prefix(lit);
            by_prefix.entry(p).or_default().push((i, lit.into()));
            let b = bit(p);
            seen[b / 64] |= 1 << (b % 64);
        }
        Prefixes { by_prefix, seen }
    }

    fn each_in(&self, v: &[u8], found: &mut dyn FnMut(usize)) {
        for (i, w) in v.windows(PREFIX).enumerate() {
            let p = prefix(w);
            let b = bit(p);
            if self.seen[b / 64] >> (b % 64) & 1 == 0 {
                continue;
            }
            for (id, lit) in self.by_prefix.get(&p).map_or(&[][..], Vec::as_slice) {
                if v[i..].starts_with(lit) {
                    found(*id as usize);
                }
            }
        }
    }
}

impl Searchers {
    fn new(lits: &[&str]) -> Option<Self> {
        let (in_table, in_automaton): (Vec<u32>, Vec<u32>) =
            (0..lits.len() as u32).partition(|&i| lits[i as usize].len() >= PREFIX);
        let automaton = if in_automaton.is_empty() {
            None
        } else {
            // A DFA walks a value in about half the instructions of the
            // contiguous NFA (no failure transitions) and costs more to
            // build: taken for the smaller sets, whose values are the
            // most scanned (keywords over each event's whole text).
            let kind = if in_automaton.len() <= DFA_LITERALS {
                aho_corasick::AhoCorasickKind::DFA
            } else {
                aho_corasick::AhoCorasickKind::ContiguousNFA
            };
            let a = aho_corasick::AhoCorasick::builder()
                .kind(Some(kind))
                .build(in_automaton.iter().map(|&i| lits[i as usize]))
                .ok()?;
            Some((a, in_automaton.into_boxed_slice()))
        };
        let prefixes = (!in_table.is_empty()).then(|| Prefixes::new(lits, &in_table));
        // Teddy's own limit is 64 literals; past it the packed searcher
        // falls back to Rabin-Karp, no faster than the automaton.
        let any = (lits.len() <= 64)
            .then(|| aho_corasick::packed::Searcher::new(lits))
            .flatten();
        Some(Searchers {
            finder: Finder {
                automaton,
                prefixes,
            },
            any,
        })
    }

    /// Calls `found` with the index (in the sorted set) of each literal
    /// `v` holds, at least once each.
    pub(super) fn each_in(&self, v: &str, found: &mut dyn FnMut(usize)) {
        if self.any.as_ref().is_some_and(|any| any.find(v).is_none()) {
            return;
        }
        if let Some((a, ids)) = &self.finder.automaton {
            for m in a.find_overlapping_iter(v) {
                found(ids[m.pattern().as_usize()] as usize);
            }
        }
        if let Some(p) = &self.finder.prefixes {
            p.each_in(v.as_bytes(), found);
        }
    }
}

impl Automata {
    /// The searchers over `lits` (sorted), `None` when too large to build.
    pub(super) fn of(&self, lits: &[&str]) -> Option<Arc<Searchers>> {
        // Keyed by the set's hash, the set itself compared on a match:
        // the set is copied only the first time it is seen.
        let hash = {
            use std::hash::BuildHasher;
            foldhash::fast::FixedState::default().hash_one(lits)
        };
        let cell = {
            let mut m = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let same = m.entry(hash).or_default();
            let known = same
                .iter()
                .find(|(set, _)| set.iter().map(|l| &**l).eq(lits.iter().copied()));
            if let Some((_, cell)) = known {
                cell.clone()
            } else {
                let cell = Arc::<Built>::default();
                same.push((lits.iter().map(|&l| l.into()).collect(), cell.clone()));
                cell
            }
        };
        cell.get_or_init(|| Searchers::new(lits).map(Arc::new))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every literal the overlapping automaton finds in `v`, sorted.
    fn by_automaton(lits: &[&str], v: &str) -> Vec<usize> {
        let a = aho_corasick::AhoCorasick::new(lits).unwrap();
        let mut got: Vec<usize> = a
            .find_overlapping_iter(v)
            .map(|m| m.pattern().as_usize())
            .collect();
        got.sort_unstable();
        got.dedup();
        got
    }

    fn by_searchers(s: &Searchers, v: &str) -> Vec<usize> {
        let mut got = Vec::new();
        s.each_in(v, &mut |i| got.push(i));
        got.sort_unstable();
        got.dedup();
        got
    }

    /// `n` distinct hash-like literals (`sha1=` and 40 hex digits).
    fn hashes(n: usize) -> Vec<String> {
        let mut out: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "sha1={:040x}",
                    (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c)
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn long_literals_are_found_by_prefix_short_ones_by_an_automaton() {
        let lits = hashes(2000);
        let refs: Vec<&str> = lits.iter().map(String::as_str).collect();
        let s = Searchers::new(&refs).unwrap();
        assert!(s.finder.prefixes.is_some() && s.finder.automaton.is_none());
        // A Sysmon `Hashes` value holding two of them, one at its very end,
        // and the start of a third cut short.
        let v = format!(
            "md5=00ff,{},imphash=1,{},{}",
            lits[7],
            &lits[9][..30],
            lits[1999]
        );
        assert_eq!(by_searchers(&s, &v), [7, 1999]);
        assert_eq!(by_searchers(&s, &v), by_automaton(&refs, &v));
        assert!(by_searchers(&s, "short").is_empty());
        assert!(by_searchers(&s, "").is_empty());
        // A short literal among them: it alone in an automaton.
        let mut with_short = refs.clone();
        with_short.push("cmd");
        let s = Searchers::new(&with_short).unwrap();
        assert_eq!(s.finder.automaton.as_ref().map(|a| a.1.len()), Some(1));
        assert_eq!(by_searchers(&s, "x cmd y"), [2000]);
        let v = format!("{}cmd", lits[3]);
        assert_eq!(by_searchers(&s, &v), [3, 2000]);
        // Short literals alone: an automaton alone.
        let short = ["cmd", "net ", "whoami"];
        let s = Searchers::new(&short).unwrap();
        assert!(s.finder.prefixes.is_none());
        assert_eq!(by_searchers(&s, "net use & whoami"), [1, 2]);
        // More short literals than a DFA is built for: a contiguous NFA,
        // finding the same.
        let many: Vec<String> = (0..DFA_LITERALS + 40).map(|i| format!("k{i:03}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let s = Searchers::new(&refs).unwrap();
        assert_eq!(
            s.finder.automaton.as_ref().map(|a| a.0.kind()),
            Some(aho_corasick::AhoCorasickKind::ContiguousNFA)
        );
        let v = "xk007k0k100k099 k0991";
        assert_eq!(by_searchers(&s, v), by_automaton(&refs, v));
        assert_eq!(by_searchers(&s, v), [7, 99, 100]);
        let s = Searchers::new(&short).unwrap();
        assert_eq!(
            s.finder.automaton.as_ref().map(|a| a.0.kind()),
            Some(aho_corasick::AhoCorasickKind::DFA)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Long and short literals sharing prefixes, overlapping and
        /// repeated in the value: the table and the automaton of the short
        /// ones find what one automaton of them all finds.
        #[test]
        fn the_prefix_table_finds_what_the_automaton_finds(
            extra in proptest::collection::vec("[ab]{1,12}", 1..40),
            picks in proptest::collection::vec(0usize..340, 0..6),
            noise in "[ab]{0,30}",
        ) {
            let mut lits = hashes(300);
            lits.extend(extra);
            lits.sort();
            lits.dedup();
            let refs: Vec<&str> = lits.iter().map(String::as_str).collect();
            let s = Searchers::new(&refs).unwrap();
            prop_assert!(s.finder.prefixes.is_some());
            let mut v = noise.clone();
            for p in picks {
                v.push_str(&lits[p % lits.len()]);
                v.push_str(&noise);
            }
            prop_assert_eq!(by_searchers(&s, &v), by_automaton(&refs, &v));
        }
    }
}
