//! A rule's `detection` section: named search identifiers (selections),
//! each a map of field matches (ANDed), a list of such maps (ORed) or a
//! list of keywords, plus the condition. Field names carry their value
//! modifiers (`CommandLine|contains|all`); string values are read into
//! literal pieces and Sigma's `*` / `?` wildcards (`\*`, `\?`, `\\` escape
//! them; any other backslash is itself).

use crate::condition::Condition;
use crate::yaml::Yaml;

/// One piece of a string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Characters matched as they are.
    Lit(String),
    /// `*`: any run of characters.
    Any,
    /// `?`: one character.
    One,
}

/// A value to match.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string, as pieces (a plain string is one literal piece).
    Str(Vec<Piece>),
    /// A number (matched as its text, or compared with `gt`…).
    Num(f64, String),
    /// A boolean.
    Bool(bool),
    /// `null`: the field is absent or empty.
    Null,
}

impl Value {
    fn of(y: &Yaml, raw: bool) -> Option<Value> {
        Some(match y {
            Yaml::Str(s) if raw => Value::Str(vec![Piece::Lit(s.clone())]),
            Yaml::Str(s) => Value::Str(pieces(s)),
            Yaml::Int(i) => Value::Num(*i as f64, i.to_string()),
            Yaml::Float(f) => Value::Num(*f, f.to_string()),
            Yaml::Bool(b) => Value::Bool(*b),
            Yaml::Null => Value::Null,
            Yaml::Seq(_) | Yaml::Map(_) => return None,
        })
    }
}

/// Sigma's wildcards in a string value.
fn pieces(s: &str) -> Vec<Piece> {
    // Most values have no wildcard and no escape: one literal, copied
    // whole rather than char by char.
    let Some(first) = memchr::memchr3(b'\\', b'*', b'?', s.as_bytes()) else {
        return vec![Piece::Lit(s.to_owned())];
    };
    let mut out = Vec::new();
    let mut lit = String::with_capacity(s.len());
    lit.push_str(&s[..first]);
    let mut chars = s[first..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&e @ ('*' | '?' | '\\')) => {
                    lit.push(e);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(if c == '*' { Piece::Any } else { Piece::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() || out.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

/// A value modifier (the Sigma specification's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    /// `contains`
    Contains,
    /// `startswith`
    StartsWith,
    /// `endswith`
    EndsWith,
    /// `all`: every value, not any.
    All,
    /// `base64`
    Base64,
    /// `base64offset`
    Base64Offset,
    /// `utf16le` / `wide`
    Utf16Le,
    /// `utf16be`
    Utf16Be,
    /// `utf16` (with a byte-order mark)
    Utf16,
    /// `windash`: `-` also as `/`, `–`, `—`, `―`.
    Windash,
    /// `re`: a regular expression.
    Re,
    /// `i`: with `re`, case-insensitive.
    ReIgnoreCase,
    /// `m`: with `re`, multi-line.
    ReMultiLine,
    /// `s`: with `re`, `.` matches a line end.
    ReDotAll,
    /// `cidr`: an address in the network.
    Cidr,
    /// `exists`: the field is there (`true`) or not (`false`).
    Exists,
    /// `cased`: case-sensitive.
    Cased,
    /// `fieldref`: equal to another field's value.
    FieldRef,
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `expand`: `%placeholder%` values from the pipeline.
    Expand,
}

impl Modifier {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "contains" => Self::Contains,
            "startswith" => Self::StartsWith,
            "endswith" => Self::EndsWith,
            "all" => Self::All,
            "base64" => Self::Base64,
            "base64offset" => Self::Base64Offset,
            "utf16le" | "wide" => Self::Utf16Le,
            "utf16be" => Self::Utf16Be,
            "utf16" => Self::Utf16,
            "windash" => Self::Windash,
            "re" => Self::Re,
            "i" => Self::ReIgnoreCase,
            "m" => Self::ReMultiLine,
            "s" => Self::ReDotAll,
            "cidr" => Self::Cidr,
            "exists" => Self::Exists,
            "cased" => Self::Cased,
            "fieldref" => Self::FieldRef,
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            "expand" => Self::Expand,
            _ => return None,
        })
    }
}

