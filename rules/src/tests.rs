//! End-to-end tests of `extract` on short texts in the style of the corpus.

use super::*;

fn all(text: &str) -> Findings {
    extract(text, &[0..text.len()])
}

fn quote(text: &str, e: Evidence) -> &str {
    &text[e.start..e.end]
}

/// Every evidence span of every finding is a valid slice of the text, within
/// the regions, and carries what the brief asks for.
fn check_evidence(text: &str, regions: &[Range<usize>], f: &Findings) {
    let inside = |e: Evidence| regions.iter().any(|r| r.start <= e.start && e.end <= r.end);
    for m in &f.mass {
        assert!(inside(m.evidence), "{m:?}");
        let q = text.get(m.evidence.start..m.evidence.end).unwrap();
        assert!(q.chars().count() <= 220, "{q}");
        let number = format!("{}", m.value);
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        let qdigits: String = q.chars().filter(char::is_ascii_digit).collect();
        assert!(
            qdigits.contains(digits.trim_start_matches('0').trim_end_matches('0')),
            "{q} / {}",
            m.value
        );
        assert!(m.grams > 0.0 && m.grams.is_finite());
        assert!((0.0..=1.0).contains(&m.confidence));
    }
    for o in &f.origin {
        assert!(inside(o.evidence), "{o:?}");
        let q = text.get(o.evidence.start..o.evidence.end).unwrap();
        assert_eq!(o.country.len(), 2);
        // the quote names the country as written somewhere
        let b: Vec<usize> = (0..=q.len()).filter(|&i| q.is_char_boundary(i)).collect();
        let named = b.iter().any(|&i| {
            b.iter()
                .filter(|&&j| j > i && j - i <= 40)
                .any(|&j| country::to_alpha2(&q[i..j]) == Some(o.country.as_str()))
        });
        assert!(named, "{q} / {}", o.country);
    }
    for m in &f.materials {
        assert!(inside(m.evidence), "{m:?}");
        let q = text.get(m.evidence.start..m.evidence.end).unwrap();
        assert!(vocab::mentions(q, &m.name), "{q} / {}", m.name);
        assert!(q.chars().count() <= 220, "{q}");
        assert_eq!(m.name, m.name.to_lowercase());
    }
    for r in &f.recycled {
        assert!(inside(r.evidence), "{r:?}");
        let q = text.get(r.evidence.start..r.evidence.end).unwrap();
        let p = format!("{}", r.percent);
        assert!(q.contains(&p), "{q} / {p}");
        assert!(r.percent > 0.0 && r.percent <= 100.0);
    }
}

const DIODE: &str = "1N4148\nVishay Semiconductors\nSmall Signal Fast Switching Diodes\n\
MECHANICAL DATA\nCase: DO-35 (DO-204AH)\nWeight: approx. 105 mg\nCathode band color: black\n\
Packaging codes / options:\nTR/10K per 13\" reel (52 mm tape), 50K/box\n\
• Material categorization: for definitions of compliance please see www.vishay.com/doc?99912\n\
Vishay Intertechnology, Inc., 63 Lancaster Avenue, Malvern, PA 19355\n";

#[test]
fn diode_datasheet() {
    let f = all(DIODE);
    check_evidence(DIODE, &[0..DIODE.len()], &f);
    assert_eq!(f.mass.len(), 1, "{:?}", f.mass);
    assert!((f.mass[0].grams - 0.105).abs() < 1e-12);
    assert_eq!(f.mass[0].unit, "mg");
    assert_eq!(quote(DIODE, f.mass[0].evidence), "Weight: approx. 105 mg");
    assert!(f.origin.is_empty(), "{:?}", f.origin);
    assert!(f.materials.is_empty(), "{:?}", f.materials);
    assert!(f.recycled.is_empty());
}

