//! The bytes of a 64-byte block sorted into the classes the prefilter
//! needs, one bit a byte (bit `i` is byte `i`), sixteen bytes at a time
//! with `wide`'s SIMD vectors: a byte's class is looked up by its two
//! nibbles (two table shuffles and an AND, as simdjson classifies), the
//! few single characters by comparison. On a CPU level without SSSE3
//! shuffles (the workspace builds for x86-64-v2, see `.cargo/config.toml`)
//! `wide` falls back to plain code that gives the same bits. Where the CPU
//! has AVX2 (asked at run time, through `pulp`'s checked token, since the
//! build level does not assume it), [`Classifier`] runs the same tables
//! and comparisons 32 bytes at a time. Tests check every byte value at
//! every place against the scalar class table, for each classifier the
//! CPU runs.

use wide::{u8x16, u16x8};

/// One block's classes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Block {
    /// Token separators (`prefilter`'s, the same as `extract::tokens`').
    pub(crate) sep: u64,
    /// `.`, `:`, `=`, and `@` where it is asked for: a token holding one
    /// may be an observable.
    pub(crate) mark: u64,
    /// `:` alone (JSON's key-value colon is told apart by its neighbours).
    pub(crate) colon: u64,
    /// Hexadecimal digits, either case.
    pub(crate) hex: u64,
    /// `\`.
    pub(crate) backslash: u64,
}

impl Block {
    /// These classes with `part`'s placed from bit `at` on (a part of a
    /// block classified on its own).
    #[inline(always)]
    fn merged(self, part: Block, at: usize) -> Block {
        Block {
            sep: self.sep | part.sep << at,
            mark: self.mark | part.mark << at,
            colon: self.colon | part.colon << at,
            hex: self.hex | part.hex << at,
            backslash: self.backslash | part.backslash << at,
        }
    }
}

/// The separators, as `extract::tokens` cuts text.
pub(crate) const SEPARATORS: &[u8] = b" \t\r\n\"'`,;<>(){}|\\^";

/// Bits of the nibble tables: one bit for each high nibble (row) that
/// holds separators, and two for hex digits (`0`–`9`; `a`–`f` / `A`–`F`).
const HEX_DIGIT: u8 = 1 << 6;
const HEX_LETTER: u8 = 1 << 7;
const HEX_BITS: u8 = HEX_DIGIT | HEX_LETTER;
const SEP_BITS: u8 = !HEX_BITS;

/// `(low-nibble table, high-nibble table)`: a byte `c` is a separator iff
/// `LO[c & 15] & HI[c >> 4] & SEP_BITS != 0`, a hex digit iff the same
/// with `HEX_BITS`.
const TABLES: ([u8; 16], [u8; 16]) = {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    // A bit for each row with separators, in the order rows first appear.
    let mut rows = [0u8; 16];
    let mut next_bit = 0u8;
    let mut i = 0;
    while i < SEPARATORS.len() {
        let c = SEPARATORS[i];
        let row = (c >> 4) as usize;
        if rows[row] == 0 {
            assert!(next_bit < 6, "more than six rows of separators");
            rows[row] = 1 << next_bit;
            next_bit += 1;
        }
        hi[row] |= rows[row];
        lo[(c & 15) as usize] |= rows[row];
        i += 1;
    }
    hex_columns((lo, hi), HEX_DIGIT, HEX_LETTER)
};

/// Nibble tables with `digit` set for `0`–`9` (row 3, columns 0–9) and
/// `letter` for `a`–`f` / `A`–`F` (rows 4 and 6, columns 1–6).
pub(crate) const fn hex_columns(
    (mut lo, mut hi): ([u8; 16], [u8; 16]),
    digit: u8,
    letter: u8,
) -> ([u8; 16], [u8; 16]) {
    hi[3] |= digit;
    hi[4] |= letter;
    hi[6] |= letter;
    let mut n = 0;
    while n < 16 {
        if n <= 9 {
            lo[n] |= digit;
        }
        if n >= 1 && n <= 6 {
            lo[n] |= letter;
        }
        n += 1;
    }
    (lo, hi)
}

/// Each byte's `lo[c & 15] & hi[c >> 4]`, by two table shuffles.
#[inline(always)]
pub(crate) fn nibble_lookup(x: u8x16, (lo, hi): ([u8; 16], [u8; 16])) -> u8x16 {
    let nibble = u8x16::splat(0x0f);
    let wide16: u16x8 = bytemuck::cast(x);
    let high = bytemuck::cast::<u16x8, u8x16>(wide16 >> 4) & nibble;
    u8x16::new(lo).swizzle_relaxed(x & nibble) & u8x16::new(hi).swizzle_relaxed(high)
}

