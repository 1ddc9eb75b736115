//! JSON canonicalization (RFC 8785, "JCS"): keys sorted by UTF-16 code
//! units, no white space, numbers in their shortest ECMAScript form, strings
//! with only the escapes JSON requires.

use std::fmt::Write as _;

use serde_json::Value;

/// The canonical text of `v`.
pub(crate) fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(&mut out, v);
    out
}

fn write(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                write_f64(out, n.as_f64().unwrap_or(0.0));
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write(out, &map[k.as_str()]);
            }
            out.push('}');
        }
    }
}

/// ECMAScript Number.prototype.toString for finite doubles.
fn write_f64(out: &mut String, x: f64) {
    if x == 0.0 {
        out.push('0');
        return;
    }
    let abs = x.abs();
    if (1e-6..1e21).contains(&abs) {
        // Shortest round-trip digits, without exponent in this range.
        let s = format!("{x}");
        out.push_str(s.strip_suffix(".0").unwrap_or(&s));
    } else {
        // Exponent form: d.ddde+N / e-N.
        let s = format!("{x:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp >= 0 { "+" } else { "-" };
        let _ = write!(out, "{mantissa}e{sign}{}", exp.abs());
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn rfc8785_examples() {
        let v = json!({"numbers": [333_333_333.333_333_3, 1e30, 4.5, 0.002, 1e-27], "string": "€$\u{000f}\nA'B\"\\\\\"/", "literals": [null, true, false]});
        assert_eq!(
            super::to_string(&v),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
        let keys = json!({"\u{20ac}": 1, "\r": 2, "\u{fb33}": 3, "1": 4, "\u{1f600}": 5, "\u{0080}": 6, "\u{00f6}": 7});
        assert_eq!(
            super::to_string(&keys),
            "{\"\\r\":2,\"1\":4,\"\u{80}\":6,\"ö\":7,\"€\":1,\"😀\":5,\"דּ\":3}"
        );
    }
}
