//! The balance reader on the corpus's flattened material declarations:
//! each total it reports is the one the declaration states, and documents
//! that are not declaration tables get none.

use std::path::Path;

use attest_rules::balance::balanced_total;

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(corpus().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The second development set's documents, kept in the repository.
fn read_dev2(rel: &str) -> String {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../eval/dev2/docs"));
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn glued_cells_and_named_totals() {
    for (file, value, unit, quote) in [
        // a web page that prints its table cells without separators
        (
            "declarations/Nexperia_PBSS5250X_chemical_content.txt",
            45.04122,
            "mg",
            "45.04122",
        ),
        (
            "declarations/Nexperia_HEF4013BT_chemical_content.txt",
            123.24208,
            "mg",
            "123.24208",
        ),
        // a column of percentages matches more shares than the total does;
        // the number after "Total Weight" is the total
        (
            "declarations/Bourns_3306_trimmer_MDS.txt",
            0.36671,
            "g",
            "0.36671",
        ),
        (
            "declarations/Bourns_3299_trimmer_MDS.txt",
            0.8374,
            "g",
            "0.8374",
        ),
    ] {
        let text = read_dev2(file);
        let t = balanced_total(&text).unwrap_or_else(|| panic!("{file}: no total"));
        assert_eq!((t.value, t.unit.as_str()), (value, unit), "{file}");
        assert_eq!(&text[t.number.clone()], quote, "{file}");
    }
}

#[test]
fn flattened_declarations_give_their_stated_totals() {
    for (file, value, unit) in [
        (
            "declarations/dtsheet_1304157_8L-SOICN_package_MDS.txt",
            0.07416,
            "g",
        ),
        (
            "declarations/dtsheet_1434667_Comchip_CDBQR_material_data_sheet.txt",
            0.769,
            "mg",
        ),
        (
            "declarations/dtsheet_1653214_Bourns_CDWBS16_MDS.txt",
            0.1488,
            "g",
        ),
        (
            "declarations/dtsheet_1671276_Bourns_CDNBS04-B_MDS.txt",
            125.0,
            "mg",
        ),
        (
            "declarations/dtsheet_1689882_Bourns_4304S_resistor_network_MDS.txt",
            0.262373,
            "g",
        ),
        (
            "declarations/dtsheet_1641629_Bourns_7814-051_trimmer_MDS.txt",
            0.13948,
            "g",
        ),
        // whole milligrams: "574", "57", then "14.5" twice
        (
            "declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt",
            660.0,
            "mg",
        ),
    ] {
        let text = read(file);
        let t = balanced_total(&text).unwrap_or_else(|| panic!("{file}: no total"));
        assert_eq!((t.value, t.unit.as_str()), (value, unit), "{file}");
        assert!(
            text[t.number.clone()]
                .parse::<f64>()
                .is_ok_and(|v| v == value)
        );
    }
}

#[test]
fn other_documents_have_no_balanced_total() {
    let mut seen = 0;
    for dir in ["datasheets", "reports", "datasets"] {
        let Ok(entries) = std::fs::read_dir(corpus().join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "txt" || x == "csv") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                seen += 1;
                assert_eq!(balanced_total(&text), None, "{}", path.display());
            }
        }
    }
    assert!(seen > 0);
}

/// The whole document's findings, and the materials read from its
/// declaration rows, sorted.
fn row_materials(text: &str) -> (attest_rules::Findings, Vec<String>) {
    let whole = 0..text.len();
    let f = attest_rules::extract(text, std::slice::from_ref(&whole));
    let mut rows: Vec<String> = f
        .materials
        .iter()
        .filter(|m| m.rule == "declaration_row")
        .map(|m| m.name.clone())
        .collect();
    rows.sort_unstable();
    (f, rows)
}

/// The materials the rules report for a flattened declaration are the
/// homogeneous materials its mass rows name, not the substances beside them.
#[test]
fn flattened_declarations_give_their_homogeneous_materials() {
    for (file, want) in [
        (
            "declarations/dtsheet_1641629_Bourns_7814-051_trimmer_MDS.txt",
            &[
                "ceramic",
                "copper",
                "ink",
                "lcp",
                "ni/ag",
                "rubber",
                "stainless steel",
            ][..],
        ),
        (
            "declarations/dtsheet_1671276_Bourns_CDNBS04-B_MDS.txt",
            &["copper alloy", "epoxy resin", "silica", "solder", "tin"][..],
        ),
        (
            "declarations/dtsheet_1304157_8L-SOICN_package_MDS.txt",
            &[
                "conductive epoxy",
                "copper alloy",
                "epoxy resin",
                "gold",
                "silicon",
                "tin",
            ][..],
        ),
    ] {
        let text = read(file);
        let (f, rows) = row_materials(&text);
        assert_eq!(rows, want, "{file}");
        for substance in ["chromium", "iron", "zinc", "manganese", "carbon black"] {
            assert!(
                f.materials.iter().all(|m| m.name != substance),
                "{file}: {substance}"
            );
        }
        for m in &f.materials {
            let quote = &text[m.evidence.start..m.evidence.end];
            assert!(
                attest_rules::vocab::mentions(quote, &m.name)
                    || quote.to_lowercase().contains(&m.name),
                "{file}: {} not in {quote:?}",
                m.name
            );
        }
    }
}

#[test]
fn a_row_whose_material_cell_is_plating_reports_the_plating() {
    let text = read_dev2("declarations/Bourns_3306_trimmer_MDS.txt");
    let (_, mut rows) = row_materials(&text);
    rows.dedup();
    assert_eq!(
        rows,
        [
            "ceramic",
            "epoxy resin",
            "glass",
            "glaze",
            "ni/ag",
            "pa6",
            "plating",
            "solder",
            "steel"
        ]
    );
}
