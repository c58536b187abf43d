//! Any bytes as an IPC-1752A / IEC 62474 declaration: a declaration or a
//! parse error; every cited span lies inside the text.
#![no_main]

use attest_engine::parse::{ParseLimits, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse("declaration.xml", data, &ParseLimits::default()) {
        let chars = p.text.chars().count();
        if let Some(d) = &p.declaration {
            for m in &d.materials {
                assert!(m.name.span.start <= m.name.span.end && m.name.span.end <= chars);
            }
        }
    }
});
