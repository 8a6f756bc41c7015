//! Checks on images the sandbox returns, done on the header bytes before
//! anything decodes them. Pure Rust, so it is unit-tested natively too.

use crate::options::FigureCaps;

/// Mime types a display item may carry, with [`VEGA_MIMES`] (see
/// [`allowed_mimes`]). Anything else is dropped.
const ALLOWED_MIMES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/plain",
    "text/html",
    "text/markdown",
    "text/latex",
    "application/json",
    "application/vnd.plotly.v1+json",
];

/// Vega-Lite and Vega specs, as Altair gives them: 6 names them `v6+json`
/// (the spec the capture runtime adds, and `spec_to_mimebundle`) and, in its
/// `mimetype` renderer, `v6.json`; Altair 5 `v5+json`, 4 `v4+json`.
pub(crate) const VEGA_MIMES: &[&str] = &[
    "application/vnd.vegalite.v6+json",
    "application/vnd.vegalite.v6.json",
    "application/vnd.vegalite.v5+json",
    "application/vnd.vegalite.v4+json",
    "application/vnd.vega.v6+json",
    "application/vnd.vega.v6.json",
    "application/vnd.vega.v5+json",
];

/// Every mime type a display item may carry.
pub(crate) fn allowed_mimes() -> impl Iterator<Item = &'static str> {
    ALLOWED_MIMES.iter().chain(VEGA_MIMES).copied()
}

/// Whether a display item may carry `mime`.
pub(crate) fn is_allowed(mime: &str) -> bool {
    allowed_mimes().any(|allowed| allowed == mime)
}

/// Image mime types, in the order a display item's figure is picked.
pub(crate) const IMAGE_MIMES: &[&str] = &["image/png", "image/jpeg", "image/svg+xml"];

/// Mime types whose value is JSON text in the protocol and an object in
/// `outputs`: plain JSON, plotly figures, and Vega-Lite and Vega specs.
pub(crate) fn is_json(mime: &str) -> bool {
    mime == "application/json"
        || mime == "application/vnd.plotly.v1+json"
        || VEGA_MIMES.contains(&mime)
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// What a valid image header tells us.
#[derive(Debug, PartialEq)]
pub(crate) struct Size {
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Checks an image of `len` bytes by its headers, which `read(start, end)`
/// returns (fewer bytes past the end): a PNG's IHDR, a JPEG's frame header,
/// an SVG's root element (see `svg`). `Err` is the reason it was dropped.
pub(crate) fn check_image(
    mime: &str,
    len: usize,
    read: &dyn Fn(usize, usize) -> Vec<u8>,
    caps: &FigureCaps,
) -> Result<Size, String> {
    if len > caps.max_figure_bytes {
        return Err(format!(
            "{mime} of {len} bytes is over maxFigureBytes ({})",
            caps.max_figure_bytes
        ));
    }
    match mime {
        "image/png" => check_png(&read(0, 33), caps),
        "image/jpeg" => check_jpeg(read, caps),
        "image/svg+xml" => crate::svg::check(&read(0, len), caps),
        other => Err(format!("{other} is not an allowed image type")),
    }
}

fn check_png(head: &[u8], caps: &FigureCaps) -> Result<Size, String> {
    if head.len() < 33 || head[..8] != PNG_SIGNATURE {
        return Err("image/png without the PNG signature".into());
    }
    let be32 = |at: usize| u32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    if be32(8) != 13 || &head[12..16] != b"IHDR" {
        return Err("image/png whose first chunk is not IHDR".into());
    }
    sized("image/png", be32(16), be32(20), caps)
}

/// A raster image's size from its header: non-zero, and under the pixel cap
/// (checked before anything decodes it, since a few bytes can declare a
/// huge image).
fn sized(mime: &str, width: u32, height: u32, caps: &FigureCaps) -> Result<Size, String> {
    if width == 0 || height == 0 || width > 0x7fff_ffff || height > 0x7fff_ffff {
        return Err(format!("{mime} with invalid dimensions {width}x{height}"));
    }
    if u64::from(width) * u64::from(height) > caps.max_pixels {
        return Err(format!(
            "{mime} of {width}x{height} is over maxImagePixels ({})",
            caps.max_pixels
        ));
    }
    Ok(Size {
        width: Some(width),
        height: Some(height),
    })
}

/// `read` for an image already in memory.
pub(crate) fn read_slice(data: &[u8], start: usize, end: usize) -> Vec<u8> {
    data[start.min(data.len())..end.min(data.len())].to_vec()
}

/// Segments a JPEG may have before its frame header (APPn, comments,
/// tables); a file with more is not what a plotting library writes.
const MAX_JPEG_SEGMENTS: usize = 1024;

/// A JPEG must start with SOI and reach a frame header (SOFn) by walking
/// the segment lengths; its size is checked as a PNG's.
fn check_jpeg(read: &dyn Fn(usize, usize) -> Vec<u8>, caps: &FigureCaps) -> Result<Size, String> {
    if read(0, 3) != [0xff, 0xd8, 0xff] {
        return Err("image/jpeg without the JPEG start-of-image marker".into());
    }
    let mut at = 2;
    for _ in 0..MAX_JPEG_SEGMENTS {
        let seg = read(at, at + 9);
        let be16 = |i: usize| u16::from_be_bytes([seg[i], seg[i + 1]]);
        if seg.len() < 4 || seg[0] != 0xff {
            return Err("image/jpeg without a frame header (SOF)".into());
        }
        match seg[1] {
            0xff => at += 1,               // fill byte before a marker
            0x01 | 0xd0..=0xd8 => at += 2, // markers without a length
            0xc0..=0xcf if !matches!(seg[1], 0xc4 | 0xc8 | 0xcc) => {
                if seg.len() < 9 {
                    return Err("image/jpeg with a truncated frame header".into());
                }
                return sized("image/jpeg", be16(7).into(), be16(5).into(), caps);
            }
            0xd9 | 0xda => return Err("image/jpeg without a frame header (SOF)".into()),
            _ => at += 2 + usize::from(be16(2)),
        }
    }
    Err("image/jpeg without a frame header (SOF)".into())
}

/// A `data:` URL of an image's bytes, for `<img src>`.
pub(crate) fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", base64(bytes))
}

/// A `Blob` of an image's bytes, typed with its mime.
pub(crate) fn blob(
    mime: &str,
    bytes: &js_sys::Uint8Array,
) -> Result<web_sys::Blob, wasm_bindgen::JsValue> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&js_sys::Array::of1(bytes), &options)
}

