//! The STIX 2.1 object catalogue as data: every type defined by the
//! specification, its category, its properties with their kinds, and the
//! open vocabularies (STIX 2.1 §10). [`crate::validate`] interprets it.

/// What kind of object a type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// STIX Domain Object.
    Sdo,
    /// STIX Relationship Object.
    Sro,
    /// STIX Cyber-observable Object.
    Sco,
    /// `marking-definition`.
    MarkingDefinition,
    /// `extension-definition`.
    ExtensionDefinition,
    /// `language-content`.
    LanguageContent,
    /// `bundle`.
    Bundle,
    /// A type the specification does not define.
    Custom,
}

/// The kind of value a property holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Any string.
    Str,
    /// An integer within bounds (inclusive).
    Int(Option<i64>, Option<i64>),
    /// A number within bounds (inclusive).
    Float(f64, f64),
    /// `true` / `false`.
    Bool,
    /// A STIX timestamp.
    Timestamp,
    /// A STIX timestamp with at least millisecond precision (2.1 `created`/`modified`).
    TimestampMillis,
    /// An identifier of one of these types (any type when empty).
    Ref(&'static [&'static str]),
    /// A non-empty list of identifiers of these types.
    RefList(&'static [&'static str]),
    /// A non-empty list of strings.
    StrList,
    /// A string from an open vocabulary (other values are a SHOULD warning).
    Vocab(&'static Vocab),
    /// A non-empty list from an open vocabulary.
    VocabList(&'static Vocab),
    /// A string from a closed list (other values are an error).
    Enum(&'static [&'static str]),
    /// A hashes dictionary (algorithm → value).
    Hashes,
    /// A non-empty list of kill chain phases.
    KillChainPhases,
    /// A non-empty list of external references.
    ExternalReferences,
    /// A non-empty list of granular markings.
    GranularMarkings,
    /// A dictionary.
    Dict,
    /// The `extensions` dictionary.
    Extensions,
    /// Base64 binary.
    Binary,
    /// Hex binary.
    Hex,
    /// A non-empty list of embedded objects with these properties.
    ObjectList(&'static [Prop]),
    /// An embedded object with these properties.
    Object(&'static [Prop]),
    /// Anything (schema-free).
    Any,
}

/// One property of a type.
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    /// The property name.
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Whether the specification requires it (STIX 2.1).
    pub required: bool,
}

/// A named open vocabulary.
#[derive(Debug)]
pub struct Vocab {
    /// Its name, e.g. `malware-type-ov`.
    pub name: &'static str,
    /// Its values.
    pub values: &'static [&'static str],
}

/// A type defined by the specification.
#[derive(Debug)]
pub struct TypeSpec {
    /// The type name.
    pub name: &'static str,
    /// Its category.
    pub category: Category,
    /// Its own properties (the common ones come from [`common_props`]).
    pub props: &'static [Prop],
}

