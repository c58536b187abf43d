//! Country names and codes → ISO 3166-1 alpha-2.
//!
//! Origin values arrive as full names ("United States of America"), common
//! variants ("USA", "P.R. China", "Viet Nam"), alpha-2/alpha-3 codes ("CN",
//! "CHN") or Chinese names ("中国"). Regions and groupings ("EU", "Asia",
//! "Worldwide") are deliberately absent: they are not a country of origin.

use std::collections::HashMap;
use std::sync::LazyLock;

/// (alpha-2, alpha-3, names). The first name is the ISO short name or its
/// common English form; the rest are variants seen in supplier documents.
static COUNTRIES: &[(&str, &str, &[&str])] = &[
    ("AF", "AFG", &["Afghanistan"]),
    ("AX", "ALA", &["Åland Islands", "Aland Islands"]),
    ("AL", "ALB", &["Albania"]),
    ("DZ", "DZA", &["Algeria"]),
    ("AS", "ASM", &["American Samoa"]),
    ("AD", "AND", &["Andorra"]),
    ("AO", "AGO", &["Angola"]),
    ("AI", "AIA", &["Anguilla"]),
    ("AQ", "ATA", &["Antarctica"]),
    ("AG", "ATG", &["Antigua and Barbuda"]),
    ("AR", "ARG", &["Argentina"]),
    ("AM", "ARM", &["Armenia"]),
    ("AW", "ABW", &["Aruba"]),
    ("AU", "AUS", &["Australia"]),
    ("AT", "AUT", &["Austria", "Österreich", "Autriche"]),
    ("AZ", "AZE", &["Azerbaijan"]),
    ("BS", "BHS", &["Bahamas", "The Bahamas"]),
    ("BH", "BHR", &["Bahrain"]),
    ("BD", "BGD", &["Bangladesh"]),
    ("BB", "BRB", &["Barbados"]),
    ("BY", "BLR", &["Belarus"]),
    ("BE", "BEL", &["Belgium"]),
    ("BZ", "BLZ", &["Belize"]),
    ("BJ", "BEN", &["Benin"]),
    ("BM", "BMU", &["Bermuda"]),
    ("BT", "BTN", &["Bhutan"]),
    (
        "BO",
        "BOL",
        &[
            "Bolivia",
            "Bolivia (Plurinational State of)",
            "Plurinational State of Bolivia",
        ],
    ),
    (
        "BQ",
        "BES",
        &["Bonaire, Sint Eustatius and Saba", "Caribbean Netherlands"],
    ),
    (
        "BA",
        "BIH",
        &["Bosnia and Herzegovina", "Bosnia-Herzegovina", "Bosnia"],
    ),
    ("BW", "BWA", &["Botswana"]),
    ("BV", "BVT", &["Bouvet Island"]),
    ("BR", "BRA", &["Brazil", "Brasil"]),
    ("IO", "IOT", &["British Indian Ocean Territory"]),
    ("BN", "BRN", &["Brunei Darussalam", "Brunei"]),
    ("BG", "BGR", &["Bulgaria"]),
    ("BF", "BFA", &["Burkina Faso"]),
    ("BI", "BDI", &["Burundi"]),
    ("CV", "CPV", &["Cabo Verde", "Cape Verde"]),
    ("KH", "KHM", &["Cambodia"]),
    ("CM", "CMR", &["Cameroon"]),
    ("CA", "CAN", &["Canada"]),
    ("KY", "CYM", &["Cayman Islands"]),
    ("CF", "CAF", &["Central African Republic"]),
    ("TD", "TCD", &["Chad"]),
    ("CL", "CHL", &["Chile"]),
    (
        "CN",
        "CHN",
        &[
            "China",
            "People's Republic of China",
            "Peoples Republic of China",
            "PR China",
            "P.R. China",
            "P.R.China",
            "PRC",
            "P.R.C.",
            "Mainland China",
            "China Mainland",
            "China PRC",
            "China (PRC)",
            "China P.R.",
            "China, People's Republic of",
        ],
    ),
    ("CX", "CXR", &["Christmas Island"]),
    ("CC", "CCK", &["Cocos (Keeling) Islands", "Cocos Islands"]),
    ("CO", "COL", &["Colombia"]),
    ("KM", "COM", &["Comoros"]),
    (
        "CG",
        "COG",
        &["Congo", "Republic of the Congo", "Congo-Brazzaville"],
    ),
    (
        "CD",
        "COD",
        &[
            "Democratic Republic of the Congo",
            "Congo, Democratic Republic of the",
            "DR Congo",
            "DRC",
            "Congo-Kinshasa",
        ],
    ),
    ("CK", "COK", &["Cook Islands"]),
    ("CR", "CRI", &["Costa Rica"]),
    (
        "CI",
        "CIV",
        &["Côte d'Ivoire", "Cote d'Ivoire", "Ivory Coast"],
    ),
    ("HR", "HRV", &["Croatia"]),
    ("CU", "CUB", &["Cuba"]),
    ("CW", "CUW", &["Curaçao", "Curacao"]),
    ("CY", "CYP", &["Cyprus"]),
    (
        "CZ",
        "CZE",
        &["Czechia", "Czech Republic", "Tschechien", "Česko"],
    ),
    ("DK", "DNK", &["Denmark"]),
    ("DJ", "DJI", &["Djibouti"]),
    ("DM", "DMA", &["Dominica"]),
    ("DO", "DOM", &["Dominican Republic"]),
    ("EC", "ECU", &["Ecuador"]),
    ("EG", "EGY", &["Egypt"]),
    ("SV", "SLV", &["El Salvador"]),
    ("GQ", "GNQ", &["Equatorial Guinea"]),
    ("ER", "ERI", &["Eritrea"]),
    ("EE", "EST", &["Estonia"]),
    ("SZ", "SWZ", &["Eswatini", "Swaziland"]),
    ("ET", "ETH", &["Ethiopia"]),
    (
        "FK",
        "FLK",
        &["Falkland Islands", "Falkland Islands (Malvinas)"],
    ),
    ("FO", "FRO", &["Faroe Islands"]),
    ("FJ", "FJI", &["Fiji"]),
    ("FI", "FIN", &["Finland"]),
    ("FR", "FRA", &["France", "Frankreich", "Francia"]),
    ("GF", "GUF", &["French Guiana"]),
    ("PF", "PYF", &["French Polynesia"]),
    ("TF", "ATF", &["French Southern Territories"]),
    ("GA", "GAB", &["Gabon"]),
    ("GM", "GMB", &["Gambia", "The Gambia"]),
    ("GE", "GEO", &["Georgia"]),
    (
        "DE",
        "DEU",
        &[
            "Germany",
            "Deutschland",
            "Federal Republic of Germany",
            "Allemagne",
            "Germania",
            "Alemania",
        ],
    ),
    ("GH", "GHA", &["Ghana"]),
    ("GI", "GIB", &["Gibraltar"]),
    ("GR", "GRC", &["Greece"]),
    ("GL", "GRL", &["Greenland"]),
    ("GD", "GRD", &["Grenada"]),
    ("GP", "GLP", &["Guadeloupe"]),
    ("GU", "GUM", &["Guam"]),
    ("GT", "GTM", &["Guatemala"]),
    ("GG", "GGY", &["Guernsey"]),
    ("GN", "GIN", &["Guinea"]),
    ("GW", "GNB", &["Guinea-Bissau"]),
    ("GY", "GUY", &["Guyana"]),
    ("HT", "HTI", &["Haiti"]),
    ("HM", "HMD", &["Heard Island and McDonald Islands"]),
    ("VA", "VAT", &["Holy See", "Vatican", "Vatican City"]),
    ("HN", "HND", &["Honduras"]),
    (
        "HK",
        "HKG",
        &["Hong Kong", "Hong Kong SAR", "Hong Kong, China", "Hongkong"],
    ),
    ("HU", "HUN", &["Hungary"]),
    ("IS", "ISL", &["Iceland"]),
    ("IN", "IND", &["India"]),
    ("ID", "IDN", &["Indonesia"]),
    (
        "IR",
        "IRN",
        &[
            "Iran",
            "Iran (Islamic Republic of)",
            "Islamic Republic of Iran",
        ],
    ),
    ("IQ", "IRQ", &["Iraq"]),
    ("IE", "IRL", &["Ireland", "Republic of Ireland"]),
    ("IM", "IMN", &["Isle of Man"]),
    ("IL", "ISR", &["Israel"]),
    ("IT", "ITA", &["Italy", "Italia", "Italien", "Italie"]),
    ("JM", "JAM", &["Jamaica"]),
    ("JP", "JPN", &["Japan"]),
    ("JE", "JEY", &["Jersey"]),
    ("JO", "JOR", &["Jordan"]),
    ("KZ", "KAZ", &["Kazakhstan"]),
    ("KE", "KEN", &["Kenya"]),
    ("KI", "KIR", &["Kiribati"]),
    (
        "KP",
        "PRK",
        &[
            "North Korea",
            "Korea (Democratic People's Republic of)",
            "Democratic People's Republic of Korea",
            "DPRK",
        ],
    ),
    (
        "KR",
        "KOR",
        &[
            "Korea",
            "South Korea",
            "Republic of Korea",
            "Korea, Republic of",
            "Korea (Republic of)",
            "Korea, South",
            "ROK",
        ],
    ),
    ("KW", "KWT", &["Kuwait"]),
    ("KG", "KGZ", &["Kyrgyzstan"]),
    (
        "LA",
        "LAO",
        &["Laos", "Lao People's Democratic Republic", "Lao PDR"],
    ),
    ("LV", "LVA", &["Latvia"]),
    ("LB", "LBN", &["Lebanon"]),
    ("LS", "LSO", &["Lesotho"]),
    ("LR", "LBR", &["Liberia"]),
    ("LY", "LBY", &["Libya"]),
    ("LI", "LIE", &["Liechtenstein"]),
    ("LT", "LTU", &["Lithuania"]),
    ("LU", "LUX", &["Luxembourg"]),
    ("MO", "MAC", &["Macao", "Macau", "Macao SAR"]),
    ("MG", "MDG", &["Madagascar"]),
    ("MW", "MWI", &["Malawi"]),
    ("MY", "MYS", &["Malaysia"]),
    ("MV", "MDV", &["Maldives"]),
    ("ML", "MLI", &["Mali"]),
    ("MT", "MLT", &["Malta"]),
    ("MH", "MHL", &["Marshall Islands"]),
    ("MQ", "MTQ", &["Martinique"]),
    ("MR", "MRT", &["Mauritania"]),
    ("MU", "MUS", &["Mauritius"]),
    ("YT", "MYT", &["Mayotte"]),
    ("MX", "MEX", &["Mexico", "México"]),
    (
        "FM",
        "FSM",
        &[
            "Micronesia",
            "Micronesia (Federated States of)",
            "Federated States of Micronesia",
        ],
    ),
    (
        "MD",
        "MDA",
        &["Moldova", "Republic of Moldova", "Moldova, Republic of"],
    ),
    ("MC", "MCO", &["Monaco"]),
    ("MN", "MNG", &["Mongolia"]),
    ("ME", "MNE", &["Montenegro"]),
    ("MS", "MSR", &["Montserrat"]),
    ("MA", "MAR", &["Morocco"]),
    ("MZ", "MOZ", &["Mozambique"]),
    ("MM", "MMR", &["Myanmar", "Burma"]),
    ("NA", "NAM", &["Namibia"]),
    ("NR", "NRU", &["Nauru"]),
    ("NP", "NPL", &["Nepal"]),
    (
        "NL",
        "NLD",
        &[
            "Netherlands",
            "The Netherlands",
            "Holland",
            "Netherlands (Kingdom of the)",
        ],
    ),
    ("NC", "NCL", &["New Caledonia"]),
    ("NZ", "NZL", &["New Zealand"]),
    ("NI", "NIC", &["Nicaragua"]),
    ("NE", "NER", &["Niger"]),
    ("NG", "NGA", &["Nigeria"]),
    ("NU", "NIU", &["Niue"]),
    ("NF", "NFK", &["Norfolk Island"]),
    ("MK", "MKD", &["North Macedonia", "Macedonia"]),
    ("MP", "MNP", &["Northern Mariana Islands"]),
    ("NO", "NOR", &["Norway"]),
    ("OM", "OMN", &["Oman"]),
    ("PK", "PAK", &["Pakistan"]),
    ("PW", "PLW", &["Palau"]),
    (
        "PS",
        "PSE",
        &["Palestine", "State of Palestine", "Palestine, State of"],
    ),
    ("PA", "PAN", &["Panama"]),
    ("PG", "PNG", &["Papua New Guinea"]),
    ("PY", "PRY", &["Paraguay"]),
    ("PE", "PER", &["Peru"]),
    ("PH", "PHL", &["Philippines", "The Philippines"]),
    ("PN", "PCN", &["Pitcairn", "Pitcairn Islands"]),
    ("PL", "POL", &["Poland", "Polska", "Polen", "Pologne"]),
    ("PT", "PRT", &["Portugal"]),
    ("PR", "PRI", &["Puerto Rico"]),
    ("QA", "QAT", &["Qatar"]),
    ("RE", "REU", &["Réunion", "Reunion"]),
    ("RO", "ROU", &["Romania"]),
    ("RU", "RUS", &["Russia", "Russian Federation"]),
    ("RW", "RWA", &["Rwanda"]),
    ("BL", "BLM", &["Saint Barthélemy", "Saint Barthelemy"]),
    (
        "SH",
        "SHN",
        &[
            "Saint Helena",
            "Saint Helena, Ascension and Tristan da Cunha",
        ],
    ),
    ("KN", "KNA", &["Saint Kitts and Nevis"]),
    ("LC", "LCA", &["Saint Lucia"]),
    ("MF", "MAF", &["Saint Martin", "Saint Martin (French part)"]),
    ("PM", "SPM", &["Saint Pierre and Miquelon"]),
    ("VC", "VCT", &["Saint Vincent and the Grenadines"]),
    ("WS", "WSM", &["Samoa"]),
    ("SM", "SMR", &["San Marino"]),
    (
        "ST",
        "STP",
        &["Sao Tome and Principe", "São Tomé and Príncipe"],
    ),
    ("SA", "SAU", &["Saudi Arabia"]),
    ("SN", "SEN", &["Senegal"]),
    ("RS", "SRB", &["Serbia"]),
    ("SC", "SYC", &["Seychelles"]),
    ("SL", "SLE", &["Sierra Leone"]),
    ("SG", "SGP", &["Singapore"]),
    ("SX", "SXM", &["Sint Maarten", "Sint Maarten (Dutch part)"]),
    ("SK", "SVK", &["Slovakia", "Slovak Republic"]),
    ("SI", "SVN", &["Slovenia"]),
    ("SB", "SLB", &["Solomon Islands"]),
    ("SO", "SOM", &["Somalia"]),
    ("ZA", "ZAF", &["South Africa"]),
    (
        "GS",
        "SGS",
        &["South Georgia and the South Sandwich Islands"],
    ),
    ("SS", "SSD", &["South Sudan"]),
    (
        "ES",
        "ESP",
        &["Spain", "España", "Spanien", "Espagne", "Spagna"],
    ),
    ("LK", "LKA", &["Sri Lanka"]),
    ("SD", "SDN", &["Sudan"]),
    ("SR", "SUR", &["Suriname"]),
    ("SJ", "SJM", &["Svalbard and Jan Mayen"]),
    ("SE", "SWE", &["Sweden", "Sverige", "Schweden", "Suède"]),
    (
        "CH",
        "CHE",
        &["Switzerland", "Schweiz", "Suisse", "Svizzera"],
    ),
    ("SY", "SYR", &["Syria", "Syrian Arab Republic"]),
    (
        "TW",
        "TWN",
        &[
            "Taiwan",
            "Taiwan, Province of China",
            "Taiwan (Province of China)",
            "Republic of China",
            "Taiwan ROC",
            "Taiwan, R.O.C.",
            "Taiwan R.O.C.",
            "ROC",
            "R.O.C.",
            "Chinese Taipei",
        ],
    ),
    ("TJ", "TJK", &["Tajikistan"]),
    (
        "TZ",
        "TZA",
        &[
            "Tanzania",
            "United Republic of Tanzania",
            "Tanzania, United Republic of",
        ],
    ),
    ("TH", "THA", &["Thailand"]),
    ("TL", "TLS", &["Timor-Leste", "East Timor"]),
    ("TG", "TGO", &["Togo"]),
    ("TK", "TKL", &["Tokelau"]),
    ("TO", "TON", &["Tonga"]),
    ("TT", "TTO", &["Trinidad and Tobago"]),
    ("TN", "TUN", &["Tunisia"]),
    ("TR", "TUR", &["Türkiye", "Turkiye", "Turkey"]),
    ("TM", "TKM", &["Turkmenistan"]),
    ("TC", "TCA", &["Turks and Caicos Islands"]),
    ("TV", "TUV", &["Tuvalu"]),
    ("UG", "UGA", &["Uganda"]),
    ("UA", "UKR", &["Ukraine"]),
    ("AE", "ARE", &["United Arab Emirates", "UAE", "U.A.E."]),
    (
        "GB",
        "GBR",
        &[
            "United Kingdom",
            "United Kingdom of Great Britain and Northern Ireland",
            "Great Britain",
            "Britain",
            "UK",
            "U.K.",
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
        ],
    ),
    (
        "US",
        "USA",
        &[
            "United States",
            "United States of America",
            "USA",
            "U.S.A.",
            "U.S.",
            "US",
            "America",
            "the US",
            "the USA",
            "the United States",
        ],
    ),
    ("UM", "UMI", &["United States Minor Outlying Islands"]),
    ("UY", "URY", &["Uruguay"]),
    ("UZ", "UZB", &["Uzbekistan"]),
    ("VU", "VUT", &["Vanuatu"]),
    (
        "VE",
        "VEN",
        &[
            "Venezuela",
            "Venezuela (Bolivarian Republic of)",
            "Bolivarian Republic of Venezuela",
        ],
    ),
    (
        "VN",
        "VNM",
        &["Viet Nam", "Vietnam", "Socialist Republic of Vietnam"],
    ),
    (
        "VG",
        "VGB",
        &[
            "British Virgin Islands",
            "Virgin Islands (British)",
            "Virgin Islands, British",
        ],
    ),
    (
        "VI",
        "VIR",
        &[
            "U.S. Virgin Islands",
            "US Virgin Islands",
            "Virgin Islands (U.S.)",
            "Virgin Islands, U.S.",
        ],
    ),
    ("WF", "WLF", &["Wallis and Futuna"]),
    ("EH", "ESH", &["Western Sahara"]),
    ("YE", "YEM", &["Yemen"]),
    ("ZM", "ZMB", &["Zambia"]),
    ("ZW", "ZWE", &["Zimbabwe"]),
];

