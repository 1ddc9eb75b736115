//! Sigma's regular expressions are PCRE's, where `\d`, `\s`, `\w` (and
//! `\D`, `\S`, `\W`, and the word boundary `\b`, `\B`) know only ASCII
//! ("In PCRE, \d, \D, \s, \S, \w, and \W recognize only ASCII
//! characters", pcresyntax(3), without the UCP option). Rust's `regex`
//! gives them their Unicode meaning, which matches more and makes a
//! pattern such as `\w{1,64}` an automaton of megabytes, tens of
//! milliseconds to build. [`ascii_classes`] writes them as the ASCII
//! classes they are in PCRE; everything else is left as written.

/// `re` with its Perl classes and word boundaries written as PCRE reads
/// them; `boundaries` also rewrites `\b` / `\B` (the `regex` crate's
/// syntax: `(?-u:\b)`), which fancy-regex does not read.
pub(crate) fn ascii_classes(re: &str, boundaries: bool) -> String {
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars().peekable();
    // Inside `[…]`: how deep (POSIX `[:…:]` does not count), and whether
    // the next char is the first of the class (where `]` is literal).
    let mut depth = 0usize;
    let mut first = false;
    while let Some(c) = chars.next() {
        let was_first = std::mem::take(&mut first);
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let class = match e {
                    'd' => Some(("digit", false)),
                    'D' => Some(("digit", true)),
                    's' => Some(("space", false)),
                    'S' => Some(("space", true)),
                    'w' => Some(("word", false)),
                    'W' => Some(("word", true)),
                    _ => None,
                };
                match (class, depth) {
                    (Some((name, neg)), 0) => {
                        out.push_str(if neg { "[[:^" } else { "[[:" });
                        out.push_str(name);
                        out.push_str(":]]");
                    }
                    (Some((name, neg)), _) => {
                        out.push_str(if neg { "[:^" } else { "[:" });
                        out.push_str(name);
                        out.push_str(":]");
                    }
                    (None, 0) if boundaries && (e == 'b' || e == 'B') => {
                        out.push_str("(?-u:\\");
                        out.push(e);
                        out.push(')');
                    }
                    (None, _) => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' => {
                if depth > 0 && chars.peek() == Some(&':') {
                    // A POSIX class inside a class: copied to its `:]`.
                    out.push('[');
                    for p in chars.by_ref() {
                        out.push(p);
                        if p == ']' {
                            break;
                        }
                    }
                    continue;
                }
                depth += 1;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                first = true;
            }
            ']' if depth > 0 && !was_first => {
                depth -= 1;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ascii_classes;

    #[test]
    fn perl_classes_become_ascii_ones() {
        for (re, want) in [
            (r"-k\s\w{1,64}", r"-k[[:space:]][[:word:]]{1,64}"),
            (
                r"\d+\D\S\W",
                r"[[:digit:]]+[[:^digit:]][[:^space:]][[:^word:]]",
            ),
            (r"[\w.-]+", r"[[:word:].-]+"),
            (r"[^\\\s]", r"[^\\[:space:]]"),
            (r"\\w", r"\\w"),
            (r"[]\w]", r"[][:word:]]"),
            (r"[[:alpha:]\d]x\w", r"[[:alpha:][:digit:]]x[[:word:]]"),
            (r"\bcmd\B", r"(?-u:\b)cmd(?-u:\B)"),
            (r"[\b]", r"[\b]"),
            (r"a\.b\\", r"a\.b\\"),
            ("trailing\\", "trailing\\"),
        ] {
            assert_eq!(ascii_classes(re, true), want, "{re}");
        }
        assert_eq!(ascii_classes(r"\b\w", false), r"\b[[:word:]]");
    }

    #[test]
    fn the_rewritten_regex_matches_as_pcre_does() {
        let m = |re: &str, s: &str| {
            crate::matcher::plain_regex(&ascii_classes(re, true))
                .expect("a regex")
                .is_match(s)
        };
        assert!(m(r"^-k\s\w{1,64}$", "-k netsvcs"));
        // PCRE's \w is ASCII: a Unicode letter is not a word character.
        assert!(!m(r"^\w+$", "café"));
        assert!(m(r"^\W$", "é"));
        assert!(m(r"^\d$", "7"));
        assert!(!m(r"^\d$", "٧"));
        assert!(m(r"\bcmd\b", "run cmd now"));
        assert!(!m(r"\bcmd\b", "runcmdnow"));
    }
}