const fn p(name: &'static str, kind: Kind) -> Prop {
    Prop {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: Kind) -> Prop {
    Prop {
        name,
        kind,
        required: true,
    }
}

use Kind::{
    Binary, Bool, Dict, Enum, Extensions, ExternalReferences, Float, GranularMarkings, Hashes, Hex,
    Int, KillChainPhases, Object, ObjectList, Ref, RefList, Str, StrList, Timestamp,
    TimestampMillis, Vocab as V, VocabList as VL,
};

/// Types an SRO may not link (STIX 2.1 §5.1: relationships link SDOs and SCOs).
pub const NOT_RELATABLE: &[&str] = &[
    "bundle",
    "language-content",
    "marking-definition",
    "relationship",
    "sighting",
];

/// Properties every SDO and SRO has. (`created_by_ref` names an identity;
/// like the OASIS validator, only its identifier form is checked.)
pub const COMMON_SDO: &[Prop] = &[
    req("type", Str),
    req("spec_version", Enum(&["2.0", "2.1"])),
    req("id", Ref(&[])),
    p("created_by_ref", Ref(&[])),
    req("created", TimestampMillis),
    req("modified", TimestampMillis),
    p("revoked", Bool),
    p("labels", StrList),
    p("confidence", Int(Some(0), Some(100))),
    p("lang", Str),
    p("external_references", ExternalReferences),
    p("object_marking_refs", RefList(&["marking-definition"])),
    p("granular_markings", GranularMarkings),
    p("extensions", Extensions),
];

/// Properties every SCO has.
pub const COMMON_SCO: &[Prop] = &[
    req("type", Str),
    p("spec_version", Enum(&["2.0", "2.1"])),
    req("id", Ref(&[])),
    p("object_marking_refs", RefList(&["marking-definition"])),
    p("granular_markings", GranularMarkings),
    p("defanged", Bool),
    p("extensions", Extensions),
];

/// Properties of a marking definition.
const MARKING_PROPS: &[Prop] = &[
    req("type", Str),
    req("spec_version", Enum(&["2.0", "2.1"])),
    req("id", Ref(&[])),
    p("created_by_ref", Ref(&[])),
    req("created", TimestampMillis),
    p("external_references", ExternalReferences),
    p("object_marking_refs", RefList(&["marking-definition"])),
    p("granular_markings", GranularMarkings),
    p("extensions", Extensions),
    p("name", Str),
    p("definition_type", Str),
    p("definition", Dict),
];

/// Properties of a language content object.
const LANGUAGE_CONTENT_PROPS: &[Prop] = &[
    req("type", Str),
    req("spec_version", Enum(&["2.0", "2.1"])),
    req("id", Ref(&[])),
    p("created_by_ref", Ref(&[])),
    req("created", TimestampMillis),
    req("modified", TimestampMillis),
    p("revoked", Bool),
    p("labels", StrList),
    p("confidence", Int(Some(0), Some(100))),
    p("external_references", ExternalReferences),
    p("object_marking_refs", RefList(&["marking-definition"])),
    p("granular_markings", GranularMarkings),
    p("extensions", Extensions),
    req("object_ref", Ref(&[])),
    p("object_modified", Timestamp),
    req("contents", Dict),
];

/// Properties of an extension definition.
const EXTENSION_DEFINITION_PROPS: &[Prop] = &[
    req("type", Str),
    req("spec_version", Enum(&["2.0", "2.1"])),
    req("id", Ref(&[])),
    req("created_by_ref", Ref(&[])),
    req("created", TimestampMillis),
    req("modified", TimestampMillis),
    p("revoked", Bool),
    p("labels", StrList),
    p("external_references", ExternalReferences),
    p("object_marking_refs", RefList(&["marking-definition"])),
    p("granular_markings", GranularMarkings),
    req("name", Str),
    p("description", Str),
    req("schema", Str),
    req("version", Str),
    req(
        "extension_types",
        Kind::StrList, // values checked against EXTENSION_TYPES
    ),
    p("extension_properties", StrList),
];

/// `extension_types` values.
pub const EXTENSION_TYPES: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];

/// The common properties of a category (empty for custom types).
pub fn common_props(category: Category) -> &'static [Prop] {
    match category {
        Category::Sdo | Category::Sro => COMMON_SDO,
        Category::Sco => COMMON_SCO,
        Category::MarkingDefinition => MARKING_PROPS,
        Category::ExtensionDefinition => EXTENSION_DEFINITION_PROPS,
        Category::LanguageContent => LANGUAGE_CONTENT_PROPS,
        Category::Bundle | Category::Custom => &[],
    }
}

/// The category of a type name.
pub fn category(object_type: &str) -> Category {
    spec(object_type).map_or(Category::Custom, |s| s.category)
}

/// The specification's definition of a type, if it defines it.
pub fn spec(object_type: &str) -> Option<&'static TypeSpec> {
    TYPES.iter().find(|t| t.name == object_type)
}

/// Properties of a type, common ones first; `None` for custom types.
pub fn all_props(object_type: &str) -> Option<impl Iterator<Item = &'static Prop>> {
    let s = spec(object_type)?;
    Some(common_props(s.category).iter().chain(s.props.iter()))
}

/// One property of a type (common or own).
pub fn prop(object_type: &str, name: &str) -> Option<&'static Prop> {
    all_props(object_type)?.find(|p| p.name == name)
}

// ---- vocabularies (STIX 2.1 §10) -------------------------------------------

macro_rules! vocab {
    ($ident:ident, $name:literal, [$($v:literal),* $(,)?]) => {
        #[doc = concat!("The `", $name, "` vocabulary.")]
        pub static $ident: Vocab = Vocab { name: $name, values: &[$($v),*] };
    };
}