/// Chinese names used on Chinese-language datasheets and labels.
static CHINESE: &[(&str, &str)] = &[
    ("中华人民共和国", "CN"),
    ("中国大陆", "CN"),
    ("中国台湾", "TW"),
    ("中国香港", "HK"),
    ("中国澳门", "MO"),
    ("中國", "CN"),
    ("中国", "CN"),
    ("日本", "JP"),
    ("台湾", "TW"),
    ("台灣", "TW"),
    ("美国", "US"),
    ("美國", "US"),
    ("韩国", "KR"),
    ("韓國", "KR"),
    ("南韩", "KR"),
    ("德国", "DE"),
    ("德國", "DE"),
    ("越南", "VN"),
    ("马来西亚", "MY"),
    ("馬來西亞", "MY"),
    ("泰国", "TH"),
    ("泰國", "TH"),
    ("墨西哥", "MX"),
    ("印度尼西亚", "ID"),
    ("印尼", "ID"),
    ("印度", "IN"),
    ("菲律宾", "PH"),
    ("新加坡", "SG"),
    ("英国", "GB"),
    ("法国", "FR"),
    ("意大利", "IT"),
    ("加拿大", "CA"),
    ("香港", "HK"),
    ("澳门", "MO"),
    ("捷克", "CZ"),
    ("波兰", "PL"),
    ("匈牙利", "HU"),
    ("巴西", "BR"),
    ("瑞士", "CH"),
    ("荷兰", "NL"),
    ("西班牙", "ES"),
    ("以色列", "IL"),
    ("柬埔寨", "KH"),
    ("孟加拉国", "BD"),
    ("孟加拉", "BD"),
    ("斯里兰卡", "LK"),
    ("土耳其", "TR"),
    ("俄罗斯", "RU"),
    ("澳大利亚", "AU"),
    ("爱尔兰", "IE"),
    ("奥地利", "AT"),
    ("瑞典", "SE"),
    ("芬兰", "FI"),
    ("丹麦", "DK"),
    ("挪威", "NO"),
    ("比利时", "BE"),
    ("葡萄牙", "PT"),
    ("罗马尼亚", "RO"),
    ("斯洛伐克", "SK"),
    ("突尼斯", "TN"),
    ("摩洛哥", "MA"),
    ("埃及", "EG"),
    ("南非", "ZA"),
    ("缅甸", "MM"),
    ("老挝", "LA"),
    ("巴基斯坦", "PK"),
    ("朝鲜", "KP"),
];

