//! Each option is written in five places: the TypeScript declaration
//! (js/types.rs), the field lists that detect unknown fields and the reader
//! of JS objects (js/options.rs), the Rust option structs (options.rs), and
//! the README's table. This test fails when they disagree, naming the
//! option and the place that lacks it.

use std::collections::BTreeSet;

const API_RS: &str = include_str!("js/types.rs");
const OPTIONS_RS: &str = include_str!("js/options.rs");
const RUST_OPTIONS_RS: &str = include_str!("options.rs");
const README: &str = include_str!("../README.md");

/// The `name?:` fields of `export interface <name> { ... }` in the TS types.
fn ts_fields(interface: &str) -> BTreeSet<String> {
    let start = API_RS
        .find(&format!("export interface {interface} {{"))
        .unwrap_or_else(|| panic!("js/types.rs declares no {interface}"));
    let body = &API_RS[start..];
    let body = &body[..body.find("\n}").expect("the interface ends")];
    body.lines()
        .filter_map(|line| line.trim().split_once("?:"))
        .map(|(name, _)| name.trim().to_string())
        .collect()
}

/// The names in a `const <name>: &[&str] = &[...]` list of options.rs.
fn listed(list: &str) -> BTreeSet<String> {
    let start = OPTIONS_RS
        .find(&format!("pub(crate) const {list}: &[&str] = &["))
        .unwrap_or_else(|| panic!("js/options.rs has no {list}"));
    let body = &OPTIONS_RS[start..];
    let open = body.find("= &[").unwrap() + "= &[".len();
    let body = &body[open..body.find("];").unwrap()];
    body.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Backticked names in `text`.
fn backticked(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_string)
        .collect()
}

/// The first column of the README's `SandboxOptions` table.
fn readme_sandbox_options() -> BTreeSet<String> {
    let start = README
        .find("| `SandboxOptions` |")
        .expect("README has the table");
    let table = &README[start..];
    let table = &table[..table.find("\n\n").unwrap_or(table.len())];
    table
        .lines()
        .skip(2)
        .flat_map(|row| backticked(row.split('|').nth(1).unwrap_or("")))
        .collect()
}

/// The names in the README's `RunOptions:` sentence.
fn readme_run_options() -> BTreeSet<String> {
    let start = README
        .find("`RunOptions`: ")
        .expect("README lists RunOptions");
    let text = &README[start + "`RunOptions`: ".len()..];
    backticked(&text[..text.find("\n\n").unwrap_or(text.len())])
}

/// Options the parser reads (`f.number("x")` and the like, outside the lists).
fn parsed() -> BTreeSet<String> {
    let code = &OPTIONS_RS[OPTIONS_RS.find("impl<'a> Fields<'a>").unwrap_or(0)..];
    code.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric()) && !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `pub` fields of `pub struct <name>` in options.rs, in camelCase.
fn rust_fields(name: &str) -> BTreeSet<String> {
    let start = RUST_OPTIONS_RS
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("options.rs has no {name}"));
    let body = &RUST_OPTIONS_RS[start..];
    let body = &body[..body.find("\n}").expect("the struct ends")];
    body.lines()
        .filter_map(|line| line.trim().strip_prefix("pub ")?.split_once(':'))
        .map(|(name, _)| camel_case(name.trim()))
        .collect()
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

fn assert_same(what: &str, expected: &BTreeSet<String>, place: &str, found: &BTreeSet<String>) {
    let missing: Vec<_> = expected.difference(found).collect();
    let extra: Vec<_> = found.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {place} lacks {missing:?} and has {extra:?} beyond the TypeScript declaration"
    );
}

/// One options type agrees in all five places; `readme` is the README's
/// place for it and the names found there.
fn assert_agreement(name: &str, list: &str, readme: (&str, BTreeSet<String>)) {
    let ts = ts_fields(name);
    assert_same(name, &ts, list, &listed(list));
    assert_same(name, &ts, readme.0, &readme.1);
    let parsed = parsed();
    let unparsed: Vec<_> = ts.iter().filter(|f| !parsed.contains(*f)).collect();
    assert!(
        unparsed.is_empty(),
        "js/options.rs never reads {unparsed:?}"
    );
    assert_same(name, &ts, &format!("the Rust {name}"), &rust_fields(name));
}

#[test]
fn every_sandbox_option_is_declared_listed_parsed_and_documented() {
    assert_agreement(
        "SandboxOptions",
        "SANDBOX_FIELDS",
        ("the README table", readme_sandbox_options()),
    );
}

#[test]
fn every_run_option_is_declared_listed_parsed_and_documented() {
    assert_agreement(
        "RunOptions",
        "RUN_FIELDS",
        ("the README sentence", readme_run_options()),
    );
}
