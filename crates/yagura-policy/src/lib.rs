//! The one place that decides who may receive what. Every path by which an
//! object leaves the hub (TAXII, REST, UI, `export`, federation) builds a
//! [`Subject`] for the object and a [`Recipient`] for the party and asks
//! [`decide`]; the answer, with its reason, goes to the audit log
//! ([`audit`]) before anything is serialized.
//!
//! The rules, in order (FIRST TLP 2.0 as the design reads it for a hub):
//! 1. Residency: an object restricted to jurisdictions (a Yagura sharing
//!    marking, or the residency recorded at import) reaches only parties in
//!    one of them; a party with no known jurisdiction is outside.
//! 2. The producer always receives its own objects.
//! 3. An object that references a marking definition the hub does not hold
//!    is refused: the marking may restrict it in ways the hub cannot see.
//! 4. TLP:CLEAR reaches anyone. TLP:GREEN reaches members of the hub's
//!    community (and federated peers marked as community members), never
//!    the public. TLP:AMBER and TLP:AMBER+STRICT reach the organizations in
//!    the collection's audience and are never forwarded to peers (the hub
//!    releases to an organization; AMBER's "and its clients" is the
//!    recipient's own onward duty). TLP:RED reaches only the organizations
//!    named as recipients by a sharing marking, and is never forwarded.
//!
//! Pure: no I/O.

// Only the binary prints.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod audit;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use yagura_core::{Channel, CollectionId, Jurisdiction, ObjectMeta, Org, OrgId, StoredObject};
use yagura_stix::marking::{Sharing, sharing_of, tlp_of};
use yagura_stix::{ObjectHead, StixObject, Tlp};

/// Hub-wide settings the policy applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubPolicy {
    /// The TLP of objects that carry none (AMBER unless configured).
    pub default_tlp: Tlp,
}

impl Default for HubPolicy {
    fn default() -> Self {
        Self {
            default_tlp: Tlp::Amber,
        }
    }
}

/// The marking definitions the hub holds: which ids are known, which are
/// TLP levels and which restrict residency or recipients.
#[derive(Debug, Clone, Default)]
pub struct Markings {
    known: HashSet<String>,
    tlp: HashMap<String, Tlp>,
    sharing: HashMap<String, Sharing>,
}

impl Markings {
    /// No marking definitions but the predefined TLP ones.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a marking definition (other objects are ignored).
    pub fn add(&mut self, marking: &StixObject) {
        if marking.object_type() != "marking-definition" {
            return;
        }
        let Some(id) = marking.id() else { return };
        self.known.insert(id.to_owned());
        if let Some(t) = tlp_of(marking) {
            self.tlp.insert(id.to_owned(), t);
        }
        if let Some(s) = sharing_of(marking) {
            self.sharing.insert(id.to_owned(), s);
        }
    }

    /// The Yagura sharing restriction of a marking id, if it is one.
    pub fn sharing(&self, id: &str) -> Option<&Sharing> {
        self.sharing.get(id)
    }

    fn tlp(&self, id: &str) -> Option<Tlp> {
        Tlp::from_marking_id(id).or_else(|| self.tlp.get(id).copied())
    }

    fn is_known(&self, id: &str) -> bool {
        Tlp::from_marking_id(id).is_some() || self.known.contains(id)
    }
}

/// An object as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The object's id.
    pub id: String,
    /// Its version (`modified`, else `created`, else empty).
    pub version: String,
    /// Its producer organization.
    pub producer: Option<OrgId>,
    /// Its effective TLP: the most restrictive of its markings and what was
    /// recorded at import, else the hub default (CLEAR for marking and
    /// extension definitions, which only describe handling).
    pub tlp: Tlp,
    /// Where it may be held, if restricted (empty: nowhere).
    pub residency: Option<BTreeSet<Jurisdiction>>,
    /// Who may receive it at TLP:RED, if named.
    pub recipients: Option<BTreeSet<OrgId>>,
    /// The collection it belongs to.
    pub collection: Option<CollectionId>,
    /// Marking definitions it references that the hub does not hold.
    pub unresolved: Vec<String>,
}

