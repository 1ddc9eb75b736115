//! An event's observables as STIX observed data, for compound patterns:
//! each address, domain, URL, email, hash, file name, user, registry key
//! and mutex of the event becomes a cyber-observable object, and a
//! `network-traffic` object joins the source and destination addresses
//! and ports (told by field names: `src`, `source`, `orig`, `client` /
//! `dst`, `dest`, `resp`, `server`). The `yagura-stix` matcher then
//! evaluates the pattern on this one observation: a compound pattern is
//! judged event by event (qualifiers across several events, such as
//! `REPEATS` or `FOLLOWEDBY` over two log lines, do not match).

use serde_json::{Map, Value, json};
use yagura_stix::Timestamp;
use yagura_stix::pattern::{Matcher, Observations, StixVersion, ValueKind};

/// The observables of one event, collected as its fields are read.
#[derive(Debug, Default)]
pub struct Observed {
    values: Vec<(Side, ValueKind, String)>,
    ports: [Option<u64>; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Source,
    Destination,
    Neither,
}

fn side(name: &str) -> Side {
    let n = name.to_ascii_lowercase();
    let last = n.rsplit(['.', '_']).next().unwrap_or(&n);
    let has = |w: &[&str]| w.iter().any(|w| n.contains(w));
    if has(&["src", "source", "orig", "client"]) || last == "s" {
        Side::Source
    } else if has(&["dst", "dest", "resp", "server", "remote"]) || last == "d" {
        Side::Destination
    } else {
        Side::Neither
    }
}

impl Observed {
    /// Forgets the last event.
    pub fn clear(&mut self) {
        self.values.clear();
        self.ports = [None, None];
    }

    /// One observable of the event.
    pub fn add(&mut self, field: &str, kind: ValueKind, value: &str) {
        self.values
            .push((side(field), kind, value.trim().to_owned()));
    }

    /// A field that may be a port (`dst_port`, `id.resp_p`, `dpt`).
    pub fn port(&mut self, field: &str, value: &str) {
        let n = field.to_ascii_lowercase();
        let is_port = n.ends_with("port") || n.ends_with("_p") || n == "dpt" || n == "spt";
        let Ok(p) = value.parse::<u64>() else { return };
        if !is_port || p > 65535 {
            return;
        }
        let slot = match (n.as_str(), side(&n)) {
            ("spt", _) | (_, Side::Source) => 0,
            ("dpt", _) | (_, Side::Destination) => 1,
            _ => return,
        };
        self.ports[slot].get_or_insert(p);
    }

    /// Whether `m` matches this event seen at `time` (the log's text;
    /// ISO 8601 or Unix seconds, else the epoch).
    pub fn matches(&self, m: &Matcher, time: Option<&str>) -> bool {
        let bundle = self.bundle(time);
        let items = [bundle];
        match Observations::new(&items, StixVersion::V2_1) {
            Ok(obs) => m.matches(&obs).unwrap_or(false),
            Err(_) => false,
        }
    }