/// Standard base64 with padding (RFC 4648), for `data:` URLs.
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(mime: &str, len: usize, data: &[u8], caps: &FigureCaps) -> Result<Size, String> {
        check_image(mime, len, &|start, end| read_slice(data, start, end), caps)
    }

    /// SOI, an APP0 segment, a quantization table, then SOF0 of `width`x`height`.
    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut out = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16];
        out.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        out.extend([0xff, 0xdb, 0, 4, 0, 0]);
        out.extend([0xff, 0xc0, 0, 17, 8]);
        out.extend(height.to_be_bytes());
        out.extend(width.to_be_bytes());
        out.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        out
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = PNG_SIGNATURE.to_vec();
        out.extend(13u32.to_be_bytes());
        out.extend(b"IHDR");
        out.extend(width.to_be_bytes());
        out.extend(height.to_be_bytes());
        out.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        out
    }

    #[test]
    fn the_capture_runtime_sends_the_same_chart_spec_types() {
        // guest/_pycage/__init__.py keeps its own VEGA_MIMES (it marks them
        // as JSON text): a type only one side knows is dropped or misread.
        let py = include_str!("../guest/_pycage/__init__.py");
        let start = py.find("VEGA_MIMES = (").expect("the Python list");
        let list = &py[start..start + py[start..].find(')').unwrap()];
        let quoted: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
        assert_eq!(quoted, VEGA_MIMES);
    }

    #[test]
    fn chart_specs_are_allowed_and_parsed_as_json() {
        // Altair 6's mimetype renderer spells its type with ".json".
        for mime in [
            "application/vnd.vegalite.v6.json",
            "application/vnd.vegalite.v6+json",
            "application/vnd.vegalite.v5+json",
            "application/vnd.vegalite.v4+json",
            "application/vnd.vega.v6.json",
            "application/vnd.vega.v5+json",
            "application/vnd.plotly.v1+json",
            "application/json",
        ] {
            assert!(is_allowed(mime), "{mime} is allowed");
            assert!(is_json(mime), "{mime} is parsed as JSON");
        }
        for mime in ["text/plain", "text/html", "image/svg+xml"] {
            assert!(!is_json(mime), "{mime} stays text");
        }
        // A type nobody emits stays out, so is never parsed.
        assert!(!is_allowed("application/vnd.vegalite.v3+json"));
        assert!(!is_json("application/vnd.vegalite.v3+json"));
        assert!(
            allowed_mimes().all(|m| !(m.ends_with("+json") || m.ends_with(".json")) || is_json(m)),
            "every allowed JSON type is parsed: the page gets an object, as the types say"
        );
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn png_header_gives_size() {
        let size = check("image/png", 100, &png(640, 480), &FigureCaps::default()).unwrap();
        assert_eq!(
            size,
            Size {
                width: Some(640),
                height: Some(480)
            }
        );
    }

    #[test]
    fn png_rules() {
        let caps = FigureCaps::default();
        assert!(check(
            "image/png",
            100,
            b"GIF89a not a png at all, no sir!!",
            &caps
        )
        .is_err());
        assert!(check("image/png", 100, &png(0, 10), &caps).is_err());
        assert!(check("image/png", 100, &png(100_000, 100_000), &caps)
            .unwrap_err()
            .contains("maxImagePixels"));
        assert!(check("image/png", caps.max_figure_bytes + 1, &png(1, 1), &caps).is_err());
        let mut bad_chunk = png(1, 1);
        bad_chunk[12..16].copy_from_slice(b"IDAT");
        assert!(check("image/png", 100, &bad_chunk, &caps).is_err());
        assert!(check("image/png", 100, &png(1, 1)[..20], &caps).is_err());
    }

    #[test]
    fn jpeg_and_others() {
        let caps = FigureCaps::default();
        assert!(check("image/jpeg", 10, &[0xff, 0xd8, 0xff, 0xe0], &caps).is_err());
        assert!(check("image/jpeg", 10, &png(1, 1), &caps).is_err());
        assert!(check("image/gif", 10, b"GIF89a", &caps).is_err());
        assert!(check("image/svg+xml", 10, b"<svg/>", &caps).is_ok());
        assert!(check("image/svg+xml", 10, b"<svg", &caps).is_err());
        assert!(check("image/svg+xml", 10, b"<html>", &caps).is_err());
    }

    #[test]
    fn jpeg_frame_header_gives_size() {
        let caps = FigureCaps::default();
        let size = check("image/jpeg", 100, &jpeg(640, 480), &caps).unwrap();
        assert_eq!(
            size,
            Size {
                width: Some(640),
                height: Some(480)
            }
        );
        assert!(check("image/jpeg", 100, &jpeg(65535, 65535), &caps)
            .unwrap_err()
            .contains("maxImagePixels"));
        assert!(check("image/jpeg", 100, &jpeg(0, 10), &caps).is_err());
        let whole = jpeg(8, 8);
        assert!(check("image/jpeg", 100, &whole[..30], &caps)
            .unwrap_err()
            .contains("frame header"));
        let mut scan_first = whole.clone();
        scan_first[21] = 0xda;
        assert!(check("image/jpeg", 100, &scan_first, &caps).is_err());
        // A segment that claims to run past the end, or loops on zero lengths.
        assert!(check(
            "image/jpeg",
            100,
            &[0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff],
            &caps
        )
        .is_err());
        assert!(check("image/jpeg", 100, &[0xff, 0xd8, 0xff, 0xe0, 0, 0], &caps).is_err());
    }

    #[test]
    fn svg_size() {
        let caps = FigureCaps::default();
        let size = |s: &str| check("image/svg+xml", s.len(), s.as_bytes(), &caps);
        let mpl = "<?xml version=\"1.0\"?>\n<svg xmlns:xlink=\"x\" width=\"460.8pt\" height=\"345.6pt\" viewBox=\"0 0 460.8 345.6\">";
        assert_eq!(
            size(mpl).unwrap(),
            Size {
                width: Some(614),
                height: Some(461)
            }
        );
        assert_eq!(
            size("<svg viewBox='0 0 30 20'/>").unwrap(),
            Size {
                width: Some(300),
                height: Some(200)
            },
            "an <img> gives a viewBox-only SVG the default width and the viewBox's ratio"
        );
        assert_eq!(
            size("<svg stroke-width=\"3\" width=\"10\" height=\"5px\">").unwrap(),
            Size {
                width: Some(10),
                height: Some(5)
            }
        );
        assert_eq!(
            size("<svg width=\"50%\" height=\"2em\">").unwrap(),
            Size {
                width: None,
                height: Some(32)
            }
        );
        assert!(size("<svg width=\"100000\" height=\"100000\">")
            .unwrap_err()
            .contains("maxImagePixels"));
    }
}