/// Names that are acronyms: in running text they only count when written in
/// capitals, so the pronoun "us" is never the United States.
const ACRONYM_NAMES: &[&str] = &["us", "usa", "uk", "prc", "roc", "uae", "rok", "dprk", "drc"];

struct Index {
    names: HashMap<String, &'static str>,
    codes: HashMap<&'static str, &'static str>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut names = HashMap::new();
    let mut codes = HashMap::new();
    for &(a2, a3, list) in COUNTRIES {
        codes.insert(a2, a2);
        codes.insert(a3, a2);
        for n in list {
            names.insert(normalise(n), a2);
        }
    }
    // "UK" is not an ISO code but is what people write for GB.
    codes.insert("UK", "GB");
    Index { names, codes }
});

/// Lower-cases, folds the accents that occur in country names, drops dots and
/// apostrophes (so "P.R. China" = "PR China", "Côte d'Ivoire" = "Cote dIvoire"),
/// turns other punctuation into spaces and strips a leading "the".
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            '.' | '\'' | '’' | '‘' => continue,
            '&' => {
                out.push_str(" and ");
                continue;
            }
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        out.push(c);
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.strip_prefix("the ") {
        Some(rest) => rest.to_string(),
        None => collapsed,
    }
}

/// The English short name of an ISO 3166-1 alpha-2 code ("CN" → "China").
// "St. Augustine, FL", "Monett, MO": a US town and its state's postal code.
const US_TOWN_STATE: &str = r"(?:[A-Z][A-Za-z'\-]*\.?[ \t]+){0,3}[A-Z][A-Za-z'\-]*,[ \t]*(?P<st>A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])(?-u:\b)";

