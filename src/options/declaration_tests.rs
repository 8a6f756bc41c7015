//! The declarations against what is written from them by hand: the
//! README's tables (this test prints them when they differ), and the
//! declarations' own rules.

use super::{pypi, run, sandbox, Declared};

const README: &str = include_str!("../../README.md");
const BEGIN: &str = "<!-- options: written from src/options/sandbox.rs, pypi.rs and run.rs -->\n";
const END: &str = "<!-- end of options -->";

/// The README's table of one options type.
fn table(name: &str, options: &[&Declared]) -> String {
    let name = match options.first().map(|option| option.group) {
        Some(group) if !group.is_empty() => format!("`{name}` (`{group}`)"),
        _ => format!("`{name}`"),
    };
    let mut text = format!("| {name} | default | range | |\n|---|---|---|---|\n");
    for option in options {
        let range = option.range.as_ref().map_or("", |range| range.text);
        text.push_str(&format!(
            "| `{}` | {} | {range} | {} |\n",
            option.js,
            option.default_text,
            option.summary()
        ));
    }
    text
}

fn tables() -> String {
    format!(
        "{BEGIN}{}\n{}\n{}{END}",
        table("SandboxOptions", sandbox::ALL),
        table("PypiOptions", pypi::ALL),
        table("RunOptions", run::ALL)
    )
}

#[test]
fn the_readme_tables_are_the_declarations() {
    let expected = tables();
    let start = README.find(BEGIN).unwrap_or(0);
    let found = README[start..]
        .find(END)
        .map_or("", |end| &README[start..start + end + END.len()]);
    assert!(
        found == expected,
        "README.md's options tables differ from the declarations; paste this in their place:\n\n{expected}\n"
    );
}

#[test]
fn every_number_has_a_range_and_every_name_is_unique() {
    for options in [sandbox::ALL, pypi::ALL, run::ALL] {
        for option in options {
            assert!(
                option.ts != "number" || option.range.is_some(),
                "{} is a number without a range",
                option.js
            );
            let same = options.iter().filter(|o| o.js == option.js).count();
            assert_eq!(same, 1, "{} is declared {same} times", option.js);
            assert!(!option.summary().is_empty(), "{} has no doc", option.js);
        }
    }
}

#[test]
fn every_declared_default_gives_a_value() {
    // `FigureCaps::default` and resolve.rs read these.
    let caps = super::FigureCaps::default();
    assert_eq!((caps.max_figures, caps.max_pixels), (50, 25_000_000));
    assert_eq!(caps.max_figure_bytes, 5 << 20);
    let timeout = sandbox::DECLARED.timeout.or_default(None).ok();
    assert_eq!(timeout, Some(std::time::Duration::from_secs(30)));
}

#[test]
fn the_typescript_has_each_option_once_with_its_type() {
    for (ts, options) in [
        (sandbox::TYPESCRIPT, sandbox::ALL),
        (pypi::TYPESCRIPT, pypi::ALL),
        (run::TYPESCRIPT, run::ALL),
    ] {
        for option in options {
            let required = matches!(option.default, super::Unset::Required(_));
            let mark = if required { "" } else { "?" };
            let line = format!("\n  {}{mark}: {};\n", option.js, option.ts);
            assert_eq!(ts.matches(&line).count(), 1, "{line} in\n{ts}");
        }
        assert_eq!(ts.matches("/**").count(), ts.matches("*/").count(), "{ts}");
    }
    assert!(
        sandbox::TYPESCRIPT
            .contains("   * From 1 ms to 24 h.\n   * Default: 30 s.\n   */\n  timeoutMs?: number;"),
        "{}",
        sandbox::TYPESCRIPT
    );
}

#[test]
fn pypi_is_a_group_declared_like_the_options_that_hold_it() {
    // `pypi`'s TypeScript type is the group's interface, emitted beside it.
    assert_eq!(sandbox::DECLARED.pypi.ts, "PypiOptions");
    assert!(pypi::TYPESCRIPT.contains("export interface PypiOptions {\n"));
    assert!(
        pypi::TYPESCRIPT.contains(
            "   * Required (the names that may be installed).\n   */\n  allowed: string[];\n"
        ),
        "{}",
        pypi::TYPESCRIPT
    );
    assert_eq!(pypi::JS_NAMES, ["indexUrl", "allowed"]);
    // Its errors name the option that holds it.
    assert_eq!(pypi::DECLARED.index_url.field(), "pypi.indexUrl");
    assert_eq!(sandbox::DECLARED.pypi.field(), "pypi");
    // The default the doc states is the one resolve.rs uses.
    let index = crate::policy::pypi::DEFAULT_INDEX_URL;
    assert_eq!(pypi::DECLARED.index_url.default_text, format!("`{index}`"));
}

#[test]
fn a_missing_required_field_is_an_error_that_says_why() {
    let allowed = &pypi::DECLARED.allowed;
    match allowed.given(None::<()>) {
        Err(crate::errors::Error::Options { field, message }) => {
            assert_eq!(field, "pypi.allowed");
            assert_eq!(message, "is required (the names that may be installed)");
        }
        other => panic!("expected an options error, got {other:?}"),
    }
    assert_eq!(allowed.given(Some(1)).ok(), Some(Some(1)));
    // An optional field may be missing.
    assert_eq!(pypi::DECLARED.index_url.given(None::<()>).ok(), Some(None));
    assert_eq!(allowed.default_text, "required");
}

fn camel_case(snake: &str) -> String {
    let mut parts = snake.split('_');
    let first = parts.next().unwrap_or_default().to_string();
    parts.fold(first, |mut out, part| {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
        out
    })
}

#[test]
fn each_js_name_is_its_rust_name_in_camel_case() {
    // A time is a `Duration` in Rust and milliseconds in JS, hence `Ms`.
    for option in sandbox::ALL.iter().chain(pypi::ALL).chain(run::ALL) {
        let camel = camel_case(option.rust);
        let is_time = option.rust_type.contains("Duration");
        let expected = if is_time { camel + "Ms" } else { camel };
        assert_eq!(option.js, expected, "the JS name of {}", option.rust);
    }
}

#[test]
fn a_rust_caller_gets_the_same_range_checks_as_js() {
    use std::time::Duration;
    let field = |options: super::SandboxOptions| match options.check_ranges() {
        Err(crate::errors::Error::Options { field, .. }) => field,
        other => panic!("expected an options error, got {other:?}"),
    };
    let zero = super::SandboxOptions {
        timeout: Some(Duration::ZERO),
        ..Default::default()
    };
    assert_eq!(field(zero), "timeoutMs");
    let huge = super::SandboxOptions {
        max_memory_bytes: Some(5 << 30),
        ..Default::default()
    };
    assert_eq!(field(huge), "maxMemoryBytes");
    assert!(super::SandboxOptions::default().check_ranges().is_ok());
    let dpi = super::RunOptions {
        figure_dpi: Some(5.0),
        ..Default::default()
    };
    assert!(dpi.check_ranges().is_err());
}