/// Intersects an optional restriction with another (`None` is no restriction).
fn restrict<T: Ord + Clone>(acc: &mut Option<BTreeSet<T>>, more: BTreeSet<T>) {
    *acc = Some(match acc.take() {
        Some(a) => a.intersection(&more).cloned().collect(),
        None => more,
    });
}

impl Subject {
    /// The subject for a stored object.
    pub fn of(stored: &StoredObject, markings: &Markings, hub: &HubPolicy) -> Self {
        let o = &stored.object;
        let refs = o
            .get("object_marking_refs")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str());
        let parts = (
            o.id().unwrap_or_default(),
            o.object_type(),
            o.version_text(),
        );
        Self::of_parts(parts, refs, &stored.meta, markings, hub)
    }

    /// The subject for an object known by its head (id, type, version,
    /// markings) and what the hub recorded about it.
    pub fn of_head(
        head: &ObjectHead,
        meta: &ObjectMeta,
        markings: &Markings,
        hub: &HubPolicy,
    ) -> Self {
        let parts = (
            head.id.as_str(),
            head.object_type.as_str(),
            head.version_text(),
        );
        let refs = head.object_marking_refs.iter().map(String::as_str);
        Self::of_parts(parts, refs, meta, markings, hub)
    }

    /// The subject from an object's id, type and version, its marking
    /// references, and what the hub recorded about it (borrowed: the
    /// export path calls it once per object).
    fn of_parts<'a>(
        (id, object_type, version): (&str, &str, &str),
        refs: impl Iterator<Item = &'a str>,
        meta: &ObjectMeta,
        markings: &Markings,
        hub: &HubPolicy,
    ) -> Self {
        let mut tlp = meta.tlp;
        let mut residency: Option<BTreeSet<Jurisdiction>> =
            meta.residency.as_ref().map(|r| r.iter().cloned().collect());
        let mut recipients: Option<BTreeSet<OrgId>> = None;
        let mut unresolved = Vec::new();
        for r in refs {
            if !markings.is_known(r) {
                unresolved.push(r.to_owned());
                continue;
            }
            if let Some(t) = markings.tlp(r) {
                tlp = Some(tlp.map_or(t, |have| have.max(t)));
            }
            if let Some(s) = markings.sharing(r) {
                if let Some(list) = &s.residency {
                    restrict(
                        &mut residency,
                        list.iter().filter_map(|j| j.parse().ok()).collect(),
                    );
                }
                if let Some(list) = &s.recipients {
                    restrict(
                        &mut recipients,
                        list.iter().filter_map(|n| n.parse().ok()).collect(),
                    );
                }
            }
        }
        let tlp = tlp.unwrap_or(
            if matches!(object_type, "marking-definition" | "extension-definition") {
                Tlp::Clear
            } else {
                hub.default_tlp
            },
        );
        Self {
            id: id.to_owned(),
            version: version.to_owned(),
            producer: meta.producer.clone(),
            tlp,
            residency,
            recipients,
            collection: meta.collection.clone(),
            unresolved,
        }
    }
}

/// Who is to receive an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The organization, or `None` for the public (anyone).
    pub org: Option<OrgId>,
    /// Where the recipient is; `None` is unknown, outside every residency.
    pub jurisdiction: Option<Jurisdiction>,
    /// Whether it is a member of the hub's community.
    pub community: bool,
}

impl Recipient {
    /// The public: no organization, no jurisdiction, not in the community.
    pub fn public() -> Self {
        Self {
            org: None,
            jurisdiction: None,
            community: false,
        }
    }

    /// A registered organization.
    pub fn org(org: &Org) -> Self {
        Self {
            org: Some(org.name.clone()),
            jurisdiction: Some(org.jurisdiction.clone()),
            community: org.community,
        }
    }

    /// How the audit log names the recipient.
    pub fn label(&self) -> String {
        self.org
            .as_ref()
            .map_or_else(|| "public".to_owned(), ToString::to_string)
    }
}