vocab!(
    ACCOUNT_TYPE,
    "account-type-ov",
    [
        "facebook",
        "ldap",
        "nis",
        "openid",
        "radius",
        "skype",
        "tacacs",
        "twitter",
        "unix",
        "windows-local",
        "windows-domain"
    ]
);
vocab!(
    ATTACK_MOTIVATION,
    "attack-motivation-ov",
    [
        "accidental",
        "coercion",
        "dominance",
        "ideology",
        "notoriety",
        "organizational-gain",
        "personal-gain",
        "personal-satisfaction",
        "revenge",
        "unpredictable"
    ]
);
vocab!(
    ATTACK_RESOURCE_LEVEL,
    "attack-resource-level-ov",
    [
        "individual",
        "club",
        "contest",
        "team",
        "organization",
        "government"
    ]
);
vocab!(
    GROUPING_CONTEXT,
    "grouping-context-ov",
    ["suspicious-activity", "malware-analysis", "unspecified"]
);
vocab!(
    HASH_ALGORITHM,
    "hash-algorithm-ov",
    [
        "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH"
    ]
);
vocab!(
    IDENTITY_CLASS,
    "identity-class-ov",
    [
        "individual",
        "group",
        "system",
        "organization",
        "class",
        "unknown"
    ]
);
vocab!(
    IMPLEMENTATION_LANGUAGE,
    "implementation-language-ov",
    [
        "applescript",
        "bash",
        "c",
        "c++",
        "c#",
        "go",
        "java",
        "javascript",
        "lua",
        "objective-c",
        "perl",
        "php",
        "powershell",
        "python",
        "ruby",
        "scala",
        "swift",
        "typescript",
        "visual-basic",
        "x86-32",
        "x86-64"
    ]
);
vocab!(
    INDICATOR_TYPE,
    "indicator-type-ov",
    [
        "anomalous-activity",
        "anonymization",
        "benign",
        "compromised",
        "malicious-activity",
        "attribution",
        "unknown"
    ]
);
vocab!(
    INDUSTRY_SECTOR,
    "industry-sector-ov",
    [
        "agriculture",
        "aerospace",
        "automotive",
        "chemical",
        "commercial",
        "communications",
        "construction",
        "defense",
        "education",
        "energy",
        "entertainment",
        "financial-services",
        "government",
        "government-emergency-services",
        "government-local",
        "government-national",
        "government-public-services",
        "government-regional",
        "healthcare",
        "hospitality-leisure",
        "infrastructure",
        "infrastructure-dams",
        "infrastructure-nuclear",
        "infrastructure-water",
        "insurance",
        "manufacturing",
        "mining",
        "non-profit",
        "pharmaceuticals",
        "retail",
        "technology",
        "telecommunications",
        "transportation",
        "utilities"
    ]
);
vocab!(
    INFRASTRUCTURE_TYPE,
    "infrastructure-type-ov",
    [
        "amplification",
        "anonymization",
        "botnet",
        "command-and-control",
        "control-system",
        "exfiltration",
        "firewall",
        "hosting-malware",
        "hosting-target-lists",
        "phishing",
        "reconnaissance",
        "routers-switches",
        "staging",
        "workstation",
        "unknown"
    ]
);
vocab!(
    MALWARE_RESULT,
    "malware-result-ov",
    ["malicious", "suspicious", "benign", "unknown"]
);
vocab!(
    MALWARE_CAPABILITIES,
    "malware-capabilities-ov",
    [
        "accesses-remote-machines",
        "anti-debugging",
        "anti-disassembly",
        "anti-emulation",
        "anti-memory-forensics",
        "anti-sandbox",
        "anti-vm",
        "captures-input-peripherals",
        "captures-output-peripherals",
        "captures-system-state-data",
        "cleans-traces-of-infection",
        "commits-fraud",
        "communicates-with-c2",
        "compromises-data-availability",
        "compromises-data-integrity",
        "compromises-system-availability",
        "controls-local-machine",
        "degrades-security-software",
        "degrades-system-updates",
        "determines-c2-server",
        "emails-spam",
        "escalates-privileges",
        "evades-av",
        "exfiltrates-data",
        "fingerprints-host",
        "hides-artifacts",
        "hides-executing-code",
        "infects-files",
        "infects-remote-machines",
        "installs-other-components",
        "persists-after-system-reboot",
        "prevents-artifact-access",
        "prevents-artifact-deletion",
        "probes-network-environment",
        "self-modifies",
        "steals-authentication-credentials",
        "violates-system-operational-integrity"
    ]
);
vocab!(
    MALWARE_TYPE,
    "malware-type-ov",
    [
        "adware",
        "backdoor",
        "bot",
        "bootkit",
        "ddos",
        "downloader",
        "dropper",
        "exploit-kit",
        "keylogger",
        "ransomware",
        "remote-access-trojan",
        "resource-exploitation",
        "rogue-security-software",
        "rootkit",
        "screen-capture",
        "spyware",
        "trojan",
        "unknown",
        "virus",
        "webshell",
        "wiper",
        "worm"
    ]
);
vocab!(
    PATTERN_TYPE,
    "pattern-type-ov",
    ["stix", "pcre", "sigma", "snort", "suricata", "yara"]
);
vocab!(
    PROCESSOR_ARCHITECTURE,
    "processor-architecture-ov",
    [
        "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64"
    ]
);
vocab!(
    REGION,
    "region-ov",
    [
        "africa",
        "eastern-africa",
        "middle-africa",
        "northern-africa",
        "southern-africa",
        "western-africa",
        "americas",
        "latin-america-caribbean",
        "south-america",
        "caribbean",
        "central-america",
        "northern-america",
        "asia",
        "central-asia",
        "eastern-asia",
        "southern-asia",
        "south-eastern-asia",
        "western-asia",
        "europe",
        "eastern-europe",
        "northern-europe",
        "southern-europe",
        "western-europe",
        "oceania",
        "antarctica",
        "australia-new-zealand",
        "melanesia",
        "micronesia",
        "polynesia"
    ]
);
vocab!(
    REPORT_TYPE,
    "report-type-ov",
    [
        "attack-pattern",
        "campaign",
        "identity",
        "indicator",
        "intrusion-set",
        "malware",
        "observed-data",
        "threat-actor",
        "threat-report",
        "tool",
        "vulnerability"
    ]
);
vocab!(
    THREAT_ACTOR_TYPE,
    "threat-actor-type-ov",
    [
        "activist",
        "competitor",
        "crime-syndicate",
        "criminal",
        "hacker",
        "insider-accidental",
        "insider-disgruntled",
        "nation-state",
        "sensationalist",
        "spy",
        "terrorist",
        "unknown"
    ]
);
vocab!(
    THREAT_ACTOR_ROLE,
    "threat-actor-role-ov",
    [
        "agent",
        "director",
        "independent",
        "infrastructure-architect",
        "infrastructure-operator",
        "malware-author",
        "sponsor"
    ]
);
vocab!(
    THREAT_ACTOR_SOPHISTICATION,
    "threat-actor-sophistication-ov",
    [
        "none",
        "minimal",
        "intermediate",
        "advanced",
        "expert",
        "innovator",
        "strategic"
    ]
);
vocab!(
    TOOL_TYPE,
    "tool-type-ov",
    [
        "denial-of-service",
        "exploitation",
        "information-gathering",
        "network-capture",
        "credential-exploitation",
        "remote-access",
        "vulnerability-scanning",
        "unknown"
    ]
);
vocab!(
    WINDOWS_PEBINARY_TYPE,
    "windows-pebinary-type-ov",
    ["dll", "exe", "sys"]
);