#[inline(always)]
fn bits(v: u8x16) -> u64 {
    u64::from(v.move_mask() as u16)
}

/// The classes of 16 bytes, as the low 16 bits of each mask; `at` is the
/// fourth mark (`@`, or `.` again to leave `@` out).
#[inline(always)]
fn classify16(b: &[u8; 16], at: u8) -> Block {
    let x = u8x16::new(*b);
    let t = nibble_lookup(x, TABLES);
    let zero = u8x16::ZERO;
    let is = |c: u8| x.cmp_eq(u8x16::splat(c));
    let colon = is(b':');
    Block {
        sep: !bits((t & u8x16::splat(SEP_BITS)).cmp_eq(zero)) & 0xffff,
        hex: !bits((t & u8x16::splat(HEX_BITS)).cmp_eq(zero)) & 0xffff,
        mark: bits(is(b'.') | colon | is(b'=') | is(at)),
        colon: bits(colon),
        backslash: bits(is(b'\\')),
    }
}

/// The classes of a 64-byte block, sixteen bytes at a time (SSSE3).
///
/// Never inlined: inlined into the scan, the compiler folded the
/// scan's mask arithmetic into the vector code and spilled lanes one
/// byte at a time (`pinsrb`/`pextrb`).
#[inline(never)]
pub(crate) fn classify(b: &[u8; 64], at: u8) -> Block {
    let mut out = Block::default();
    for (k, part) in b.chunks_exact(16).enumerate() {
        let Ok(part) = <&[u8; 16]>::try_from(part) else {
            continue;
        };
        out = out.merged(classify16(part, at), 16 * k);
    }
    out
}

/// How a 64-byte block is classified on this CPU: 32 bytes at a time with
/// AVX2 when the CPU has it (found at run time: the workspace builds for
/// x86-64-v2), else [`classify`]'s sixteen. Both give the same bits; the
/// tests hold each to the scalar table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Classifier {
    simd: Simd,
    /// The fourth mark: `@`, or `.` again when `@` is not asked for.
    at: u8,
}

#[derive(Debug, Clone, Copy)]
enum Simd {
    /// [`classify`], SSSE3 (or `wide`'s plain fallback).
    Sse,
    /// [`avx2::classify`], under `pulp`'s run-time checked AVX2 token.
    #[cfg(target_arch = "x86_64")]
    Avx2(pulp::x86::V3),
}

impl Classifier {
    /// The widest this CPU runs; `@` among the marks when `with_at`.
    pub(crate) fn detect(with_at: bool) -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(v3) = pulp::x86::V3::try_new() {
            return Self::new(Simd::Avx2(v3), with_at);
        }
        Self::new(Simd::Sse, with_at)
    }

    fn new(simd: Simd, with_at: bool) -> Self {
        let at = if with_at { b'@' } else { b'.' };
        Self { simd, at }
    }

    /// The classes of a 64-byte block.
    #[inline(always)]
    pub(crate) fn classify(self, b: &[u8; 64]) -> Block {
        match self.simd {
            Simd::Sse => classify(b, self.at),
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2(v3) => avx2::classify(v3, b, self.at),
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! The block classes 32 bytes at a time with AVX2: the same nibble
    //! tables (`vpshufb` looks up within each 16-byte half, so each table
    //! is given twice) and comparisons as `classify16`.

    use core::arch::x86_64::__m256i;
    use pulp::x86::V3;

    use super::{Block, HEX_BITS, SEP_BITS, TABLES};

    struct Classify<'b> {
        simd: V3,
        block: &'b [u8; 64],
        at: u8,
    }

    /// A 16-byte table in both halves of a vector.
    #[inline(always)]
    fn twice(t: [u8; 16]) -> __m256i {
        bytemuck::cast([t, t])
    }

    // Plain functions, always inlined, not closures: a closure is
    // compiled without the target features and kept out of line, with
    // every intrinsic a call.

    #[inline(always)]
    fn splat(simd: V3, c: u8) -> __m256i {
        simd.avx._mm256_set1_epi8(c as i8)
    }

    #[inline(always)]
    fn bits(simd: V3, v: __m256i) -> u64 {
        u64::from(simd.avx2._mm256_movemask_epi8(v) as u32)
    }

    #[inline(always)]
    fn is(simd: V3, x: __m256i, c: u8) -> __m256i {
        simd.avx2._mm256_cmpeq_epi8(x, splat(simd, c))
    }

    /// The bytes of `t` with a bit of `m`.
    #[inline(always)]
    fn any_of(simd: V3, t: __m256i, m: u8) -> u64 {
        let none = simd.avx2._mm256_cmpeq_epi8(
            simd.avx2._mm256_and_si256(t, splat(simd, m)),
            splat(simd, 0),
        );
        !bits(simd, none) & 0xffff_ffff
    }

    /// The classes of 32 bytes, in the low 32 bits of each mask.
    #[inline(always)]
    fn classify32(simd: V3, part: &[u8], at: u8) -> Block {
        let avx2 = simd.avx2;
        let x: __m256i = bytemuck::pod_read_unaligned(part);
        let nibble = splat(simd, 0x0f);
        let high = avx2._mm256_and_si256(avx2._mm256_srli_epi16::<4>(x), nibble);
        let t = avx2._mm256_and_si256(
            avx2._mm256_shuffle_epi8(twice(TABLES.0), avx2._mm256_and_si256(x, nibble)),
            avx2._mm256_shuffle_epi8(twice(TABLES.1), high),
        );
        let colon = is(simd, x, b':');
        let mark = avx2._mm256_or_si256(
            avx2._mm256_or_si256(is(simd, x, b'.'), colon),
            avx2._mm256_or_si256(is(simd, x, b'='), is(simd, x, at)),
        );
        Block {
            sep: any_of(simd, t, SEP_BITS),
            hex: any_of(simd, t, HEX_BITS),
            mark: bits(simd, mark),
            colon: bits(simd, colon),
            backslash: bits(simd, is(simd, x, b'\\')),
        }
    }

    impl pulp::NullaryFnOnce for Classify<'_> {
        type Output = Block;

        #[inline(always)]
        fn call(self) -> Block {
            let low = classify32(self.simd, &self.block[..32], self.at);
            low.merged(classify32(self.simd, &self.block[32..], self.at), 32)
        }
    }

    /// The classes of a 64-byte block, under AVX2.
    #[inline(never)]
    pub(super) fn classify(simd: V3, block: &[u8; 64], at: u8) -> Block {
        simd.vectorize(Classify { simd, block, at })
    }
}