/// Why an object was released or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The recipient produced it.
    Producer,
    /// TLP:CLEAR.
    Clear,
    /// TLP:GREEN to a community member.
    Community,
    /// TLP:AMBER(+STRICT) to an organization in the collection's audience.
    Audience,
    /// TLP:RED to a named recipient.
    NamedRecipient,
    /// Residency forbids the recipient's jurisdiction (or it is unknown).
    Residency {
        /// Where the object may be held.
        allowed: Vec<Jurisdiction>,
        /// Where the recipient is.
        recipient: Option<Jurisdiction>,
    },
    /// The object references marking definitions the hub does not hold.
    UnresolvedMarking(Vec<String>),
    /// TLP:GREEN, and the recipient is not a community member.
    NotCommunity,
    /// TLP:AMBER(+STRICT), and the recipient is not in the audience.
    NotInAudience(Tlp),
    /// TLP:RED, and the recipient is not named.
    NotNamed,
    /// TLP:AMBER(+STRICT) or RED is never forwarded to a peer hub.
    NotForwarded(Tlp),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Producer => f.write_str("the recipient produced it"),
            Self::Clear => f.write_str("TLP:CLEAR"),
            Self::Community => f.write_str("TLP:GREEN to a community member"),
            Self::Audience => f.write_str("TLP:AMBER to the collection's audience"),
            Self::NamedRecipient => f.write_str("TLP:RED to a named recipient"),
            Self::Residency { allowed, recipient } => {
                let allowed: Vec<&str> = allowed.iter().map(Jurisdiction::as_str).collect();
                write!(
                    f,
                    "residency {} excludes {}",
                    if allowed.is_empty() {
                        "(nowhere)".to_owned()
                    } else {
                        allowed.join(",")
                    },
                    recipient
                        .as_ref()
                        .map_or("an unknown jurisdiction", Jurisdiction::as_str)
                )
            }
            Self::UnresolvedMarking(ids) => {
                write!(f, "unknown marking definition {}", ids.join(", "))
            }
            Self::NotCommunity => f.write_str("TLP:GREEN to a party outside the community"),
            Self::NotInAudience(t) => write!(f, "{t} to an organization outside the audience"),
            Self::NotNamed => f.write_str("TLP:RED to an organization not named as recipient"),
            Self::NotForwarded(t) => write!(f, "{t} is never forwarded to peers"),
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the object may be released.
    pub allow: bool,
    /// Why.
    pub reason: Reason,
}

impl Decision {
    fn allow(reason: Reason) -> Self {
        Self {
            allow: true,
            reason,
        }
    }

    fn refuse(reason: Reason) -> Self {
        Self {
            allow: false,
            reason,
        }
    }
}

/// Whether `subject` may go to `recipient` by `channel`, given the audience
/// of the subject's collection (empty when it has none).
pub fn decide(
    subject: &Subject,
    recipient: &Recipient,
    channel: Channel,
    audience: &[OrgId],
) -> Decision {
    if let Some(allowed) = &subject.residency {
        let inside = recipient
            .jurisdiction
            .as_ref()
            .is_some_and(|j| allowed.contains(j));
        if !inside {
            return Decision::refuse(Reason::Residency {
                allowed: allowed.iter().cloned().collect(),
                recipient: recipient.jurisdiction.clone(),
            });
        }
    }
    let org = recipient.org.as_ref();
    if org.is_some() && org == subject.producer.as_ref() {
        return Decision::allow(Reason::Producer);
    }
    if !subject.unresolved.is_empty() {
        return Decision::refuse(Reason::UnresolvedMarking(subject.unresolved.clone()));
    }
    match subject.tlp {
        Tlp::Clear => Decision::allow(Reason::Clear),
        Tlp::Green if recipient.community => Decision::allow(Reason::Community),
        Tlp::Green => Decision::refuse(Reason::NotCommunity),
        t if channel == Channel::Federation => Decision::refuse(Reason::NotForwarded(t)),
        Tlp::Amber | Tlp::AmberStrict => {
            if org.is_some_and(|o| audience.contains(o)) {
                Decision::allow(Reason::Audience)
            } else {
                Decision::refuse(Reason::NotInAudience(subject.tlp))
            }
        }
        Tlp::Red => {
            let named = subject
                .recipients
                .as_ref()
                .is_some_and(|r| org.is_some_and(|o| r.contains(o)));
            if named {
                Decision::allow(Reason::NamedRecipient)
            } else {
                Decision::refuse(Reason::NotNamed)
            }
        }
    }
}

#[cfg(test)]
mod tests;