/// Relationship types the specification names, per (source, target) — used
/// for the "relationship-types" best-practice check. `*` is any type.
pub const COMMON_RELATIONSHIPS: &[&str] = &["derived-from", "duplicate-of", "related-to"];

// ---- embedded structures -----------------------------------------------------

const EMAIL_MIME_PART: &[Prop] = &[
    p("body", Str),
    p("body_raw_ref", Ref(&["artifact", "file"])),
    p("content_type", Str),
    p("content_disposition", Str),
];

const REGISTRY_VALUE: &[Prop] = &[
    p("name", Str),
    p("data", Str),
    p(
        "data_type",
        Enum(&[
            "REG_NONE",
            "REG_SZ",
            "REG_EXPAND_SZ",
            "REG_BINARY",
            "REG_DWORD",
            "REG_DWORD_BIG_ENDIAN",
            "REG_DWORD_LITTLE_ENDIAN",
            "REG_LINK",
            "REG_MULTI_SZ",
            "REG_RESOURCE_LIST",
            "REG_FULL_RESOURCE_DESCRIPTION",
            "REG_RESOURCE_REQUIREMENTS_LIST",
            "REG_QWORD",
            "REG_INVALID_TYPE",
        ]),
    ),
];

const X509_V3_EXTENSIONS: &[Prop] = &[
    p("basic_constraints", Str),
    p("name_constraints", Str),
    p("policy_constraints", Str),
    p("key_usage", Str),
    p("extended_key_usage", Str),
    p("subject_key_identifier", Str),
    p("authority_key_identifier", Str),
    p("subject_alternative_name", Str),
    p("issuer_alternative_name", Str),
    p("subject_directory_attributes", Str),
    p("crl_distribution_points", Str),
    p("inhibit_any_policy", Str),
    p("private_key_usage_period_not_before", Timestamp),
    p("private_key_usage_period_not_after", Timestamp),
    p("certificate_policies", Str),
    p("policy_mappings", Str),
];

const IP_REFS: &[&str] = &["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"];

// ---- the types ---------------------------------------------------------------

macro_rules! ty {
    ($name:literal, $cat:ident, [$($prop:expr),* $(,)?]) => {
        TypeSpec { name: $name, category: Category::$cat, props: &[$($prop),*] }
    };
}