static US_AT_START: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(&format!("^{US_TOWN_STATE}")).ok());
static US_ANYWHERE: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(&format!("(?-u:\\b){US_TOWN_STATE}")).ok());

/// The end of a US town and its state's postal code at the start of `s`
/// ("St. Augustine, FL, Monett, MO" → after "FL"). The caller decides
/// whether the place is a site: "Malvern, PA" is as often an office.
pub fn us_town_state(s: &str) -> Option<usize> {
    let c = US_AT_START.as_ref()?.captures(s)?;
    c.name("st").map(|m| m.end())
}

/// Whether `quote` names a US town with its state, so that it supports
/// the United States as a country.
pub fn mentions_us_town_state(quote: &str) -> bool {
    US_ANYWHERE.as_ref().is_some_and(|re| re.is_match(quote))
}

/// National capitals, as they are written in English and locally: a
/// factory "located in Vilnius" is in Lithuania. Read only right after a
/// site or production cue, like US towns, and accepted by the verifier as
/// citing their country.
static CAPITALS: &[(&str, &str)] = &[
    ("Amsterdam", "NL"),
    ("Ankara", "TR"),
    ("Athens", "GR"),
    ("Bangkok", "TH"),
    ("Beijing", "CN"),
    ("Belgrade", "RS"),
    ("Berlin", "DE"),
    ("Bern", "CH"),
    ("Bogotá", "CO"),
    ("Bogota", "CO"),
    ("Bratislava", "SK"),
    ("Brussels", "BE"),
    ("Bucharest", "RO"),
    ("Budapest", "HU"),
    ("Buenos Aires", "AR"),
    ("Cairo", "EG"),
    ("Copenhagen", "DK"),
    ("Dhaka", "BD"),
    ("Dublin", "IE"),
    ("Hanoi", "VN"),
    ("Helsinki", "FI"),
    ("Jakarta", "ID"),
    ("Kuala Lumpur", "MY"),
    ("Kyiv", "UA"),
    ("Kiev", "UA"),
    ("Lima", "PE"),
    ("Lisbon", "PT"),
    ("Ljubljana", "SI"),
    ("London", "GB"),
    ("Madrid", "ES"),
    ("Manila", "PH"),
    ("Mexico City", "MX"),
    ("Nairobi", "KE"),
    ("New Delhi", "IN"),
    ("Oslo", "NO"),
    ("Ottawa", "CA"),
    ("Paris", "FR"),
    ("Prague", "CZ"),
    ("Praha", "CZ"),
    ("Riga", "LV"),
    ("Rome", "IT"),
    ("Roma", "IT"),
    ("Santiago", "CL"),
    ("Seoul", "KR"),
    ("Sofia", "BG"),
    ("Stockholm", "SE"),
    ("Taipei", "TW"),
    ("Tallinn", "EE"),
    ("Tokyo", "JP"),
    ("Vienna", "AT"),
    ("Wien", "AT"),
    ("Vilnius", "LT"),
    ("Warsaw", "PL"),
    ("Warszawa", "PL"),
    ("Zagreb", "HR"),
];