const ACCELEROMETER: &str = "LIS3DH MEMS digital output motion sensor: ultra-low-power high-performance 3-axis \"nano\" accelerometer\n\
Features\n• ±2g/±4g/±8g/±16g dynamically selectable full scale\n• 16-bit data output\n\
• 10000 g high shock survivability\n• ECOPACK®, RoHS and “Green” compliant\n\
Table 3. Mechanical characteristics\nFS Measurement range(2) FS bit set to 00 ±2.0 g\n\
So Sensitivity FS bit set to 00 1 mg/digit\nTyO Typical zero-g level offset accuracy ±40 mg\n\
Full scale ±8 g\nAn acceleration of 2 g range is recommended\nDrop test: 1.5 m onto concrete\n\
Absolute maximum ratings: Acceleration (any axis, powered) 3000 g for 0.5 ms; 10000 g for 0.2 ms\n\
Lead-free, halogen-free package. Made in Malta? See the ST sales offices in China, Japan and the USA.\n";

#[test]
fn accelerometer_yields_no_mass() {
    let f = all(ACCELEROMETER);
    assert!(f.mass.is_empty(), "{:?}", f.mass);
    assert!(f.materials.is_empty(), "{:?}", f.materials);
    assert!(f.recycled.is_empty());
}

const CARBON_REPORT: &str = "OptiPlex 7760 All-in-One Desktop \nThis product’s estimated carbon footprint: \n720 kgCO2e +/- 100 kgCO2e \n\
Calculations are based on the following methodologies: 2.45 miles driven per 1 kg co2e (source: U.S. EPA); approx. 850 kg \n\
co2e absorbed per acre of forests over a year (source: U.S. EPA). \n\
Assumptions for calculating product carbon footprint: \nProduct Weight  13.23 kg  Screen Size  27”  Assembly \n\
Location  China \nProduct Lifetime  4 years  Use Location  EU  Energy Demand \n(Yearly TEC)  118.1044 kWh \n\
End of Life  Fraction Recycled (remainder to landfill)  fraction  0.94\n\
Dell Inc., One Dell Way, Round Rock, Texas, USA. Sold in Germany and shipped to France.\n";

#[test]
fn carbon_report() {
    let f = all(CARBON_REPORT);
    check_evidence(CARBON_REPORT, &[0..CARBON_REPORT.len()], &f);
    assert_eq!(f.mass.len(), 1, "{:?}", f.mass);
    assert!((f.mass[0].grams - 13_230.0).abs() < 1e-9);
    assert_eq!(
        quote(CARBON_REPORT, f.mass[0].evidence),
        "Product Weight  13.23 kg"
    );
    assert_eq!(f.origin.len(), 1, "{:?}", f.origin);
    assert_eq!(f.origin[0].country, "CN");
    assert_eq!(
        quote(CARBON_REPORT, f.origin[0].evidence),
        "Assembly \nLocation  China"
    );
    assert!(f.recycled.is_empty(), "{:?}", f.recycled);
}

const WEB_PAGE: &str = "SOURCE_URL: https://example.invalid/devices\n----\n\
All Echo and Fire TV devices launched today will include 100% post-consumer recycled fabric, \
100% recycled die-cast aluminium, and 30-50% post-consumer recycled plastic. \
The packaging is 100% recyclable and made from 95% recycled paper. \
We recycle 90% of our manufacturing waste, and our take-back programme covers 99% of our markets.\n";

#[test]
fn web_page_recycled_claims() {
    let f = all(WEB_PAGE);
    check_evidence(WEB_PAGE, &[0..WEB_PAGE.len()], &f);
    let got: Vec<(Option<&str>, f64, RecycledKind)> = f
        .recycled
        .iter()
        .map(|r| (r.material.as_deref(), r.percent, r.kind))
        .collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.contains(&(Some("fabric"), 100.0, RecycledKind::PostConsumer)));
    assert!(got.contains(&(Some("aluminium"), 100.0, RecycledKind::Unspecified)));
    assert!(got.contains(&(Some("plastic"), 50.0, RecycledKind::PostConsumer)));
    let names: Vec<&str> = f.materials.iter().map(|m| m.name.as_str()).collect();
    assert!(
        names.contains(&"aluminium") && names.contains(&"plastic") && names.contains(&"fabric"),
        "{names:?}"
    );
    assert!(!names.contains(&"paper"), "{names:?}");
    assert!(f.mass.is_empty());
}

