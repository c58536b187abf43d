//! IPC-1752A / IEC 62474 material declarations, read structurally.
//!
//! The XML tree (product → homogeneous materials with masses → substances
//! with CAS numbers and masses) is rendered into a readable canonical text,
//! and the span of every value in that text is kept, so structured values
//! are cited like any other. DTDs are refused by the XML parser, which rules
//! out entity-expansion attacks.

use roxmltree::{Document as Xml, Node, ParsingOptions};

use super::{ParseError, Parsed};
use crate::document::{
    Cited, CitedMass, Declaration, DeclaredMaterial, DeclaredSubstance, Format, PageSpan,
};
use crate::text::{CharIndex, CharRange};

pub(super) fn looks_like_declaration(lower_head: &str) -> bool {
    [
        "maindeclaration",
        "175x",
        "homogeneousmaterial",
        "iec62474",
        "materialdeclaration",
    ]
    .iter()
    .any(|k| lower_head.contains(k))
}

/// Builds the canonical text while recording byte spans of values.
struct Writer {
    text: String,
}

impl Writer {
    fn line(&mut self, indent: usize, label: &str) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        for _ in 0..indent {
            self.text.push_str("  ");
        }
        self.text.push_str(label);
    }
    fn push(&mut self, s: &str) -> std::ops::Range<usize> {
        let start = self.text.len();
        self.text.push_str(s);
        start..self.text.len()
    }
}

fn local(n: &Node) -> String {
    n.tag_name().name().to_ascii_lowercase()
}

fn attr<'a>(n: &'a Node, names: &[&str]) -> Option<&'a str> {
    n.attributes()
        .find(|a| names.iter().any(|x| a.name().eq_ignore_ascii_case(x)))
        .map(|a| a.value().trim())
        .filter(|v| !v.is_empty())
}

fn child<'a, 'i>(n: &Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && local(c) == name)
}

/// A mass given on the node itself (`mass`/`weight` attributes) or in an
/// `Amount`/`Mass`/`Weight` child (`value` + `UOM`/`unitOfMeasure`).
fn mass_of(n: &Node) -> Option<(f64, String)> {
    let parse_pair = |node: &Node, vnames: &[&str]| {
        let v = attr(node, vnames)?.parse::<f64>().ok()?;
        let u = attr(
            node,
            &["uom", "unitofmeasure", "unit", "weightunit", "massunit"],
        )
        .unwrap_or("g");
        (v.is_finite() && v >= 0.0).then(|| (v, u.to_owned()))
    };
    parse_pair(n, &["mass", "weight"]).or_else(|| {
        ["amount", "mass", "weight"]
            .iter()
            .filter_map(|c| child(n, c))
            .find_map(|c| {
                parse_pair(&c, &["value", "mass", "weight"]).or_else(|| {
                    let v = c.text()?.trim().parse::<f64>().ok()?;
                    let u = attr(&c, &["uom", "unitofmeasure", "unit"]).unwrap_or("g");
                    Some((v, u.to_owned()))
                })
            })
    })
}

fn name_of(n: &Node) -> Option<String> {
    attr(n, &["name", "itemname", "materialname", "substancename"])
        .map(str::to_owned)
        .or_else(|| {
            child(n, "name")
                .and_then(|c| c.text())
                .map(|t| t.trim().to_owned())
        })
        .filter(|s| !s.is_empty())
}

