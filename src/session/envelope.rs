//! The envelope around a session's state, and the page's checks of it.
//!
//! ```text
//! "PYCAGE-SESSION\n\0"   16 bytes
//! header length          u32, little-endian, at most MAX_HEADER
//! header                 JSON: format, versions, rawBytes, bodyBytes
//! body                   bodyBytes of gzip, rawBytes once inflated
//! ```
//!
//! Everything here is pure and runs natively: the browser part (inflating
//! the body with a cap) is codec.rs. The checks bound what a session can
//! make the page do: its size against `maxSessionBytes`, the header's
//! length and fields, and that the sizes it claims are the sizes it has.

use serde::{Deserialize, Serialize};

pub(crate) const MAGIC: &[u8; 16] = b"PYCAGE-SESSION\n\0";
/// The envelope's format; a session of another is refused.
pub(crate) const FORMAT: u32 = 1;
/// The longest header: a few short fields need far less.
const MAX_HEADER: usize = 16 << 10;

/// What the page writes before the body, and checks when it reads one.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Header {
    pub format: u32,
    /// pycage's version that made it (`CARGO_PKG_VERSION`).
    pub pycage: String,
    /// The interpreter's, when it was exported.
    pub pyodide: String,
    pub python: String,
    /// The state's size once inflated.
    pub raw_bytes: u64,
    /// The gzip body's size: exactly what follows the header.
    pub body_bytes: u64,
}

/// A checked envelope: its header, and where its body starts.
#[derive(Debug, PartialEq)]
pub(crate) struct Envelope {
    pub header: Header,
    pub body_offset: usize,
}

impl Header {
    pub(crate) fn new(pyodide: &str, python: &str, raw_bytes: u64, body_bytes: u64) -> Header {
        Header {
            format: FORMAT,
            pycage: env!("CARGO_PKG_VERSION").into(),
            pyodide: pyodide.into(),
            python: python.into(),
            raw_bytes,
            body_bytes,
        }
    }