/// A national capital at the start of `s` ("Vilnius suburb Riešė"): its
/// country's code and the name's byte length. The name must end at a
/// non-letter.
pub fn capital_prefix(s: &str) -> Option<(&'static str, usize)> {
    CAPITALS.iter().find_map(|&(name, code)| {
        let rest = s.strip_prefix(name)?;
        (!rest.starts_with(char::is_alphabetic)).then_some((code, name.len()))
    })
}

/// Whether `quote` names the capital of the country `code`.
pub fn mentions_capital_of(quote: &str, code: &str) -> bool {
    CAPITALS.iter().any(|&(name, c)| {
        c == code
            && quote.match_indices(name).any(|(i, _)| {
                !quote[..i].ends_with(char::is_alphabetic)
                    && !quote[i + name.len()..].starts_with(char::is_alphabetic)
            })
    })
}

pub fn name_of(alpha2: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(a2, _, _)| a2.eq_ignore_ascii_case(alpha2))
        .and_then(|(_, _, names)| names.first().copied())
}

/// Maps a country name, variant, alpha-2/alpha-3 code or Chinese name to its
/// ISO 3166-1 alpha-2 code. Case-insensitive; surrounding whitespace and
/// punctuation are ignored. Regions ("EU", "Asia", "Worldwide") give `None`.
pub fn to_alpha2(name_or_code: &str) -> Option<&'static str> {
    let trimmed = name_or_code.trim().trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '"' | '(' | ')')
    });
    if trimmed.is_empty() {
        return None;
    }
    if let Some(&(_, code)) = CHINESE.iter().find(|(n, _)| *n == trimmed) {
        return Some(code);
    }
    if (2..=3).contains(&trimmed.len()) && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
        let upper = trimmed.to_ascii_uppercase();
        if let Some(&code) = INDEX.codes.get(upper.as_str()) {
            return Some(code);
        }
    }
    INDEX.names.get(&normalise(trimmed)).copied()
}