const CONNECTOR_ZH: &str = "FPC 连接器 产品规格书\n【5】外观形状、寸法及材质 PRODUCT SHAPE,DIMENSIONS AND\nMATERIALS\n\
名称 NAME\n\n材质\n\n主体 Main body\n\nMATERIALS\n\nLCP(本色)\n\nUL 94V-0\n\n\
端子 Sit uip 磷青铜 Phosphor Bronze\n焊片 Contact\n\n磷青铜 Phosphor Bronze\n\n备注 Remark\n\n金属表面镀锡\n\
重量 1.6 克\n产地：中国\n中国电器电子产品有害物质限制使用管理办法（China RoHS 2）\n";

#[test]
fn chinese_connector() {
    let f = all(CONNECTOR_ZH);
    check_evidence(CONNECTOR_ZH, &[0..CONNECTOR_ZH.len()], &f);
    assert_eq!(f.mass.len(), 1);
    assert_eq!(quote(CONNECTOR_ZH, f.mass[0].evidence), "重量 1.6 克");
    assert_eq!(f.mass[0].unit, "克");
    assert_eq!(f.origin.len(), 1);
    assert_eq!(f.origin[0].country, "CN");
    assert_eq!(quote(CONNECTOR_ZH, f.origin[0].evidence), "产地：中国");
    let mut names: Vec<&str> = f.materials.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["lcp", "phosphor bronze", "tin"]);
}

#[test]
fn materials_are_deduplicated_with_best_evidence() {
    let t = "Contact: phosphor bronze\nTerminal: Phosphor Bronze, tin plated\nMATERIALS\nphosphor bronze\n";
    let f = all(t);
    let pb: Vec<&MaterialFinding> = f
        .materials
        .iter()
        .filter(|m| m.name == "phosphor bronze")
        .collect();
    assert_eq!(pb.len(), 1);
    assert_eq!(quote(t, pb[0].evidence), "Contact: phosphor bronze");
    assert_eq!(pb[0].rule, "labelled_material");
}

#[test]
fn mass_ranking_prefers_labelled_product_mass() {
    let t = "Total materials:\n348 g\nProduct weight: 350 g\n";
    let f = all(t);
    assert_eq!(f.mass.len(), 2);
    assert_eq!(f.mass[0].value, 350.0);
    assert_eq!(f.mass[1].value, 348.0);
    // a second statement of the same value elsewhere stays a separate finding
    let t2 = "Weight: 2 g\nWeight: 2 g\n";
    assert_eq!(all(t2).mass.len(), 2);
    // one statement, two units → one finding, the metric one
    let t3 = "Mass: 0.002 ounce, 0.07 grams";
    let f3 = all(t3);
    assert_eq!(f3.mass.len(), 1);
    assert_eq!(f3.mass[0].unit, "grams");
}