    fn bundle(&self, time: Option<&str>) -> Value {
        let at = time
            .and_then(stix_time)
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let mut objects: Vec<Value> = Vec::new();
        let mut refs: Vec<Value> = Vec::new();
        let mut ends: [Option<String>; 2] = [None, None];
        for (n, (side, kind, value)) in self.values.iter().enumerate() {
            let id = |t: &str| format!("{t}--00000000-0000-4000-8000-{n:012}");
            let (ty, props): (&str, Map<String, Value>) = match kind {
                ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Cidr => {
                    let ty = if value.contains(':') {
                        "ipv6-addr"
                    } else {
                        "ipv4-addr"
                    };
                    (ty, obj(json!({"value": value})))
                }
                ValueKind::Domain => ("domain-name", obj(json!({"value": value}))),
                ValueKind::Url => ("url", obj(json!({"value": value}))),
                ValueKind::Email => ("email-addr", obj(json!({"value": value}))),
                ValueKind::Md5 => ("file", obj(json!({"hashes": {"MD5": value}}))),
                ValueKind::Sha1 => ("file", obj(json!({"hashes": {"SHA-1": value}}))),
                ValueKind::Sha256 => ("file", obj(json!({"hashes": {"SHA-256": value}}))),
                ValueKind::Sha512 => ("file", obj(json!({"hashes": {"SHA-512": value}}))),
                ValueKind::FileName => ("file", obj(json!({"name": value}))),
                ValueKind::Mutex => ("mutex", obj(json!({"name": value}))),
                ValueKind::RegistryKey => ("windows-registry-key", obj(json!({"key": value}))),
                ValueKind::UserAccount => ("user-account", obj(json!({"account_login": value}))),
                ValueKind::Mac => ("mac-addr", obj(json!({"value": value}))),
                ValueKind::Asn => (
                    "autonomous-system",
                    obj(json!({"number": value.parse::<u64>().unwrap_or(0)})),
                ),
                ValueKind::UserAgent => (
                    "network-traffic",
                    obj(
                        json!({"protocols": ["http"], "extensions": {"http-request-ext": {
                        "request_method": "get", "request_value": "/",
                        "request_header": {"User-Agent": value}}}}),
                    ),
                ),
            };
            let id = id(ty);
            if matches!(ty, "ipv4-addr" | "ipv6-addr" | "domain-name") {
                let slot = match side {
                    Side::Source => Some(0),
                    Side::Destination => Some(1),
                    Side::Neither => None,
                };
                if let Some(s) = slot {
                    ends[s].get_or_insert_with(|| id.clone());
                }
            }
            let mut o = props;
            o.insert("type".into(), ty.into());
            o.insert("spec_version".into(), "2.1".into());
            o.insert("id".into(), id.clone().into());
            refs.push(id.into());
            objects.push(Value::Object(o));
        }
        if ends.iter().any(Option::is_some) || self.ports.iter().any(Option::is_some) {
            let id = "network-traffic--00000000-0000-4000-8000-ffffffffffff";
            let mut o = obj(
                json!({"type": "network-traffic", "spec_version": "2.1", "id": id,
                "protocols": ["ipv4"]}),
            );
            for (i, (r, p)) in [("src_ref", "src_port"), ("dst_ref", "dst_port")]
                .into_iter()
                .enumerate()
            {
                if let Some(e) = &ends[i] {
                    o.insert(r.into(), e.clone().into());
                }
                if let Some(port) = self.ports[i] {
                    o.insert(p.into(), port.into());
                }
            }
            refs.push(id.into());
            objects.push(Value::Object(o));
        }
        objects.push(json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": "observed-data--00000000-0000-4000-8000-000000000000",
            "created": at, "modified": at, "first_observed": at, "last_observed": at,
            "number_observed": 1, "object_refs": refs,
        }));
        json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects})
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A log's time as a STIX timestamp: ISO 8601 (`Z` or an offset, `T` or a
/// space) or Unix seconds with a fraction.
pub fn stix_time(t: &str) -> Option<String> {
    let t = t.trim();
    if let Ok(ts) = Timestamp::parse(t) {
        return Some(ts.to_string());
    }
    if let Ok(z) = t.replace(' ', "T").parse::<jiff::Timestamp>() {
        return Some(format!("{}Z", z.strftime("%Y-%m-%dT%H:%M:%S%.3f")));
    }
    if let Ok(secs) = t.parse::<f64>()
        && secs.is_finite()
        && (0.0..253_402_300_800.0).contains(&secs)
    {
        #[allow(clippy::cast_possible_truncation)]
        let ms = (secs * 1000.0) as i64;
        let z = jiff::Timestamp::from_millisecond(ms).ok()?;
        return Some(format!("{}Z", z.strftime("%Y-%m-%dT%H:%M:%S%.3f")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use yagura_stix::pattern::Pattern;

    fn m(p: &str) -> Matcher {
        Pattern::parse(p, StixVersion::V2_1)
            .expect("pattern")
            .matcher()
            .expect("matcher")
    }

    #[test]
    fn compound_patterns_are_judged_on_the_event() {
        let mut o = Observed::default();
        o.add("destination.ip", ValueKind::Ipv4, "198.51.100.7");
        o.add("source.ip", ValueKind::Ipv4, "10.0.0.5");
        o.port("destination.port", "443");
        let t = Some("2026-11-30T10:00:00Z");
        assert!(o.matches(&m("[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]"), t));
        assert!(!o.matches(
            &m(
                "[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 80]"
            ),
            t
        ));
        assert!(!o.matches(&m("[network-traffic:src_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]"), t));
        // Two observation expressions need two observations: one event is one.
        assert!(!o.matches(
            &m("[ipv4-addr:value = '198.51.100.7'] AND [ipv4-addr:value = '10.0.0.5']"),
            t
        ));
        assert!(o.matches(&m("[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:src_ref.value = '10.0.0.5']"), t));
        assert!(o.matches(&m("[ipv4-addr:value = '198.51.100.7'] START t'2026-11-30T00:00:00Z' STOP t'2026-12-01T00:00:00Z'"), t));
        assert!(!o.matches(&m("[ipv4-addr:value = '198.51.100.7'] START t'2025-01-01T00:00:00Z' STOP t'2025-01-02T00:00:00Z'"), t));
    }

    #[test]
    fn log_times_become_stix_times() {
        assert_eq!(
            stix_time("2026-11-30T10:00:00Z").as_deref(),
            Some("2026-11-30T10:00:00Z")
        );
        assert_eq!(
            stix_time("2026-11-30 10:00:00+09:00").as_deref(),
            Some("2026-11-30T01:00:00.000Z")
        );
        assert_eq!(
            stix_time("1591367999.305988").as_deref(),
            Some("2020-06-05T14:39:59.305Z")
        );
        assert_eq!(stix_time("yesterday"), None);
        assert_eq!(stix_time("-5"), None);
    }
}