pub(super) fn parse(xml: &str) -> Result<Parsed, ParseError> {
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
        ..ParsingOptions::default()
    };
    let doc = Xml::parse_with_options(xml, opts).map_err(|e| ParseError::Malformed {
        format: "XML",
        reason: e.to_string(),
    })?;
    let root = doc.root_element();
    let has_materials = root
        .descendants()
        .any(|n| local(&n) == "homogeneousmaterial");
    if !has_materials {
        return Err(ParseError::Unsupported(
            "XML without IPC-1752A / IEC 62474 homogeneous materials".into(),
        ));
    }
    let mut w = Writer {
        text: String::new(),
    };
    w.line(0, "Material declaration (IPC-1752A)");
    let mut decl_bytes = DeclBytes::default();

    if let Some(supplier) = root.descendants().find(|n| local(n) == "supplier")
        && let Some(company) = attr(&supplier, &["company", "name"])
    {
        w.line(0, "Supplier: ");
        w.push(company);
    }
    let product = root.descendants().find(|n| local(n) == "product");
    if let Some(p) = product {
        let pid = child(&p, "productid").unwrap_or(p);
        let number = attr(&pid, &["itemnumber", "partnumber"]);
        let name = attr(&pid, &["itemname", "name"]);
        if number.is_some() || name.is_some() {
            w.line(0, "Product: ");
            let label = match (name, number) {
                (Some(n), Some(num)) => format!("{n} ({num})"),
                (Some(x), None) | (None, Some(x)) => x.to_owned(),
                (None, None) => String::new(),
            };
            decl_bytes.product = Some((label.clone(), w.push(&label)));
        }
        if let Some((v, u)) = mass_of(&p).or_else(|| mass_of(&pid)) {
            w.line(0, "");
            let start = w.text.len();
            w.push("Total mass: ");
            let s = format!("{v} {u}");
            w.push(&s);
            decl_bytes.total = Some((v, u, start..w.text.len()));
        }
        for key in [
            "countryoforigin",
            "origin",
            "manufacturingcountry",
            "country",
        ] {
            if let Some(c) = attr(&p, &[key]).or_else(|| attr(&pid, &[key])) {
                w.line(0, "");
                let start = w.text.len();
                w.push("Country of origin: ");
                w.push(c);
                decl_bytes.origin.push((c.to_owned(), start..w.text.len()));
                break;
            }
        }
    }
    for m in root
        .descendants()
        .filter(|n| local(n) == "homogeneousmaterial")
    {
        let Some(name) = name_of(&m) else { continue };
        w.line(0, "Homogeneous material: ");
        let name_span = w.push(&name);
        let mass = mass_of(&m).map(|(v, u)| {
            w.push(", mass ");
            let s = w.push(&format!("{v} {u}"));
            (v, u, s)
        });
        let mut subs = Vec::new();
        for s in m.descendants().filter(|n| local(n) == "substance") {
            let Some(sname) = name_of(&s) else { continue };
            w.line(1, "Substance: ");
            let sspan = w.push(&sname);
            let cas = child(&s, "substanceid")
                .and_then(|id| attr(&id, &["identity", "id", "cas"]).map(str::to_owned))
                .or_else(|| attr(&s, &["cas", "casnumber"]).map(str::to_owned));
            if let Some(c) = &cas {
                w.push(", CAS ");
                w.push(c);
            }
            let smass = mass_of(&s).map(|(v, u)| {
                w.push(", mass ");
                let sp = w.push(&format!("{v} {u}"));
                (v, u, sp)
            });
            subs.push((sname, sspan, cas, smass));
        }
        decl_bytes.materials.push((name, name_span, mass, subs));
    }
    let text = w.text;
    let idx = CharIndex::new(&text);
    let r = |b: std::ops::Range<usize>| -> CharRange { idx.chars(b) };
    let cm = |(value, unit, span): (f64, String, std::ops::Range<usize>)| CitedMass {
        value,
        unit,
        span: idx.chars(span),
    };
    let declaration = Declaration {
        product: decl_bytes
            .product
            .map(|(value, s)| Cited { value, span: r(s) }),
        total_mass: decl_bytes.total.map(cm),
        origin: decl_bytes
            .origin
            .into_iter()
            .map(|(value, s)| Cited { value, span: r(s) })
            .collect(),
        materials: decl_bytes
            .materials
            .into_iter()
            .map(|(name, span, mass, subs)| DeclaredMaterial {
                name: Cited {
                    value: name,
                    span: r(span),
                },
                mass: mass.map(cm),
                substances: subs
                    .into_iter()
                    .map(|(n, s, cas, m)| DeclaredSubstance {
                        name: Cited {
                            value: n,
                            span: r(s),
                        },
                        cas,
                        mass: m.map(cm),
                    })
                    .collect(),
            })
            .collect(),
    };
    let end = idx.len_chars();
    Ok(Parsed {
        format: Format::Ipc1752Xml,
        text,
        pages: vec![PageSpan {
            page: 1,
            start: 0,
            end,
        }],
        extractor: "ipc-1752a".into(),
        sheet: None,
        declaration: Some(declaration),
        tables: Vec::new(),
        layout: None,
    })
}

