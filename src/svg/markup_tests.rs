//! The SVG check against hostile markup (class 8, "SVG sizes lie"): decoy
//! roots, entities, malformed tags, CSS and animations that resize the root,
//! other encodings, and text built to make a scan slow.
use super::tests::{refused, sized, svg};

#[test]
fn decoy_before_the_root_is_not_read() {
    let real = "<svg width=\"100000\" height=\"100000\"/>";
    for decoy in [
        "<!-- <svg width=\"1\" height=\"1\"> -->",
        "<?xml version=\"1.0\"?><!--<svg width='1' height='1'/>-->\n",
        "<?decoy <svg width=\"1\" height=\"1\"> ?>",
        "<!DOCTYPE svg SYSTEM \"<svg width='1' height='1'>\">",
        "<!-- a > b --><!----><?p?>",
    ] {
        refused(&format!("{decoy}{real}"), "maxImagePixels");
    }
    // Comments that `--` makes malformed: the browser ends none of these
    // where a naive scan would.
    for comment in [
        "<!-- -- <svg width=\"1\" height=\"1\"> -->",
        "<!-- x --->",
        "<!-- a -- ><svg width=\"1\" height=\"1\"/> -->",
        "<!-- unterminated <svg width=\"1\" height=\"1\">",
    ] {
        refused(&format!("{comment}{real}"), "comment");
    }
    // CDATA is not allowed before the root at all.
    refused(
        &format!("<![CDATA[<svg width=\"1\" height=\"1\">]]>{real}"),
        "before its root",
    );
    // Nor is text, or a second DOCTYPE.
    refused(&format!("x{real}"), "text before");
    refused(
        &format!("<!DOCTYPE svg><!DOCTYPE svg>{real}"),
        "unexpected markup",
    );
    // A decoy after the real root is just content.
    refused(
        "<svg width=\"100000\" height=\"100000\"><![CDATA[<svg width=\"1\" height=\"1\">]]></svg>",
        "maxImagePixels",
    );
}

#[test]
fn entities_and_internal_subsets_are_refused() {
    refused("<svg width=\"1&#48;00000\" height=\"100\"/>", "reference");
    refused("<svg width=\"10\" height=\"&#x31;0\"/>", "reference");
    refused(
        "<svg width=\"10\" height=\"10\" viewBox=\"0 0 1&amp; 1\"/>",
        "reference",
    );
    refused(
        "<!DOCTYPE svg [<!ENTITY w \"100000\">]><svg width=\"&w;\" height=\"&w;\"/>",
        "internal subset",
    );
    refused("<!DOCTYPE svg SYSTEM 'x' [ ]><svg/>", "internal subset");
    // `[` inside a quoted literal is not a subset.
    assert!(svg("<!DOCTYPE svg PUBLIC \"-//[x]//EN\" 'a>b'><svg/>").is_ok());
}

#[test]
fn the_root_must_be_an_unprefixed_svg_element() {
    refused(
        "<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>",
        "whose root element is <svg:svg>",
    );
    refused("<html><svg width='1' height='1'/></html>", "not <svg>");
    refused("<svgx width='1' height='1'/>", "not <svg>");
    refused("", "without a root element");
    refused("  \n ", "without a root element");
}

#[test]
fn malformed_root_tags_are_refused() {
    refused(
        "<svg width=\"1\" width=\"100000\" height=\"1\"/>",
        "duplicate width",
    );
    refused(
        "<svg height='1' viewBox='0 0 1 1' viewBox='0 0 1 9'/>",
        "duplicate viewBox",
    );
    refused("<svg width=\"1\"height=\"1\"/>", "malformed tag");
    refused("<svg width=1 height=1/>", "unquoted");
    refused("<svg width=\"1\" height=\"1\"", "unterminated tag");
    refused("<svg width=\"1 height='1'/>", "unterminated tag");
    refused("<svg width=\"1\" height=\"<1\"/>", "'<' in an attribute");
    refused("<svg width/>", "malformed attribute");
    refused("<svg / >", "malformed tag");
    // Whitespace around `=` and either quote are fine.
    assert_eq!(
        svg("<svg\twidth =\n'12' height= \"3\" >").unwrap(),
        sized(12, 3)
    );
}