    /// The bytes before the body: magic, length, JSON.
    pub(crate) fn prefix(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(MAGIC.len() + 4 + json.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        out
    }

    /// Whether the running interpreter can take this session: the same
    /// Pyodide and the same Python (a pickle names Python's classes, and
    /// code is saved as that Python's bytecode).
    pub(crate) fn check_interpreter(&self, pyodide: &str, python: &str) -> Result<(), String> {
        if self.pyodide != pyodide || self.python != python {
            return Err(format!(
                "it was made with Pyodide {} (Python {}); this sandbox runs Pyodide {pyodide} (Python {python})",
                clip(&self.pyodide),
                clip(&self.python)
            ));
        }
        Ok(())
    }
}

/// The bytes to read before [`Envelope::read`] can check a session: the
/// magic, the length and the longest header.
pub(crate) const fn prefix_len() -> usize {
    MAGIC.len() + 4 + MAX_HEADER
}

impl Envelope {
    /// Checks a session of `total` bytes, from its first bytes (`start`:
    /// up to [`prefix_len`] of them), against `max` (`maxSessionBytes`).
    pub(crate) fn read(start: &[u8], total: usize, max: usize) -> Result<Envelope, String> {
        if total > max {
            return Err(format!("it is {total} bytes, over maxSessionBytes ({max})"));
        }
        let after_magic = MAGIC.len() + 4;
        if start.len() < MAGIC.len() || &start[..MAGIC.len()] != MAGIC {
            return Err("it is not a pycage session (no PYCAGE-SESSION header)".into());
        }
        if start.len() < after_magic {
            return Err("it is truncated (in its header)".into());
        }
        let mut len = [0; 4];
        len.copy_from_slice(&start[MAGIC.len()..after_magic]);
        let len = u32::from_le_bytes(len) as usize;
        if len > MAX_HEADER {
            return Err(format!(
                "its header claims {len} bytes (at most {MAX_HEADER})"
            ));
        }
        let json = start
            .get(after_magic..after_magic + len)
            .ok_or("it is truncated (in its header)")?;
        let header: Header = serde_json::from_slice(json)
            .map_err(|e| format!("its header is corrupt: {}", clip(&e.to_string())))?;
        let body_offset = after_magic + len;
        check_header(&header, total - body_offset, max)?;
        Ok(Envelope {
            header,
            body_offset,
        })
    }
}

fn check_header(header: &Header, body: usize, max: usize) -> Result<(), String> {
    if header.format != FORMAT {
        return Err(format!(
            "it is in session format {}; this pycage reads format {FORMAT}",
            header.format
        ));
    }
    let ours = env!("CARGO_PKG_VERSION");
    if header.pycage != ours {
        return Err(format!(
            "it was made by pycage {}; this is pycage {ours}",
            clip(&header.pycage)
        ));
    }
    if header.body_bytes != body as u64 {
        return Err(format!(
            "its header claims a body of {} bytes, and it has {body} (truncated or padded)",
            header.body_bytes
        ));
    }
    if header.raw_bytes > max as u64 {
        return Err(format!(
            "its header claims {} bytes of state, over maxSessionBytes ({max})",
            header.raw_bytes
        ));
    }
    Ok(())
}

/// A string from a session, short enough for an error message.
fn clip(text: &str) -> &str {
    crate::protocol::truncate(text, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1 << 20;

    fn session(header: &Header, body: usize) -> Vec<u8> {
        let mut bytes = header.prefix();
        bytes.resize(bytes.len() + body, 0x1f);
        bytes
    }

    fn good() -> Header {
        Header::new("314.0.7", "3.14.2", 500, 100)
    }

    fn read(bytes: &[u8]) -> Result<Envelope, String> {
        Envelope::read(&bytes[..bytes.len().min(prefix_len())], bytes.len(), MAX)
    }

    #[test]
    fn a_session_written_here_reads_back() {
        let bytes = session(&good(), 100);
        let envelope = read(&bytes).unwrap();
        assert_eq!(envelope.header, good());
        assert_eq!(envelope.body_offset, bytes.len() - 100);
    }

    #[test]
    fn a_session_cut_anywhere_is_refused() {
        let bytes = session(&good(), 100);
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn a_session_with_bytes_added_is_refused() {
        let mut bytes = session(&good(), 100);
        bytes.push(0);
        let err = read(&bytes).unwrap_err();
        assert!(
            err.contains("claims a body of 100 bytes, and it has 101"),
            "{err}"
        );
    }

    #[test]
    fn other_bytes_are_not_a_session() {
        for bytes in [&b""[..], b"PK\x03\x04", b"\x1f\x8b\x08\0", &[0; 64]] {
            let err = read(bytes).unwrap_err();
            assert!(err.contains("not a pycage session"), "{err}");
        }
    }

    #[test]
    fn a_session_over_the_cap_is_refused_before_it_is_read() {
        let err = Envelope::read(b"", MAX + 1, MAX).unwrap_err();
        assert!(err.contains("over maxSessionBytes"), "{err}");
    }

    #[test]
    fn a_header_that_claims_more_state_than_the_cap_is_refused() {
        let header = Header::new("314.0.7", "3.14.2", MAX as u64 + 1, 10);
        let err = read(&session(&header, 10)).unwrap_err();
        assert!(err.contains("claims 1048577 bytes of state"), "{err}");
    }

    #[test]
    fn a_huge_header_length_is_refused_without_reading_it() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = read(&bytes).unwrap_err();
        assert!(err.contains("header claims 4294967295 bytes"), "{err}");
    }

    #[test]
    fn a_corrupt_or_unknown_header_is_refused() {
        for json in [&b"{"[..], b"[]", b"{\"format\":1}", b"null"] {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
            bytes.extend_from_slice(json);
            let err = read(&bytes).unwrap_err();
            assert!(err.contains("header is corrupt"), "{err}");
        }
        let mut value = serde_json::to_value(good()).unwrap();
        value["extra"] = 1.into();
        let json = serde_json::to_vec(&value).unwrap();
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&json);
        bytes.resize(bytes.len() + 100, 0);
        assert!(read(&bytes).unwrap_err().contains("unknown field"));
    }

    #[test]
    fn another_format_or_pycage_version_is_refused() {
        let mut header = good();
        header.format = 2;
        assert!(read(&session(&header, 100))
            .unwrap_err()
            .contains("format 2"));
        let mut header = good();
        header.pycage = "0.0.1-evil".into();
        let err = read(&session(&header, 100)).unwrap_err();
        assert!(err.contains("made by pycage 0.0.1-evil"), "{err}");
    }

    #[test]
    fn another_interpreter_is_refused_by_name() {
        let header = good();
        assert!(header.check_interpreter("314.0.7", "3.14.2").is_ok());
        let err = header.check_interpreter("315.0.0", "3.15.0").unwrap_err();
        assert!(err.contains("Pyodide 314.0.7 (Python 3.14.2)"), "{err}");
        assert!(err.contains("runs Pyodide 315.0.0"), "{err}");
    }
}
