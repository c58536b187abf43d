//! Mass units → grams.
//!
//! The rules keep the unit exactly as written (for the audit trail) and convert
//! here; anything not recognised is `None` so a caller never guesses a scale.

const GRAMS_PER_OUNCE: f64 = 28.349_523_125;
const GRAMS_PER_POUND: f64 = 453.592_37;

/// Converts `value` expressed in `unit` to grams.
///
/// Accepts metric units in symbol and word form (`g`, `gram(s)`, `gramme(s)`,
/// `mg`, `kg`, `µg`/`μg`/`ug`/`mcg`, `t`/`tonne(s)`), avoirdupois `oz`/`ounce(s)`
/// and `lb`/`lbs`/`pound(s)`, and Chinese `克`, `千克`/`公斤`, `毫克`, `微克`.
/// Case and surrounding whitespace are ignored, as is a trailing full stop
/// (`"lbs."`). Non-finite results are `None`.
pub fn to_grams(value: f64, unit: &str) -> Option<f64> {
    let unit = unit.trim().trim_end_matches('.').trim();
    let lower = unit.to_lowercase();
    let factor = match lower.as_str() {
        "g" | "gram" | "grams" | "gramme" | "grammes" | "克" => 1.0,
        "mg" | "milligram" | "milligrams" | "milligramme" | "milligrammes" | "毫克" => 1e-3,
        "kg" | "kgs" | "kilogram" | "kilograms" | "kilogramme" | "kilogrammes" | "kilo"
        | "kilos" | "千克" | "公斤" => 1e3,
        "µg" | "μg" | "ug" | "mcg" | "microgram" | "micrograms" | "微克" => 1e-6,
        "t" | "tonne" | "tonnes" | "metric ton" | "metric tons" | "吨" => 1e6,
        "oz" | "ozs" | "ounce" | "ounces" => GRAMS_PER_OUNCE,
        "lb" | "lbs" | "pound" | "pounds" => GRAMS_PER_POUND,
        _ => return None,
    };
    let grams = value * factor;
    grams.is_finite().then_some(grams)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::to_grams;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn metric_symbols_and_words() {
        assert!(close(to_grams(2.0, "g").unwrap(), 2.0));
        assert!(close(to_grams(2.1, "grams").unwrap(), 2.1));
        assert!(close(to_grams(1.0, "gram").unwrap(), 1.0));
        assert!(close(to_grams(105.0, "mg").unwrap(), 0.105));
        assert!(close(to_grams(13.23, "kg").unwrap(), 13_230.0));
        assert!(close(to_grams(13.23, "KG").unwrap(), 13_230.0));
        assert!(close(to_grams(5.0, "µg").unwrap(), 5e-6));
        assert!(close(to_grams(5.0, "μg").unwrap(), 5e-6));
        assert!(close(to_grams(5.0, "ug").unwrap(), 5e-6));
        assert!(close(to_grams(1.0, "tonne").unwrap(), 1e6));
        assert!(close(to_grams(3.0, " Kilograms ").unwrap(), 3000.0));
    }

    #[test]
    fn imperial() {
        assert!(close(to_grams(1.0, "oz").unwrap(), 28.349_523_125));
        assert!(close(to_grams(0.002, "ounce").unwrap(), 0.056_699_046_25));
        assert!(close(to_grams(2.0, "ounces").unwrap(), 56.699_046_25));
        assert!(close(to_grams(1.0, "lb").unwrap(), 453.592_37));
        assert!(close(to_grams(2.0, "lbs.").unwrap(), 907.184_74));
        assert!(close(to_grams(1.0, "Pounds").unwrap(), 453.592_37));
    }

    #[test]
    fn chinese() {
        assert!(close(to_grams(1.6, "克").unwrap(), 1.6));
        assert!(close(to_grams(1.6, "千克").unwrap(), 1600.0));
        assert!(close(to_grams(1.6, "公斤").unwrap(), 1600.0));
        assert!(close(to_grams(16.0, "毫克").unwrap(), 0.016));
    }

    #[test]
    fn rejects_unknown_and_non_mass_units() {
        // "gr" is the grain, not the gram: refuse rather than guess.
        for u in [
            "", "gr", "gf", "kgf", "N", "mm", "kg CO2e", "g/m²", "mg/kg", "Wh/kg", "%", "ppm",
        ] {
            assert_eq!(to_grams(1.0, u), None, "{u}");
        }
    }

    #[test]
    fn non_finite_is_none() {
        assert_eq!(to_grams(f64::INFINITY, "g"), None);
        assert_eq!(to_grams(f64::NAN, "kg"), None);
        assert_eq!(to_grams(f64::MAX, "kg"), None);
    }
}