#[test]
fn regions_restrict_every_rule() {
    let t = "Weight: 2 g\nMade in Japan\nHousing: PBT\n30% recycled plastic\n--\nWeight: 5 g\nMade in Mexico\nHousing: LCP\n50% recycled aluminium\n";
    let cut = t.find("--").unwrap();
    let first = extract(t, &[0..cut]);
    check_evidence(t, &[0..cut], &first);
    assert_eq!(first.mass.len(), 1);
    assert_eq!(first.mass[0].value, 2.0);
    assert_eq!(first.origin.len(), 1);
    assert_eq!(first.origin[0].country, "JP");
    assert!(first.materials.iter().all(|m| m.evidence.end <= cut));
    assert!(first.materials.iter().any(|m| m.name == "pbt"));
    assert!(!first.materials.iter().any(|m| m.name == "lcp"));
    assert_eq!(first.recycled.len(), 1);
    assert_eq!(first.recycled[0].percent, 30.0);

    let second = extract(t, &[cut..t.len()]);
    check_evidence(t, &[cut..t.len()], &second);
    assert_eq!(second.mass[0].value, 5.0);
    assert_eq!(second.origin[0].country, "MX");
    assert!(second.mass[0].evidence.start >= cut);

    // two regions at once, in any order, overlapping
    let both = extract(t, &[cut..t.len(), 0..cut, 3..10]);
    assert_eq!(both.mass.len(), 2);
    assert_eq!(both.origin.len(), 2);

    // a region that splits a statement does not invent a different one
    let w = t.find("2 g").unwrap();
    assert!(extract(t, &[0..w + 1]).mass.is_empty());
}

#[test]
fn offsets_are_bytes_on_char_boundaries() {
    let t = "Größe: 5 mm — Gewicht\n“Weight”: 12,5 g ✓\n重量：约2.5g\nMade in Viet Nam.";
    let f = all(t);
    check_evidence(t, &[0..t.len()], &f);
    let quotes: Vec<&str> = f.mass.iter().map(|m| quote(t, m.evidence)).collect();
    assert!(
        quotes.contains(&"Weight”: 12,5 g")
            || quotes.contains(&"“Weight”: 12,5 g")
            || quotes.iter().any(|q| q.contains("12,5 g")),
        "{quotes:?}"
    );
    assert!(quotes.contains(&"重量：约2.5g"), "{quotes:?}");
    assert_eq!(quote(t, f.origin[0].evidence), "Made in Viet Nam");
    for m in &f.mass {
        assert!(t.is_char_boundary(m.evidence.start) && t.is_char_boundary(m.evidence.end));
    }
}

#[test]
fn empty_and_degenerate_inputs() {
    assert_eq!(extract("", &[0..0]), Findings::default());
    assert_eq!(extract("", &[]), Findings::default());
    assert_eq!(extract("Weight: 2 g", &[]), Findings::default());
    assert_eq!(extract("Weight: 2 g", &[50..80]), Findings::default());
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = extract("Weight: 2 g", &[8..2]);
    assert_eq!(backwards, Findings::default());
    let euro = "€€€";
    assert_eq!(
        extract(euro, &[1..2, 4..8, 0..usize::MAX]),
        Findings::default()
    );
    for t in [
        "Weight:",
        "Weight: g",
        "Made in",
        "Country of origin:",
        "%",
        "100%",
        "recycled",
        ":",
        "\n\n\n",
        "Weight\n",
    ] {
        let f = all(t);
        assert!(
            f.mass.is_empty() && f.origin.is_empty() && f.recycled.is_empty(),
            "{t}"
        );
    }
}

/// A tiny deterministic generator, so the fuzz test needs no dependency.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn garbage_never_panics() {
    let mut rng = Lcg(42);
    for round in 0..200 {
        let len = (rng.next() % 600) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() % 256) as u8).collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let a = (rng.next() as usize) % (text.len() + 3);
        let b = (rng.next() as usize) % (text.len() + 3);
        let f = extract(&text, &[a..b, 0..text.len()]);
        check_evidence(&text, &[0..text.len()], &f);
        let _ = round;
    }
    // garbage built from the rules' own vocabulary is the harder case
    let pieces = [
        "Weight",
        ":",
        " ",
        "\n",
        "2",
        ".",
        "5",
        "g",
        "kg",
        "mg",
        "±",
        "Made in",
        "China",
        "CN",
        "Assembly",
        "Location",
        "%",
        "recycled",
        "PCR",
        "plastic",
        "Housing",
        "PBT",
        "重量",
        "克",
        "产地",
        "中国",
        "制造",
        "Total weight",
        "Material weight [mg]",
        "|",
        ",",
        "\"",
        "weight",
        "assembly_location",
        "gwp_total",
        "…",
        "....",
        "(kg)",
        "approx.",
        "up to",
        "between",
        "and",
        "-",
        "free",
        "Pb",
        "磷青铜",
        "€",
        "\t",
    ];
    for _ in 0..500 {
        let n = (rng.next() % 40) as usize;
        let text: String = (0..n)
            .map(|_| pieces[(rng.next() as usize) % pieces.len()])
            .collect();
        let f = all(&text);
        check_evidence(&text, &[0..text.len()], &f);
        let a = (rng.next() as usize) % (text.len() + 1);
        let f = extract(&text, &[a..text.len()]);
        check_evidence(&text, &[0..text.len()], &f);
    }
}

