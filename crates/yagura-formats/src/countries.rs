//! Country and region names as threat intelligence writes them, to ISO
//! 3166-1 alpha-2 codes and STIX `region-ov` values.

/// (name, ISO 3166-1 alpha-2), the first name of a code being its label.
const COUNTRIES: &[(&str, &str)] = &[
    ("Afghanistan", "AF"),
    ("Armenia", "AM"),
    ("Australia", "AU"),
    ("Austria", "AT"),
    ("Azerbaijan", "AZ"),
    ("Bahamas", "BS"),
    ("Bahrain", "BH"),
    ("Bangladesh", "BD"),
    ("Belarus", "BY"),
    ("Belgium", "BE"),
    ("Brazil", "BR"),
    ("Cambodia", "KH"),
    ("Canada", "CA"),
    ("Chile", "CL"),
    ("China", "CN"),
    ("Costa Rica", "CR"),
    ("Czech Republic", "CZ"),
    ("Denmark", "DK"),
    ("Egypt", "EG"),
    ("Finland", "FI"),
    ("France", "FR"),
    ("Palestine", "PS"),
    ("Gaza", "PS"),
    ("Georgia", "GE"),
    ("Germany", "DE"),
    ("Greece", "GR"),
    ("Guatemala", "GT"),
    ("Hong Kong", "HK"),
    ("Hungary", "HU"),
    ("India", "IN"),
    ("Indonesia", "ID"),
    ("Iran", "IR"),
    ("Iraq", "IQ"),
    ("Ireland", "IE"),
    ("Israel", "IL"),
    ("Italy", "IT"),
    ("Japan", "JP"),
    ("Jordan", "JO"),
    ("Kazakhstan", "KZ"),
    ("Kenya", "KE"),
    ("Kuwait", "KW"),
    ("Kyrgyzstan", "KG"),
    ("Laos", "LA"),
    ("Lebanon", "LB"),
    ("Libya", "LY"),
    ("Lithuania", "LT"),
    ("Luxembourg", "LU"),
    ("Macao", "MO"),
    ("Malaysia", "MY"),
    ("Mexico", "MX"),
    ("Mongolia", "MN"),
    ("Morocco", "MA"),
    ("Myanmar", "MM"),
    ("Nepal", "NP"),
    ("Netherlands", "NL"),
    ("New Zealand", "NZ"),
    ("Nigeria", "NG"),
    ("North Korea", "KP"),
    ("Norway", "NO"),
    ("Oman", "OM"),
    ("Pakistan", "PK"),
    ("Philippines", "PH"),
    ("The Philippines", "PH"),
    ("Poland", "PL"),
    ("Portugal", "PT"),
    ("Qatar", "QA"),
    ("Romania", "RO"),
    ("Russia", "RU"),
    ("Russian Federation", "RU"),
    ("Saudi Arabia", "SA"),
    ("Serbia", "RS"),
    ("Singapore", "SG"),
    ("Solomon Islands", "SB"),
    ("South Africa", "ZA"),
    ("South Korea", "KR"),
    ("South Sudan", "SS"),
    ("Spain", "ES"),
    ("Sri Lanka", "LK"),
    ("Sudan", "SD"),
    ("Suriname", "SR"),
    ("Sweden", "SE"),
    ("Switzerland", "CH"),
    ("Syria", "SY"),
    ("Taiwan", "TW"),
    ("Tajikistan", "TJ"),
    ("Thailand", "TH"),
    ("Turkey", "TR"),
    ("Turkmenistan", "TM"),
    ("Ukraine", "UA"),
    ("United Arab Emirates", "AE"),
    ("United Kingdom", "GB"),
    ("United States", "US"),
    ("Uzbekistan", "UZ"),
    ("Venezuela", "VE"),
    ("Vietnam", "VN"),
    ("Yemen", "YE"),
];

/// (name, STIX region-ov value).
const REGIONS: &[(&str, &str)] = &[
    ("Asia", "asia"),
    ("Central Asia", "central-asia"),
    ("East Asia", "eastern-asia"),
    ("Southeast Asia", "south-eastern-asia"),
    ("Southeast Asian", "south-eastern-asia"),
    ("Europe", "europe"),
    ("Eastern Europe", "eastern-europe"),
    ("Middle East", "western-asia"),
    ("The Middle East", "western-asia"),
    ("North America", "northern-america"),
    ("South America", "south-america"),
    ("Southern Africa", "southern-africa"),
];

/// The ISO code of a country name.
pub(crate) fn country_code(name: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, c)| *c)
}

/// A country's name from its ISO code.
pub(crate) fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(_, c)| c.eq_ignore_ascii_case(code))
        .map(|(n, _)| *n)
}

/// The `region-ov` value of a region name.
pub(crate) fn region(name: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, r)| *r)
}