/// Every type the specification defines.
pub static TYPES: &[TypeSpec] = &[
    // SDOs
    ty!(
        "attack-pattern",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("aliases", StrList),
            p("kill_chain_phases", KillChainPhases)
        ]
    ),
    ty!(
        "campaign",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("aliases", StrList),
            p("first_seen", Timestamp),
            p("last_seen", Timestamp),
            p("objective", Str)
        ]
    ),
    ty!(
        "course-of-action",
        Sdo,
        [req("name", Str), p("description", Str)]
    ),
    ty!(
        "grouping",
        Sdo,
        [
            p("name", Str),
            p("description", Str),
            req("context", V(&GROUPING_CONTEXT)),
            req("object_refs", RefList(&[]))
        ]
    ),
    ty!(
        "identity",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("roles", StrList),
            p("identity_class", V(&IDENTITY_CLASS)),
            p("sectors", VL(&INDUSTRY_SECTOR)),
            p("contact_information", Str)
        ]
    ),
    ty!(
        "incident",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("kill_chain_phases", KillChainPhases)
        ]
    ),
    ty!(
        "indicator",
        Sdo,
        [
            p("name", Str),
            p("description", Str),
            p("indicator_types", VL(&INDICATOR_TYPE)),
            req("pattern", Str),
            req("pattern_type", V(&PATTERN_TYPE)),
            p("pattern_version", Str),
            req("valid_from", Timestamp),
            p("valid_until", Timestamp),
            p("kill_chain_phases", KillChainPhases)
        ]
    ),
    ty!(
        "infrastructure",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("infrastructure_types", VL(&INFRASTRUCTURE_TYPE)),
            p("aliases", StrList),
            p("kill_chain_phases", KillChainPhases),
            p("first_seen", Timestamp),
            p("last_seen", Timestamp)
        ]
    ),
    ty!(
        "intrusion-set",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("aliases", StrList),
            p("first_seen", Timestamp),
            p("last_seen", Timestamp),
            p("goals", StrList),
            p("resource_level", V(&ATTACK_RESOURCE_LEVEL)),
            p("primary_motivation", V(&ATTACK_MOTIVATION)),
            p("secondary_motivations", VL(&ATTACK_MOTIVATION))
        ]
    ),
    ty!(
        "location",
        Sdo,
        [
            p("name", Str),
            p("description", Str),
            p("latitude", Float(-90.0, 90.0)),
            p("longitude", Float(-180.0, 180.0)),
            p("precision", Float(0.0, f64::MAX)),
            p("region", V(&REGION)),
            p("country", Str),
            p("administrative_area", Str),
            p("city", Str),
            p("street_address", Str),
            p("postal_code", Str)
        ]
    ),
    ty!(
        "malware",
        Sdo,
        [
            p("name", Str),
            p("description", Str),
            p("malware_types", VL(&MALWARE_TYPE)),
            req("is_family", Bool),
            p("aliases", StrList),
            p("kill_chain_phases", KillChainPhases),
            p("first_seen", Timestamp),
            p("last_seen", Timestamp),
            p("operating_system_refs", RefList(&["software"])),
            p("architecture_execution_envs", VL(&PROCESSOR_ARCHITECTURE)),
            p("implementation_languages", VL(&IMPLEMENTATION_LANGUAGE)),
            p("capabilities", VL(&MALWARE_CAPABILITIES)),
            p("sample_refs", RefList(&["file", "artifact"]))
        ]
    ),
    ty!(
        "malware-analysis",
        Sdo,
        [
            req("product", Str),
            p("version", Str),
            p("host_vm_ref", Ref(&["software"])),
            p("operating_system_ref", Ref(&["software"])),
            p("installed_software_refs", RefList(&["software"])),
            p("configuration_version", Str),
            p("modules", StrList),
            p("analysis_engine_version", Str),
            p("analysis_definition_version", Str),
            p("submitted", Timestamp),
            p("analysis_started", Timestamp),
            p("analysis_ended", Timestamp),
            p("result_name", Str),
            p("result", V(&MALWARE_RESULT)),
            p("analysis_sco_refs", RefList(&[])),
            p("sample_ref", Ref(&["file", "network-traffic", "artifact"]))
        ]
    ),
    ty!(
        "note",
        Sdo,
        [
            p("abstract", Str),
            req("content", Str),
            p("authors", StrList),
            req("object_refs", RefList(&[]))
        ]
    ),
    ty!(
        "observed-data",
        Sdo,
        [
            req("first_observed", Timestamp),
            req("last_observed", Timestamp),
            req("number_observed", Int(Some(1), Some(999_999_999))),
            p("objects", Dict),
            p("object_refs", RefList(&[]))
        ]
    ),
    ty!(
        "opinion",
        Sdo,
        [
            p("explanation", Str),
            p("authors", StrList),
            req(
                "opinion",
                Enum(&[
                    "strongly-disagree",
                    "disagree",
                    "neutral",
                    "agree",
                    "strongly-agree"
                ])
            ),
            req("object_refs", RefList(&[]))
        ]
    ),
    ty!(
        "report",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("report_types", VL(&REPORT_TYPE)),
            req("published", Timestamp),
            req("object_refs", RefList(&[]))
        ]
    ),
    ty!(
        "threat-actor",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("threat_actor_types", VL(&THREAT_ACTOR_TYPE)),
            p("aliases", StrList),
            p("first_seen", Timestamp),
            p("last_seen", Timestamp),
            p("roles", VL(&THREAT_ACTOR_ROLE)),
            p("goals", StrList),
            p("sophistication", V(&THREAT_ACTOR_SOPHISTICATION)),
            p("resource_level", V(&ATTACK_RESOURCE_LEVEL)),
            p("primary_motivation", V(&ATTACK_MOTIVATION)),
            p("secondary_motivations", VL(&ATTACK_MOTIVATION)),
            p("personal_motivations", VL(&ATTACK_MOTIVATION))
        ]
    ),
    ty!(
        "tool",
        Sdo,
        [
            req("name", Str),
            p("description", Str),
            p("tool_types", VL(&TOOL_TYPE)),
            p("aliases", StrList),
            p("kill_chain_phases", KillChainPhases),
            p("tool_version", Str)
        ]
    ),
    ty!(
        "vulnerability",
        Sdo,
        [req("name", Str), p("description", Str)]
    ),
    // SROs
    ty!(
        "relationship",
        Sro,
        [
            req("relationship_type", Str),
            p("description", Str),
            req("source_ref", Ref(&[])),
            req("target_ref", Ref(&[])),
            p("start_time", Timestamp),
            p("stop_time", Timestamp)
        ]
    ),
    ty!(
        "sighting",
        Sro,
        [
            p("description", Str),
            p("first_seen", Timestamp),
            p("last_seen", Timestamp),
            p("count", Int(Some(0), Some(999_999_999))),
            req("sighting_of_ref", Ref(&[])),
            p("observed_data_refs", RefList(&["observed-data"])),
            p("where_sighted_refs", RefList(&["identity", "location"])),
            p("summary", Bool)
        ]
    ),
    // SCOs
    ty!(
        "artifact",
        Sco,
        [
            p("mime_type", Str),
            p("payload_bin", Binary),
            p("url", Str),
            p("hashes", Hashes),
            p(
                "encryption_algorithm",
                Enum(&["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"])
            ),
            p("decryption_key", Str)
        ]
    ),
    ty!(
        "autonomous-system",
        Sco,
        [
            req("number", Int(Some(0), None)),
            p("name", Str),
            p("rir", Str)
        ]
    ),
    ty!(
        "directory",
        Sco,
        [
            req("path", Str),
            p("path_enc", Str),
            p("ctime", Timestamp),
            p("mtime", Timestamp),
            p("atime", Timestamp),
            p("contains_refs", RefList(&["file", "directory"]))
        ]
    ),
    ty!(
        "domain-name",
        Sco,
        [
            req("value", Str),
            p(
                "resolves_to_refs",
                RefList(&["ipv4-addr", "ipv6-addr", "domain-name"])
            )
        ]
    ),
    ty!(
        "email-addr",
        Sco,
        [
            req("value", Str),
            p("display_name", Str),
            p("belongs_to_ref", Ref(&["user-account"]))
        ]
    ),
    ty!(
        "email-message",
        Sco,
        [
            req("is_multipart", Bool),
            p("date", Timestamp),
            p("content_type", Str),
            p("from_ref", Ref(&["email-addr"])),
            p("sender_ref", Ref(&["email-addr"])),
            p("to_refs", RefList(&["email-addr"])),
            p("cc_refs", RefList(&["email-addr"])),
            p("bcc_refs", RefList(&["email-addr"])),
            p("message_id", Str),
            p("subject", Str),
            p("received_lines", StrList),
            p("additional_header_fields", Dict),
            p("body", Str),
            p("body_multipart", ObjectList(EMAIL_MIME_PART)),
            p("raw_email_ref", Ref(&["artifact"]))
        ]
    ),
    ty!(
        "file",
        Sco,
        [
            p("hashes", Hashes),
            p("size", Int(Some(0), None)),
            p("name", Str),
            p("name_enc", Str),
            p("magic_number_hex", Hex),
            p("mime_type", Str),
            p("ctime", Timestamp),
            p("mtime", Timestamp),
            p("atime", Timestamp),
            p("parent_directory_ref", Ref(&["directory"])),
            p("contains_refs", RefList(&[])),
            p("content_ref", Ref(&["artifact"]))
        ]
    ),
    ty!(
        "ipv4-addr",
        Sco,
        [
            req("value", Str),
            p("resolves_to_refs", RefList(&["mac-addr"])),
            p("belongs_to_refs", RefList(&["autonomous-system"]))
        ]
    ),
    ty!(
        "ipv6-addr",
        Sco,
        [
            req("value", Str),
            p("resolves_to_refs", RefList(&["mac-addr"])),
            p("belongs_to_refs", RefList(&["autonomous-system"]))
        ]
    ),
    ty!("mac-addr", Sco, [req("value", Str)]),
    ty!("mutex", Sco, [req("name", Str)]),
    ty!(
        "network-traffic",
        Sco,
        [
            p("start", Timestamp),
            p("end", Timestamp),
            p("is_active", Bool),
            p("src_ref", Ref(IP_REFS)),
            p("dst_ref", Ref(IP_REFS)),
            p("src_port", Int(Some(0), Some(65535))),
            p("dst_port", Int(Some(0), Some(65535))),
            req("protocols", StrList),
            p("src_byte_count", Int(Some(0), None)),
            p("dst_byte_count", Int(Some(0), None)),
            p("src_packets", Int(Some(0), None)),
            p("dst_packets", Int(Some(0), None)),
            p("ipfix", Dict),
            p("src_payload_ref", Ref(&["artifact"])),
            p("dst_payload_ref", Ref(&["artifact"])),
            p("encapsulates_refs", RefList(&["network-traffic"])),
            p("encapsulated_by_ref", Ref(&["network-traffic"]))
        ]
    ),
    ty!(
        "process",
        Sco,
        [
            p("is_hidden", Bool),
            p("pid", Int(None, None)),
            p("created_time", Timestamp),
            p("cwd", Str),
            p("command_line", Str),
            p("environment_variables", Dict),
            p("opened_connection_refs", RefList(&["network-traffic"])),
            p("creator_user_ref", Ref(&["user-account"])),
            p("image_ref", Ref(&["file"])),
            p("parent_ref", Ref(&["process"])),
            p("child_refs", RefList(&["process"]))
        ]
    ),
    ty!(
        "software",
        Sco,
        [
            req("name", Str),
            p("cpe", Str),
            p("swid", Str),
            p("languages", StrList),
            p("vendor", Str),
            p("version", Str)
        ]
    ),
    ty!("url", Sco, [req("value", Str)]),
    ty!(
        "user-account",
        Sco,
        [
            p("user_id", Str),
            p("credential", Str),
            p("account_login", Str),
            p("account_type", V(&ACCOUNT_TYPE)),
            p("display_name", Str),
            p("is_service_account", Bool),
            p("is_privileged", Bool),
            p("can_escalate_privs", Bool),
            p("is_disabled", Bool),
            p("account_created", Timestamp),
            p("account_expires", Timestamp),
            p("credential_last_changed", Timestamp),
            p("account_first_login", Timestamp),
            p("account_last_login", Timestamp)
        ]
    ),
    ty!(
        "windows-registry-key",
        Sco,
        [
            p("key", Str),
            p("values", ObjectList(REGISTRY_VALUE)),
            p("modified_time", Timestamp),
            p("creator_user_ref", Ref(&["user-account"])),
            p("number_of_subkeys", Int(Some(0), None))
        ]
    ),
    ty!(
        "x509-certificate",
        Sco,
        [
            p("is_self_signed", Bool),
            p("hashes", Hashes),
            p("version", Str),
            p("serial_number", Str),
            p("signature_algorithm", Str),
            p("issuer", Str),
            p("validity_not_before", Timestamp),
            p("validity_not_after", Timestamp),
            p("subject", Str),
            p("subject_public_key_algorithm", Str),
            p("subject_public_key_modulus", Str),
            p("subject_public_key_exponent", Int(Some(0), None)),
            p("x509_v3_extensions", Object(X509_V3_EXTENSIONS))
        ]
    ),
    // Meta objects
    ty!("marking-definition", MarkingDefinition, []),
    ty!("extension-definition", ExtensionDefinition, []),
    ty!("language-content", LanguageContent, []),
    ty!("bundle", Bundle, []),
];