/// Looks for a country name at the very start of `s` (as in the text after
/// "Made in "). Returns the alpha-2 code and the byte length of the name as
/// written. Codes ("CN", "CHN") are accepted only with `allow_codes` and only
/// in capitals, because after a weak cue a two-letter word is rarely a code.
pub(crate) fn country_prefix(s: &str, allow_codes: bool) -> Option<(&'static str, usize)> {
    let first = s.chars().next()?;
    if is_cjk(first) {
        // Longest name first so 中国台湾 wins over 中国.
        return CHINESE
            .iter()
            .filter(|(n, _)| s.starts_with(n))
            .max_by_key(|(n, _)| n.len())
            .map(|&(n, code)| (code, n.len()));
    }
    if !first.is_alphabetic() {
        return None;
    }
    let words = word_ends(s, 6);
    for &end in words.iter().rev() {
        let Some(candidate) = s.get(..end) else {
            continue;
        };
        let norm = normalise(candidate);
        if let Some(&code) = INDEX.names.get(&norm) {
            if ACRONYM_NAMES.contains(&norm.as_str()) && candidate.chars().any(char::is_lowercase) {
                continue;
            }
            return Some((code, trim_final_dot(candidate)));
        }
    }
    if allow_codes {
        let end = *words.first()?;
        let token = s.get(..end)?;
        if (2..=3).contains(&token.len())
            && token.chars().all(|c| c.is_ascii_uppercase())
            && let Some(&code) = INDEX.codes.get(token)
        {
            return Some((code, end));
        }
    }
    None
}