#[test]
fn css_that_sizes_the_root_is_refused() {
    for style in [
        "width: 100000px",
        "fill: red;WIDTH:1e6px",
        " height : 100000px ",
        "min-width:1px",
        "/* x */width:1px",
        "zoom: 100",
        "aspect-ratio: 1000",
        "-webkit-logical-height: 1px",
        "inline-size: 1px",
    ] {
        refused(
            &format!("<svg width='10' height='10' style='{style}'/>"),
            "whose CSS sets",
        );
    }
    let root = "<svg width='10' height='10' viewBox='0 0 10 10'>";
    for sheet in [
        "<style>svg{width:100000px;height:100000px}</style>",
        "<style type='text/css'>svg { MAX-HEIGHT: none; min-height : 1e6px }</style>",
        "<style><![CDATA[ :root { block-size: 1e6px } ]]></style>",
        "<defs><style>@media all { svg { zoom: 1000 } }</style></defs>",
        "<style>svg{wid<!-- hidden -->th:100000px}</style>",
        "<h:style xmlns:h='http://www.w3.org/1999/xhtml'>svg{height:1e6px}</h:style>",
        "<style>svg{content:'/*';width:1e6px;content:'*/'}</style>",
        "<style>@keyframes k { to { width: 1e6px } }</style>",
    ] {
        refused(&format!("{root}{sheet}</svg>"), "whose CSS sets");
    }
    for (sheet, why) in [
        ("<style>svg{wid&#116;h:1e6px}</style>", "reference"),
        ("<style>svg{wid\\74 h:1e6px}</style>", "CSS escape"),
        (
            "<style>@IMPORT url('data:text/css,svg{width:1e6px}');</style>",
            "@import",
        ),
        (
            "<style>svg{<b/>width:1e6px}</style>",
            "markup inside a style",
        ),
        ("<style>svg{width:1e6px}", "unterminated style"),
    ] {
        refused(&format!("{root}{sheet}</svg>"), why);
    }
    refused(
        "<svg width='10' height='10' style='wid&#116;h: 1e6px'/>",
        "reference",
    );
    refused(
        "<?xml-stylesheet href='data:text/css,svg{width:1e6px}'?><svg width='1' height='1'/>",
        "xml-stylesheet",
    );
    refused(
        "<svg width='1' height='1'><h:link xmlns:h='http://www.w3.org/1999/xhtml' rel='stylesheet' href='data:text/css,svg{width:1e6px}'/></svg>",
        "link element",
    );
}

#[test]
fn animating_the_size_is_refused() {
    for anim in [
        "<set attributeName='width' to='100000'/>",
        "<animate attributeName=\"viewBox\" to=\"0 0 1 1000\"/>",
        "<set attributeName=' style ' to='width:1e6px'/>",
        "<set attributeName='HEIGHT' attributeType='CSS' to='1e6px'/>",
        "<set attributeName='&#119;idth' to='1e6'/>",
    ] {
        refused(
            &format!("<svg width='10' height='10'>{anim}</svg>"),
            "animation",
        );
    }
    assert!(svg("<svg width='10' height='10'><set attributeName='fill' to='red'/></svg>").is_ok());
}

#[test]
fn only_utf8_is_read_as_declared() {
    refused(
        "<?xml version='1.0' encoding='ISO-2022-JP'?><svg width='1' height='1'/>",
        "encoding",
    );
    refused(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><svg width='1' height='1'/>",
        "encoding",
    );
    refused("<?xml version=\"1.0\" encoding=utf-8?><svg/>", "unquoted");
    assert!(svg("<?xml version='1.0' encoding='UTF-8'?><svg/>").is_ok());
}

#[test]
fn large_hostile_text_is_checked_in_linear_time() {
    let mb = 4 << 20;
    let many_attrs: String = (0..mb / 12).map(|i| format!(" a{i}=\"\"")).collect();
    let inputs = [
        format!("<svg{many_attrs}/>"),
        format!("<svg width='1' height='1'>{}</svg>", "<g>".repeat(mb / 3)),
        format!(
            "<svg width='1' height='1'>{}</svg>",
            "<!---->".repeat(mb / 7)
        ),
        format!(
            "<svg width='1' height='1'><style>{}</style></svg>",
            "a:b;".repeat(mb / 4)
        ),
        format!("{}<svg/>", "<!-- - - -->".repeat(mb / 12)),
        format!("<svg width='1' height='1'>{}", "<set a='' ".repeat(mb / 10)),
        format!("<svg width='1' height='1'><g x='{}'/>", "-".repeat(mb)),
    ];
    let started = std::time::Instant::now();
    for input in &inputs {
        let _ = svg(input);
    }
    let took = started.elapsed();
    // Linear work on 28 MiB is well under this even in a debug build on a
    // loaded machine; a quadratic rescan would take hours.
    assert!(took.as_secs() < 20, "took {took:?}");
}