/// `archive-ext` as STIX 2.0 defined it.
pub const ARCHIVE_EXT_V20: &[Prop] = &[
    req("contains_refs", RefList(&["file"])),
    p("version", Str),
    p("comment", Str),
];
const ARCHIVE_EXT: &[Prop] = &[
    req("contains_refs", RefList(&["file", "directory"])),
    p("comment", Str),
];
const NTFS_EXT: &[Prop] = &[
    p("sid", Str),
    p(
        "alternate_data_streams",
        ObjectList(&[
            req("name", Str),
            p("hashes", Hashes),
            p("size", Int(Some(0), None)),
        ]),
    ),
];
const PDF_EXT: &[Prop] = &[
    p("version", Str),
    p("is_optimized", Bool),
    p("document_info_dict", Dict),
    p("pdfid0", Str),
    p("pdfid1", Str),
];
const RASTER_IMAGE_EXT: &[Prop] = &[
    p("image_height", Int(None, None)),
    p("image_width", Int(None, None)),
    p("bits_per_pixel", Int(None, None)),
    p("exif_tags", Dict),
];
const WINDOWS_PEBINARY_EXT: &[Prop] = &[
    req("pe_type", V(&WINDOWS_PEBINARY_TYPE)),
    p("imphash", Str),
    p("machine_hex", Hex),
    p("number_of_sections", Int(Some(0), None)),
    p("time_date_stamp", Timestamp),
    p("pointer_to_symbol_table_hex", Hex),
    p("number_of_symbols", Int(Some(0), None)),
    p("size_of_optional_header", Int(Some(0), None)),
    p("characteristics_hex", Hex),
    p("file_header_hashes", Hashes),
    p("optional_header", Dict),
    p(
        "sections",
        ObjectList(&[
            req("name", Str),
            p("size", Int(Some(0), None)),
            p("entropy", Float(f64::MIN, f64::MAX)),
            p("hashes", Hashes),
        ]),
    ),
];
const HTTP_REQUEST_EXT: &[Prop] = &[
    req("request_method", Str),
    req("request_value", Str),
    p("request_version", Str),
    p("request_header", Dict),
    p("message_body_length", Int(Some(0), None)),
    p("message_body_data_ref", Ref(&["artifact"])),
];
const ICMP_EXT: &[Prop] = &[req("icmp_type_hex", Hex), req("icmp_code_hex", Hex)];
const SOCKET_EXT: &[Prop] = &[
    req(
        "address_family",
        Enum(&[
            "AF_UNSPEC",
            "AF_INET",
            "AF_IPX",
            "AF_APPLETALK",
            "AF_NETBIOS",
            "AF_INET6",
            "AF_IRDA",
            "AF_BTH",
        ]),
    ),
    p("is_blocking", Bool),
    p("is_listening", Bool),
    p("options", Dict),
    p(
        "socket_type",
        Enum(&[
            "SOCK_STREAM",
            "SOCK_DGRAM",
            "SOCK_RAW",
            "SOCK_RDM",
            "SOCK_SEQPACKET",
        ]),
    ),
    p("socket_descriptor", Int(Some(0), None)),
    p("socket_handle", Int(None, None)),
];
const TCP_EXT: &[Prop] = &[p("src_flags_hex", Hex), p("dst_flags_hex", Hex)];
const WINDOWS_PROCESS_EXT: &[Prop] = &[
    p("aslr_enabled", Bool),
    p("dep_enabled", Bool),
    p("priority", Str),
    p("owner_sid", Str),
    p("window_title", Str),
    p("startup_info", Dict),
    p(
        "integrity_level",
        Enum(&["low", "medium", "high", "system"]),
    ),
];
const WINDOWS_SERVICE_EXT: &[Prop] = &[
    p("service_name", Str),
    p("descriptions", StrList),
    p("display_name", Str),
    p("group_name", Str),
    p(
        "start_type",
        Enum(&[
            "SERVICE_AUTO_START",
            "SERVICE_BOOT_START",
            "SERVICE_DEMAND_START",
            "SERVICE_DISABLED",
            "SERVICE_SYSTEM_ALERT",
        ]),
    ),
    p("service_dll_refs", RefList(&["file"])),
    p(
        "service_type",
        Enum(&[
            "SERVICE_KERNEL_DRIVER",
            "SERVICE_FILE_SYSTEM_DRIVER",
            "SERVICE_WIN32_OWN_PROCESS",
            "SERVICE_WIN32_SHARE_PROCESS",
        ]),
    ),
    p(
        "service_status",
        Enum(&[
            "SERVICE_CONTINUE_PENDING",
            "SERVICE_PAUSE_PENDING",
            "SERVICE_PAUSED",
            "SERVICE_RUNNING",
            "SERVICE_START_PENDING",
            "SERVICE_STOP_PENDING",
            "SERVICE_STOPPED",
        ]),
    ),
];
const UNIX_ACCOUNT_EXT: &[Prop] = &[
    p("gid", Int(None, None)),
    p("groups", StrList),
    p("home_dir", Str),
    p("shell", Str),
];