/// One `field|modifiers: values` item.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMatch {
    /// The field name (empty for a keyword search with modifiers).
    pub field: String,
    /// The modifiers, in the rule's order.
    pub modifiers: Vec<Modifier>,
    /// The values: any of them matches, or all with `all`.
    pub values: Vec<Value>,
}

impl FieldMatch {
    /// Whether the item has `m`.
    pub fn has(&self, m: Modifier) -> bool {
        self.modifiers.contains(&m)
    }
}

/// A search identifier's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Maps of field matches: every item of one map holds (AND), and any
    /// map does (OR; a single map is a list of one).
    Maps(Vec<Vec<FieldMatch>>),
    /// Keywords: any of the values appears in the event (or all, with
    /// `|all`).
    Keywords(FieldMatch),
}

/// The detection section.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The search identifiers, in the rule's order.
    pub selections: Vec<(String, Selection)>,
    /// The condition (several conditions are ORed).
    pub condition: Condition,
}

/// Reads one search identifier's body; `at` names it in errors.
pub(crate) fn selection(y: &Yaml, at: &str) -> Result<Selection, String> {
    match y {
        // `'|all': [a, b]`: keywords with modifiers, all of them in the
        // event.
        Yaml::Map(m) if m.len() == 1 && m[0].0.starts_with('|') => {
            let mut items = field_map(m, at)?;
            Ok(Selection::Keywords(items.remove(0)))
        }
        Yaml::Map(m) => Ok(Selection::Maps(vec![field_map(m, at)?])),
        Yaml::Seq(items)
            if items.iter().all(|i| matches!(i, Yaml::Map(_))) && !items.is_empty() =>
        {
            let mut maps = Vec::new();
            for (n, i) in items.iter().enumerate() {
                if let Yaml::Map(m) = i {
                    maps.push(field_map(m, &format!("{at}[{n}]"))?);
                }
            }
            Ok(Selection::Maps(maps))
        }
        Yaml::Seq(items) => {
            let mut values = Vec::new();
            for (n, i) in items.iter().enumerate() {
                values.push(Value::of(i, false).ok_or_else(|| {
                    format!(
                        "{at}[{n}]: a keyword list holds strings or numbers, not {}",
                        i.kind()
                    )
                })?);
            }
            Ok(Selection::Keywords(FieldMatch {
                field: String::new(),
                modifiers: Vec::new(),
                values,
            }))
        }
        Yaml::Str(_) | Yaml::Int(_) | Yaml::Float(_) => Ok(Selection::Keywords(FieldMatch {
            field: String::new(),
            modifiers: Vec::new(),
            values: Value::of(y, false).into_iter().collect(),
        })),
        other => Err(format!(
            "{at}: a search identifier is a mapping or a list, not {}",
            other.kind()
        )),
    }
}

fn field_map(m: &[(String, Yaml)], at: &str) -> Result<Vec<FieldMatch>, String> {
    let mut out = Vec::with_capacity(m.len());
    for (key, v) in m {
        // Where, for an error (made only then).
        let here = || format!("{at}.{key}");
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default().to_owned();
        if field.is_empty() && m.len() > 1 {
            return Err(format!(
                "{}: a keyword search (a key with modifiers only) stands alone in its selection",
                here()
            ));
        }
        let mut modifiers = Vec::new();
        for p in parts {
            let m =
                Modifier::parse(p).ok_or_else(|| format!("{}: unknown modifier `{p}`", here()))?;
            modifiers.push(m);
        }
        check_modifiers(&modifiers).map_err(|e| format!("{}: {e}", here()))?;
        let raw = modifiers.contains(&Modifier::Re);
        let values = match v {
            Yaml::Seq(items) => {
                let mut vs = Vec::with_capacity(items.len());
                for (n, i) in items.iter().enumerate() {
                    vs.push(Value::of(i, raw).ok_or_else(|| {
                        format!("{}[{n}]: a value is a scalar, not {}", here(), i.kind())
                    })?);
                }
                vs
            }
            Yaml::Map(_) => {
                return Err(format!(
                    "{}: a value is a scalar or a list, not a mapping",
                    here()
                ));
            }
            scalar => Value::of(scalar, raw).into_iter().collect(),
        };
        if values.is_empty() {
            return Err(format!("{}: an empty list of values", here()));
        }
        if modifiers.contains(&Modifier::Exists)
            && !values.iter().all(|v| matches!(v, Value::Bool(_)))
        {
            return Err(format!("{}: `exists` takes true or false", here()));
        }
        out.push(FieldMatch {
            field,
            modifiers,
            values,
        });
    }
    Ok(out)
}