/// A sentence-final full stop is not part of the name ("Made in China."), but
/// the dots of "U.S.A." are.
fn trim_final_dot(candidate: &str) -> usize {
    match candidate.strip_suffix('.') {
        Some(rest) if !rest.contains('.') => rest.len(),
        _ => candidate.len(),
    }
}

/// Byte offsets of the ends of the first `max` words of `s`. Words are letters
/// with inner dots, apostrophes and hyphens; words may be separated by spaces,
/// tabs or one line break (names wrap in flattened PDF text), or by a comma
/// for "Korea, Republic of".
fn word_ends(s: &str, max: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut chars = s.char_indices().peekable();
    while ends.len() < max {
        // one word
        let mut end = None;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_alphabetic() || matches!(c, '.' | '\'' | '’' | '-') {
                end = Some(i + c.len_utf8());
                chars.next();
            } else {
                break;
            }
        }
        let Some(end) = end else { break };
        // a word glued to digits ("China2") is not a name; a footnote
        // marker ("China¹") is not glued
        if let Some(&(_, c)) = chars.peek()
            && crate::util::is_word_char(c)
        {
            break;
        }
        ends.push(end);
        // separator
        let mut newlines = 0;
        let mut saw_sep = false;
        while let Some(&(_, c)) = chars.peek() {
            match c {
                ' ' | '\t' | '\u{a0}' | ',' => {}
                '\n' => newlines += 1,
                '\r' => {}
                _ => break,
            }
            saw_sep = true;
            chars.next();
        }
        if !saw_sep || newlines > 1 {
            break;
        }
    }
    ends
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn capitals_are_known_countries_and_whole_words() {
        for &(name, code) in CAPITALS {
            assert!(name_of(code).is_some(), "{name} {code}");
        }
        assert_eq!(capital_prefix("Vilnius suburb"), Some(("LT", 7)));
        assert_eq!(capital_prefix("Parisian"), None);
        assert!(mentions_capital_of("located in the Vilnius", "LT"));
        assert!(!mentions_capital_of("located in the Vilnius", "LV"));
        assert!(!mentions_capital_of("Romania", "IT"));
    }

    #[test]
    fn table_is_complete_and_consistent() {
        assert_eq!(COUNTRIES.len(), 249);
        let mut a2 = std::collections::HashSet::new();
        let mut a3 = std::collections::HashSet::new();
        let mut names: HashMap<String, &str> = HashMap::new();
        for &(c2, c3, list) in COUNTRIES {
            assert!(a2.insert(c2), "{c2}");
            assert!(a3.insert(c3), "{c3}");
            assert_eq!(c2.len(), 2);
            assert_eq!(c3.len(), 3);
            for n in list {
                if let Some(prev) = names.insert(normalise(n), c2) {
                    assert_eq!(prev, c2, "name {n} maps to two countries");
                }
            }
        }
        for &(_, code) in CHINESE {
            assert!(a2.contains(code), "{code}");
        }
    }

    #[test]
    fn every_code_and_first_name_round_trips() {
        for &(c2, c3, list) in COUNTRIES {
            assert_eq!(to_alpha2(c2), Some(c2));
            assert_eq!(to_alpha2(c3), Some(c2));
            assert_eq!(to_alpha2(&c2.to_lowercase()), Some(c2));
            for n in list {
                assert_eq!(to_alpha2(n), Some(c2), "{n}");
                assert_eq!(to_alpha2(&n.to_uppercase()), Some(c2), "{n}");
            }
        }
    }

    #[test]
    fn common_variants() {
        let cases = [
            ("USA", "US"),
            ("U.S.A.", "US"),
            ("United States of America", "US"),
            ("the United States", "US"),
            ("PRC", "CN"),
            ("P.R. China", "CN"),
            ("P.R.China", "CN"),
            ("People's Republic of China", "CN"),
            ("People’s Republic of China", "CN"),
            ("china", "CN"),
            ("CHN", "CN"),
            ("CN", "CN"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
            ("Korea", "KR"),
            ("South Korea", "KR"),
            ("Korea, Republic of", "KR"),
            ("Taiwan", "TW"),
            ("Taiwan, R.O.C.", "TW"),
            ("UK", "GB"),
            ("Great Britain", "GB"),
            ("England", "GB"),
            ("Czech Republic", "CZ"),
            ("Côte d'Ivoire", "CI"),
            ("Cote d’Ivoire", "CI"),
            ("Türkiye", "TR"),
            ("Turkey", "TR"),
            ("Hong Kong", "HK"),
            ("  Japan. ", "JP"),
            ("Mexico", "MX"),
            ("México", "MX"),
            ("Bosnia & Herzegovina", "BA"),
        ];
        for (input, want) in cases {
            assert_eq!(to_alpha2(input), Some(want), "{input}");
        }
    }

    #[test]
    fn chinese_names() {
        for (input, want) in [
            ("中国", "CN"),
            ("日本", "JP"),
            ("台湾", "TW"),
            ("美国", "US"),
            ("韩国", "KR"),
            ("德国", "DE"),
            ("越南", "VN"),
            ("马来西亚", "MY"),
            ("泰国", "TH"),
            ("墨西哥", "MX"),
            (" 中华人民共和国 ", "CN"),
        ] {
            assert_eq!(to_alpha2(input), Some(want), "{input}");
        }
    }

    #[test]
    fn regions_and_junk_are_not_countries() {
        for input in [
            "",
            " ",
            "EU",
            "Europe",
            "Asia",
            "WW",
            "Worldwide",
            "North America",
            "default",
            "Riverside CA",
            "X",
            "ZZ",
            "ZZZ",
            "California",
            "12",
            "中",
            "亚洲",
        ] {
            assert_eq!(to_alpha2(input), None, "{input}");
        }
    }

    #[test]
    fn prefix_scanning() {
        assert_eq!(country_prefix("China.", false), Some(("CN", 5)));
        assert_eq!(
            country_prefix("China and sold worldwide", false),
            Some(("CN", 5))
        );
        assert_eq!(
            country_prefix("United States of America, by", false),
            Some(("US", 24))
        );
        assert_eq!(country_prefix("U.S.A.", false), Some(("US", 6)));
        assert_eq!(country_prefix("P.R. China", false), Some(("CN", 10)));
        assert_eq!(country_prefix("Viet Nam", false), Some(("VN", 8)));
        assert_eq!(
            country_prefix("中国制造", false),
            Some(("CN", "中国".len()))
        );
        assert_eq!(
            country_prefix("中国台湾", false),
            Some(("TW", "中国台湾".len()))
        );
        // codes need permission and capitals
        assert_eq!(country_prefix("CN  Use Location", false), None);
        assert_eq!(country_prefix("CN  Use Location", true), Some(("CN", 2)));
        assert_eq!(country_prefix("cn", true), None);
        // acronym names need capitals in running text
        assert_eq!(country_prefix("us by air", false), None);
        assert_eq!(country_prefix("USA", false), Some(("US", 3)));
        // not countries
        assert_eq!(country_prefix("New Jersey", false), None);
        assert_eq!(country_prefix("North America", false), None);
        assert_eq!(country_prefix("Chinaware", false), None);
        assert_eq!(country_prefix("China2", false), None);
        assert_eq!(country_prefix("accordance with", false), None);
        assert_eq!(country_prefix("", true), None);
        assert_eq!(country_prefix("2. United States", false), None);
    }
}