#[test]
fn one_megabyte_is_fast_and_safe() {
    let line = "Weight: approx. 105 mg | Made in China | Housing: PBT | 30% post-consumer recycled plastic | Contact resistance 20 mΩ | 重量 1.6 克\n";
    let mut text = String::with_capacity(1 << 20);
    while text.len() < (1 << 20) {
        text.push_str(line);
    }
    let start = std::time::Instant::now();
    let f = all(&text);
    let elapsed = start.elapsed();
    assert!(!f.mass.is_empty());
    assert_eq!(f.origin.len(), 1);
    // generous: debug builds on a slow shared machine
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");

    let mut rng = Lcg(7);
    let bytes: Vec<u8> = (0..(1 << 20)).map(|_| (rng.next() % 256) as u8).collect();
    let garbage = String::from_utf8_lossy(&bytes).into_owned();
    let f = all(&garbage);
    check_evidence(&garbage, &[0..garbage.len()], &f);

    let one_line = "a".repeat(1 << 20);
    let _ = all(&one_line);
    let digits = "1".repeat(1 << 20);
    let _ = all(&digits);
}

#[test]
fn deterministic() {
    for t in [DIODE, ACCELEROMETER, CARBON_REPORT, WEB_PAGE, CONNECTOR_ZH] {
        assert_eq!(all(t), all(t));
    }
}