/// The same classes, a byte at a time (the reference the tests hold the
/// vector code to).
#[cfg(test)]
pub(crate) fn classify_scalar(b: &[u8; 64], with_at: bool) -> Block {
    let mut out = Block::default();
    for (i, &c) in b.iter().enumerate() {
        let bit = 1u64 << i;
        let set = |m: &mut u64, yes: bool| {
            if yes {
                *m |= bit;
            }
        };
        set(&mut out.sep, SEPARATORS.contains(&c));
        set(
            &mut out.mark,
            matches!(c, b'.' | b':' | b'=') || (with_at && c == b'@'),
        );
        set(&mut out.colon, c == b':');
        set(&mut out.hex, c.is_ascii_hexdigit());
        set(&mut out.backslash, c == b'\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_value_is_classed_as_the_scalar_table_does() {
        for start in (0..256).step_by(64) {
            let mut b = [0u8; 64];
            for (i, x) in b.iter_mut().enumerate() {
                *x = (start + i) as u8;
            }
            assert_eq!(
                classify(&b, b'@'),
                classify_scalar(&b, true),
                "bytes {start}.."
            );
        }
    }

    /// Each classifier this CPU runs, with and without `@`: the SSE one
    /// always, the AVX2 one where the CPU has it (said so where it has
    /// not).
    fn classifiers() -> Vec<(Classifier, bool)> {
        let mut all = Vec::new();
        for with_at in [true, false] {
            all.push((Classifier::new(Simd::Sse, with_at), with_at));
            match Classifier::detect(with_at) {
                Classifier {
                    simd: Simd::Sse, ..
                } => {
                    eprintln!("this CPU has no AVX2: its classifier is not tested here");
                }
                other => all.push((other, with_at)),
            }
        }
        all
    }

    #[test]
    fn every_classifier_classes_every_byte_value_at_every_place() {
        for (c, with_at) in classifiers() {
            for shift in 0..64 {
                for start in (0..256).step_by(64) {
                    let mut b = [0u8; 64];
                    for (i, x) in b.iter_mut().enumerate() {
                        *x = (start + (i + shift) % 64) as u8;
                    }
                    assert_eq!(
                        c.classify(&b),
                        classify_scalar(&b, with_at),
                        "{c:?}, bytes {start}.. turned by {shift}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn blocks_agree_with_the_scalar_table(v in proptest::collection::vec(proptest::prelude::any::<u8>(), 64)) {
            let b: [u8; 64] = v.try_into().expect("64 bytes");
            for (c, with_at) in classifiers() {
                proptest::prop_assert_eq!(c.classify(&b), classify_scalar(&b, with_at));
            }
        }
    }
}