/// The combinations the specification rules out.
fn check_modifiers(m: &[Modifier]) -> Result<(), String> {
    use Modifier::*;
    let has = |x: Modifier| m.contains(&x);
    let string_ops = [Contains, StartsWith, EndsWith]
        .iter()
        .filter(|&&x| has(x))
        .count();
    if string_ops > 1 {
        return Err("`contains`, `startswith` and `endswith` exclude each other".into());
    }
    if has(Re) && (string_ops > 0 || has(Cidr) || has(Base64) || has(Base64Offset)) {
        return Err("`re` takes only `i`, `m`, `s` and `all`".into());
    }
    if (has(ReIgnoreCase) || has(ReMultiLine) || has(ReDotAll)) && !has(Re) {
        return Err("`i`, `m` and `s` go with `re`".into());
    }
    let numeric = [Gt, Gte, Lt, Lte].iter().filter(|&&x| has(x)).count();
    if numeric > 1 || (numeric == 1 && m.len() > 1) {
        return Err("`gt`, `gte`, `lt` and `lte` stand alone".into());
    }
    if has(Exists) && m.len() > 1 {
        return Err("`exists` stands alone".into());
    }
    if has(Base64) && has(Base64Offset) {
        return Err("`base64` and `base64offset` exclude each other".into());
    }
    if has(Cidr) && m.iter().any(|&x| !matches!(x, Cidr | All)) {
        return Err("`cidr` takes no other modifier".into());
    }
    for (i, x) in m.iter().enumerate() {
        if m[..i].contains(x) {
            return Err(format!("{x:?} is given twice").to_lowercase());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_escapes() {
        assert_eq!(pieces("abc"), vec![Piece::Lit("abc".into())]);
        assert_eq!(
            pieces(r"*\cmd.exe /c ?x"),
            vec![
                Piece::Any,
                Piece::Lit(r"\cmd.exe /c ".into()),
                Piece::One,
                Piece::Lit("x".into())
            ]
        );
        assert_eq!(pieces(r"a\*b\?c\\d"), vec![Piece::Lit(r"a*b?c\d".into())]);
        assert_eq!(pieces(""), vec![Piece::Lit(String::new())]);
    }

    #[test]
    fn field_items_with_modifiers() {
        let y = crate::yaml::documents(
            "Image|endswith: ['\\a.exe', '\\b.exe']\nCommandLine|contains|all: [x, y]\nEventID: 4688\n",
        )
        .expect("yaml")
        .remove(0);
        let Selection::Maps(maps) = selection(&y, "selection").expect("valid") else {
            panic!("maps");
        };
        assert_eq!(maps.len(), 1);
        assert_eq!(maps[0][0].modifiers, vec![Modifier::EndsWith]);
        assert_eq!(
            maps[0][1].modifiers,
            vec![Modifier::Contains, Modifier::All]
        );
        assert_eq!(maps[0][2].values, vec![Value::Num(4688.0, "4688".into())]);
    }

    #[test]
    fn bad_modifiers_are_named() {
        for (yaml, want) in [
            ("A|contians: x", "unknown modifier `contians`"),
            ("A|contains|endswith: x", "exclude each other"),
            ("A|i: x", "go with `re`"),
            ("A|re|contains: x", "`re` takes only"),
            ("A|exists: x", "`exists` takes true or false"),
            ("A: []", "an empty list"),
            ("A: {b: c}", "not a mapping"),
            ("'|all': [x]\nB: y", "stands alone"),
        ] {
            let y = crate::yaml::documents(yaml).expect("yaml").remove(0);
            let e = selection(&y, "sel").expect_err(yaml);
            assert!(e.contains(want) && e.starts_with("sel."), "{yaml}: {e}");
        }
    }
}
