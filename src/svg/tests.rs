//! The SVG size check (class 8, "SVG sizes lie"): sizes derived as an
//! `<img>` renders them, attacks on that, and real plotting output.
use super::*;

pub(super) fn svg(text: &str) -> Result<Size, String> {
    check(text.as_bytes(), &FigureCaps::default())
}

pub(super) fn sized(width: u32, height: u32) -> Size {
    Size {
        width: Some(width),
        height: Some(height),
    }
}

/// Asserts `text` is refused, for a reason containing `why`.
#[track_caller]
pub(super) fn refused(text: &str, why: &str) {
    match svg(text) {
        Ok(size) => panic!("accepted as {size:?}: {text}"),
        Err(reason) => assert!(
            reason.starts_with("image/svg+xml ") && reason.contains(why),
            "{reason:?} lacks {why:?} for {text}"
        ),
    }
}

const MPL: &str = r##"<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt" viewBox="0 0 460.8 345.6" xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata>
  <rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:cc="http://creativecommons.org/ns#" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
   <cc:Work><dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/><dc:date>2024-01-01T00:00:00</dc:date></cc:Work>
  </rdf:RDF>
 </metadata>
 <defs>
  <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>
 </defs>
 <g id="figure_1">
  <g id="patch_1">
   <path d="M 0 345.6 L 460.8 345.6 L 460.8 0 L 0 0 z" style="fill: #ffffff"/>
  </g>
  <g id="line2d_1">
   <path d="M 57.6 307.584 L 414.72 38.016" clip-path="url(#p1)" style="fill: none; stroke: #1f77b4; stroke-width: 1.5; stroke-linecap: square"/>
   <!-- the tick marks -->
   <use xlink:href="#m0" x="57.6" y="307.584" style="stroke: #000000; stroke-width: 0.8"/>
  </g>
 </g>
 <defs><clipPath id="p1"><rect x="57.6" y="41.472" width="357.12" height="266.112"/></clipPath></defs>
</svg>
"##;

#[test]
fn real_plotting_output_passes() {
    assert_eq!(svg(MPL).unwrap(), sized(614, 461));
    let plotly = r#"<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="700" height="500" style="" viewBox="0 0 700 500"><rect x="0" y="0" width="700" height="500" style="fill: rgb(255, 255, 255); fill-opacity: 1;"/><defs id="defs-1"><g class="clips"/></defs></svg>"#;
    assert_eq!(svg(plotly).unwrap(), sized(700, 500));
    let kaleido = "\u{feff}<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"700\" height=\"500\" style=\"background: rgb(255, 255, 255);\"><g/></svg>";
    assert_eq!(svg(kaleido).unwrap(), sized(700, 500));
    assert_eq!(
        svg("<svg viewBox=\"0 0 400 300\"/>").unwrap(),
        sized(300, 225)
    );
    assert_eq!(
        svg("<svg width='200' viewBox='0,0, 400,300'/>").unwrap(),
        sized(200, 150)
    );
    assert_eq!(
        svg("<svg height='30' viewBox='0 0 40 30'/>").unwrap(),
        sized(40, 30)
    );
    assert_eq!(svg("<svg/>").unwrap(), sized(300, 150));
    assert_eq!(
        svg("<svg width='10em' height='5ex'/>").unwrap(),
        sized(160, 40)
    );
    assert_eq!(
        svg("<svg width='1in' height='2.54cm' />").unwrap(),
        sized(96, 96)
    );
    let style_in_cdata = "<svg width='10' height='10'><style><![CDATA[ .a > b { stroke-width: 2; fill: red } ]]></style></svg>";
    assert_eq!(svg(style_in_cdata).unwrap(), sized(10, 10));
}

#[test]
fn ratio_attack_is_derived_like_the_browser() {
    // Width only: the browser takes the height from the viewBox's ratio.
    refused(
        "<svg width=\"1000000\" viewBox=\"0 0 1 1\"/>",
        "of 1000000x1000000 is over maxImagePixels (25000000)",
    );
    // Height only.
    refused(
        "<svg height=\"100000\" viewBox=\"0 0 1 1\"/>",
        "of 100000x100000 is over maxImagePixels",
    );
    refused(
        "<svg width=\"100%\" height=\"20000\" viewBox=\"0 0 1000 1\"/>",
        "size cannot be computed",
    );
    // Neither: the default width and an extreme ratio.
    refused(
        "<svg viewBox=\"0 0 1 1000000\"/>",
        "size cannot be computed",
    );
    refused("<svg viewBox=\"0 0 1 10000\"/>", "of 300x3000000 is over");
    refused("<svg viewBox=\"0 0 1e-30 1\"/>", "size cannot be computed");
    // No viewBox: the missing one is the <img> default (150 tall).
    refused("<svg width=\"1000000\"/>", "of 1000000x150 is over");
    refused("<svg width=\"100000000\"/>", "size cannot be computed");
    // A viewBox the size depends on but that cannot be read is refused,
    // not ignored: the browser might read it.
    for vb in [
        "0 0 1",
        "0 0 1 1 1",
        "0,,0,1,1",
        "0 0 1 -1",
        "0 0 0 1",
        "0 0 1e39 1",
    ] {
        refused(
            &format!("<svg width='5000' viewBox='{vb}'/>"),
            "invalid viewBox",
        );
    }
    // With both lengths given, the viewBox does not size the image.
    assert_eq!(
        svg("<svg width='10' height='10' viewBox='nonsense'/>").unwrap(),
        sized(10, 10)
    );
}

#[test]
fn a_unit_the_browser_might_not_parse_counts_both_ways() {
    // If the browser treated 1Q as invalid (auto), the width would be 1e8.
    refused(
        "<svg width='1Q' height='100000' viewBox='0 0 1000 1'/>",
        "size cannot be computed",
    );
    assert_eq!(
        svg("<svg width='1016Q' height='960Q'/>").unwrap(),
        sized(960, 907)
    );
}

#[test]
fn lengths_that_cannot_be_computed_are_refused() {
    for value in [
        "NaN",
        "nan",
        "inf",
        "infinity",
        "-inf",
        "-10",
        "1e999",
        "10vw",
        "10ch",
        "calc(1px*1e6)",
        "10 px",
        " 10",
        "10 ",
        "10PX",
        "1.",
        ".",
        "",
        "auto",
        "1e",
        "0x10",
        "1,5",
        "+-1",
    ] {
        refused(
            &format!("<svg width=\"{value}\" height=\"10\"/>"),
            "size cannot be computed",
        );
    }
    assert_eq!(
        svg("<svg width='+.5e1' height='1E1px'/>").unwrap(),
        sized(5, 10)
    );
    assert_eq!(svg("<svg width='0' height='0'/>").unwrap(), sized(0, 0));
}

#[test]
fn font_relative_sizes_need_the_default_font() {
    refused(
        "<svg width='100em' height='100em' font-size='1000'/>",
        "font",
    );
    refused(
        "<svg width='100ex' height='1' style='font-size: 99px'/>",
        "font",
    );
    refused(
        "<svg width='1rem' height='1'><style>svg{font:900px serif}</style></svg>",
        "font",
    );
    // A font only matters when a length depends on it.
    assert_eq!(
        svg("<svg width='10' height='10' font-size='1000'/>").unwrap(),
        sized(10, 10)
    );
}