type Span = std::ops::Range<usize>;
type MassSpan = (f64, String, Span);

#[derive(Default)]
struct DeclBytes {
    product: Option<(String, Span)>,
    total: Option<MassSpan>,
    origin: Vec<(String, Span)>,
    #[allow(clippy::type_complexity)]
    materials: Vec<(
        String,
        Span,
        Option<MassSpan>,
        Vec<(String, Span, Option<String>, Option<MassSpan>)>,
    )>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::slice_chars;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<MainDeclaration xmlns="http://webstds.ipc.org/175x/2.0" version="2.0">
  <BusinessInfo><Supplier company="Acme Components"/></BusinessInfo>
  <Product>
    <ProductID itemNumber="AC-100" itemName="Chip résistor" countryOfOrigin="Malaysia"/>
    <Amount value="12.5" UOM="mg"/>
    <HomogeneousMaterialList>
      <HomogeneousMaterial name="Alumina substrate">
        <Amount value="10" UOM="mg"/>
        <SubstanceCategoryList><SubstanceCategory><Substance name="Aluminium oxide">
          <SubstanceID identity="1344-28-1" authority="CAS"/><Amount value="9.6" UOM="mg"/>
        </Substance></SubstanceCategory></SubstanceCategoryList>
      </HomogeneousMaterial>
      <HomogeneousMaterial name="Tin plating"><Amount value="2.5" UOM="mg"/>
        <Substance name="Tin"><SubstanceID identity="7440-31-5" authority="CAS"/><Amount value="2.5" UOM="mg"/></Substance>
      </HomogeneousMaterial>
    </HomogeneousMaterialList>
  </Product>
</MainDeclaration>"#;

    #[test]
    fn declaration_tree_is_read_with_spans() {
        let p = parse(SAMPLE).unwrap();
        let d = p.declaration.unwrap();
        let q = |r: CharRange| slice_chars(&p.text, r.start, r.end).unwrap().to_owned();
        let total = d.total_mass.unwrap();
        assert_eq!((total.value, total.unit.as_str()), (12.5, "mg"));
        assert_eq!(q(total.span), "Total mass: 12.5 mg");
        assert_eq!(q(d.product.unwrap().span), "Chip résistor (AC-100)");
        assert_eq!(d.materials.len(), 2);
        assert_eq!(q(d.materials[0].name.span), "Alumina substrate");
        assert_eq!(
            d.materials[0].substances[0].cas.as_deref(),
            Some("1344-28-1")
        );
        assert_eq!(q(d.materials[1].mass.clone().unwrap().span), "2.5 mg");
        assert_eq!(q(d.origin[0].span), "Country of origin: Malaysia");
    }

    #[test]
    fn hostile_xml_is_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><MainDeclaration>&lol2;</MainDeclaration>"#;
        assert_eq!(parse(bomb).unwrap_err().code(), "malformed_document");
        assert_eq!(
            parse("<MainDeclaration><Product>").unwrap_err().code(),
            "malformed_document"
        );
        assert_eq!(parse("<a/>").unwrap_err().code(), "unsupported_format");
    }
}