#[test]
fn serde_shapes() {
    assert_eq!(
        serde_json::to_string(&RecycledKind::PostConsumer).unwrap(),
        "\"post_consumer\""
    );
    assert_eq!(
        serde_json::to_string(&RecycledKind::PreConsumer).unwrap(),
        "\"pre_consumer\""
    );
    assert_eq!(
        serde_json::to_string(&RecycledKind::Unspecified).unwrap(),
        "\"unspecified\""
    );
    let f = all(CONNECTOR_ZH);
    let json = serde_json::to_value(&f).unwrap();
    assert!(json["mass"][0]["evidence"]["start"].is_u64());
    assert_eq!(json["mass"][0]["unit"], "克");
    let e: Evidence = serde_json::from_str(r#"{"start":1,"end":2}"#).unwrap();
    assert_eq!(e, Evidence { start: 1, end: 2 });
    assert!(!RULES_VERSION.is_empty());
}

#[test]
fn footnote_markers_between_a_label_and_its_value_are_skipped() {
    for (text, grams) in [
        ("Weight¹\t0.5 g", 0.5),
        ("Weight (1)  2 g", 2.0),
        ("Unit weight*: 3 g", 3.0),
        ("Weight⁽²⁾\tapprox. 105 mg", 0.105),
    ] {
        let f = all(text);
        check_evidence(text, &[0..text.len()], &f);
        assert!(
            f.mass
                .first()
                .is_some_and(|m| (m.grams - grams).abs() < 1e-9),
            "{text}: {:?}",
            f.mass
        );
    }
}

#[test]
fn a_footnote_marker_after_a_unit_or_a_name_ends_the_word() {
    let text = "Total materials: 40 g⁸ in the box";
    let f = all(text);
    assert!(
        f.mass
            .first()
            .is_some_and(|m| (m.grams - 40.0).abs() < 1e-9),
        "{:?}",
        f.mass
    );
    let text = "Country of origin: Germany¹";
    assert_eq!(
        all(text).origin.first().map(|o| o.country.as_str()),
        Some("DE")
    );
}

#[test]
fn a_list_item_ends_at_the_next_item() {
    // The next bullet's RoHS wording is not about this item's plating.
    let text = "FEATURES\n- Matte Tin(Sn) lead finish with Nickel(Ni) underplate\n- Pb free and RoHS compliant\n";
    let names: Vec<String> = all(text).materials.iter().map(|m| m.name.clone()).collect();
    assert!(
        names.contains(&"tin".to_owned()) && names.contains(&"nickel".to_owned()),
        "{names:?}"
    );
}

#[test]
fn a_packaged_weight_after_the_bare_weight_does_not_veto_it() {
    let text = "Weight:\t321.4 grams (main body with battery) 595.0 grams (packaged product, including accessories and packaging)";
    let f = all(text);
    assert!(
        f.mass
            .first()
            .is_some_and(|m| (m.grams - 321.4).abs() < 1e-9),
        "{:?}",
        f.mass
    );
    let f = all("Weight: 150 g per reel");
    assert!(f.mass.is_empty(), "{:?}", f.mass);
}

#[test]
fn origin_wording_of_stages_and_processes() {
    let countries = |t: &str| -> Vec<String> {
        let mut v: Vec<String> = all(t).origin.into_iter().map(|o| o.country).collect();
        v.sort();
        v
    };
    assert_eq!(
        countries("Wafer fab: Taiwan\nAssembly: Malaysia\nTest: Philippines"),
        ["MY", "PH", "TW"]
    );
    assert_eq!(
        countries("Our steel is melted and manufactured in the USA."),
        ["US"]
    );
    assert_eq!(countries("Melted in Germany, rolled in Austria"), ["DE"]);
    assert_eq!(countries("Country of production: Vietnam"), ["VN"]);
    // the plant that makes it, a few place words before the country
    assert_eq!(
        countries("The sauce is produced in an owned plant located in Rubbiano (Italy)."),
        ["IT"]
    );
    assert_eq!(
        countries("made by the company's factory located in eastern China, its emissions"),
        ["CN"]
    );
    // too far from "located in", or past the clause: not this plant's country
    assert!(countries("a plant located in the hills near the old river town. France").is_empty());
    assert!(countries("Headquarters located in Germany").is_empty());
    // Not origins: an office, a market.
    assert!(countries("Sales office: Germany").is_empty());
    assert!(countries("Sold in Canada").is_empty());
}

#[test]
fn a_country_field_of_an_address_is_not_an_origin() {
    assert!(
        all("Company: Acme GmbH\nStreet: Hauptstr. 1\nCountry: Germany")
            .origin
            .is_empty()
    );
}

#[test]
fn a_composition_charts_legend_names_the_products_materials() {
    let text = "Materials Used\n  It has been adequately evaluated the recyclability of material and components when designing the product.\n\n  The chart below details the materials used to create the product:\n\n      4.08%\n  6.16%            Metals\n   21.13%          Plastics\n                   Glass and ceramic\n   23.40%          materials\n                   Battery\n                   Circuit Board Assembly\n   24.91%          Others\n\n  The packaging is made primarily from fiberboard which is highly recyclable.\n  Paper\n";
    let f = extract(text, &[0..text.len()]);
    let names: Vec<&str> = f
        .materials
        .iter()
        .filter(|m| m.rule == "composition_legend")
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["metal", "plastic", "glass", "ceramic"]);
    for m in &f.materials {
        let quote = &text[m.evidence.start..m.evidence.end];
        assert!(
            quote.to_lowercase().starts_with(&m.name[..4]),
            "{} at {quote:?}",
            m.name
        );
    }
    // a legend of masses: "166 g Plastic", "20 g Steel"; assemblies are not materials
    // (an earlier heading whose paragraph ends on packaging does not hide it)
    let text = "Material use\tThe device is small, which saves\nmaterials and packaging.\n\nMaterials used in\t88 g\t166 g\nNest Protect\tBatteries (AA)\tPlastic\n66 g\nElectronics\n20 g   8g\nSteel   Other\n";
    let f = extract(text, &[0..text.len()]);
    let mut names: Vec<&str> = f.materials.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["plastic", "steel"]);
    // characters whose lower case changes their byte length inside a cell
    let text = "Materials used\nẞȺ and glass\nȺẞ glass\n";
    let _ = extract(text, &[0..text.len()]);
    // without the heading, a list of words is not a composition
    let f = extract("Metals\nPlastics\nGlass\n", &[0..20]);
    assert!(f.materials.is_empty());
}