/// Predefined SCO extensions and their properties.
pub fn sco_extension(name: &str) -> Option<&'static [Prop]> {
    Some(match name {
        "archive-ext" => ARCHIVE_EXT,
        "ntfs-ext" => NTFS_EXT,
        "pdf-ext" => PDF_EXT,
        "raster-image-ext" => RASTER_IMAGE_EXT,
        "windows-pebinary-ext" => WINDOWS_PEBINARY_EXT,
        "http-request-ext" => HTTP_REQUEST_EXT,
        "icmp-ext" => ICMP_EXT,
        "socket-ext" => SOCKET_EXT,
        "tcp-ext" => TCP_EXT,
        "windows-process-ext" => WINDOWS_PROCESS_EXT,
        "windows-service-ext" => WINDOWS_SERVICE_EXT,
        "unix-account-ext" => UNIX_ACCOUNT_EXT,
        _ => return None,
    })
}

/// The SCO types each predefined extension belongs to.
pub fn sco_extension_owner(name: &str) -> Option<&'static str> {
    Some(match name {
        "archive-ext" | "ntfs-ext" | "pdf-ext" | "raster-image-ext" | "windows-pebinary-ext" => {
            "file"
        }
        "http-request-ext" | "icmp-ext" | "socket-ext" | "tcp-ext" => "network-traffic",
        "windows-process-ext" | "windows-service-ext" => "process",
        "unix-account-ext" => "user-account",
        _ => return None,
    })
}
