//! docs/diagnostics.md is the user's list of what can leave the phone: it must
//! name every field "What is shared" lists and every value each closed set of
//! the schema allows, so a new event or value cannot ship undocumented.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use countersign_core::diagnostics::WHAT_IS_SHARED;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The variants of every `rename_all = "snake_case"` enum in the schema's source.
fn schema_values(source: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        if !line.contains(r#"rename_all = "snake_case""#) {
            continue;
        }
        // The enum's body: variant names start lines indented by four spaces.
        for body in lines
            .by_ref()
            .skip_while(|l| !l.starts_with("pub enum"))
            .skip(1)
        {
            if body.starts_with('}') {
                break;
            }
            let trimmed = body.trim_start();
            let indent = body.len() - trimmed.len();
            let name: String = trimmed
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if indent == 4 && name.starts_with(|c: char| c.is_ascii_uppercase()) {
                values.push(snake_case(&name));
            }
        }
    }
    values
}

#[test]
fn the_page_names_every_field_and_every_value() {
    let page = read("../docs/diagnostics.md");
    for field in WHAT_IS_SHARED {
        for name in field.name.split(", ") {
            assert!(
                page.contains(&format!("`{name}`")),
                "docs/diagnostics.md lacks `{name}`"
            );
        }
    }
    let values = schema_values(&read("../protocol/src/diagnostics.rs"));
    assert!(values.len() > 40, "read only {values:?}");
    for value in values {
        assert!(
            page.contains(&format!("`{value}`")),
            "docs/diagnostics.md lacks `{value}`"
        );
    }
}