#[test]
fn a_share_restated_without_its_material_is_the_same_claim() {
    let text = "The enclosure uses 30% PCC recycled plastic. Lenovo has used \
        30% PCC recycled material in this monitor since 2009. \
        The stand contains 10% recycled content.";
    let f = extract(text, &[0..text.len()]);
    let got: Vec<(Option<&str>, f64)> = f
        .recycled
        .iter()
        .map(|r| (r.material.as_deref(), r.percent))
        .collect();
    assert!(got.contains(&(Some("plastic"), 30.0)), "{got:?}");
    assert!(!got.contains(&(None, 30.0)), "{got:?}");
    // a share of its own stays
    assert!(got.contains(&(None, 10.0)), "{got:?}");
}

#[test]
fn semiconductor_phrases_name_die_and_body_materials() {
    let names = |t: &str| -> Vec<String> {
        let mut v: Vec<String> = all(t).materials.into_iter().map(|m| m.name).collect();
        v.sort();
        v
    };
    assert_eq!(names("6.0A SILICON RECTIFIER"), ["silicon"]);
    assert_eq!(names("• Silicon epitaxial planar diode"), ["silicon"]);
    assert_eq!(names("GLASS FAST RECOVERY RECTIFIER"), ["glass"]);
    assert_eq!(names("Glass Passivated Die Construction"), ["glass"]);
    assert_eq!(names("- Hermetically sealed glass case"), ["glass"]);
    assert_eq!(
        names("Molding compound meets UL 94 V-0 flammability rating"),
        ["molding compound"]
    );
    // not a device made of it, not a rating stated for a material
    assert!(names("Silicon Valley office; a diode").is_empty());
    assert!(names("The housing meets UL 94 V-0").is_empty());
    assert!(names("Glass and High Temperature Solder Exemptions Applied").is_empty());
}

#[test]
fn a_recycled_total_and_its_breakdown_are_one_claim() {
    let t = "Limerick is comprised of 71-percent recycled materials.\nThis figure breaks down to 59- percent post-consumer\nand 12-percent pre-consumer recycled content.";
    let f = all(t);
    let got: Vec<f64> = f.recycled.iter().map(|r| r.percent).collect();
    assert_eq!(got, vec![71.0], "{:?}", f.recycled);
    // shares that do not add up to a stated total are claims of their own
    let t = "The frame has 30% post-consumer recycled content. The seat has 20% pre-consumer recycled content. The chair has 90% recycled content.";
    let mut got: Vec<f64> = all(t).recycled.iter().map(|r| r.percent).collect();
    got.sort_by(f64::total_cmp);
    assert_eq!(got, vec![20.0, 30.0, 90.0]);
}

#[test]
fn a_share_that_names_which_parts_a_rule_covers_is_not_a_claim() {
    let t = "0,3% weight (3000 ppm) chlorine in parts\ncontaining more than 25% post-consumer recycled content.";
    assert!(all(t).recycled.is_empty(), "{:?}", all(t).recycled);
    let t = "The housing contains more than 25% post-consumer recycled content.";
    assert_eq!(all(t).recycled.len(), 1);
}
