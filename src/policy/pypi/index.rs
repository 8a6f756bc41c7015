//! The package index's answers: parsing a PEP 691 page, the page the
//! sandbox gets instead, and the wheel URLs the sandbox may then ask for.

use super::*;

/// One pure wheel an index listed, as the page will fetch it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Wheel {
    pub filename: String,
    /// Absolute, canonical (as `resolve` returned it).
    pub url: String,
    /// Lower-case hex.
    pub sha256: String,
    pub version: String,
    pub yanked: bool,
}

/// What the page keeps of one project's index page.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Project {
    /// Normalised.
    pub name: String,
    /// The pure wheels, in the index's order.
    pub wheels: Vec<Wheel>,
    /// Files left out (sdists, platform wheels, no sha256, bad URLs), for a log line.
    pub skipped: usize,
}

/// Whether `text` (after a BOM and white space) starts like markup.
fn is_markup(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

fn is_sha256(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `url` is absolute http(s) with no query, fragment or credentials:
/// the only URLs a sandbox request can name (`fetch_policy::canonical`
/// refuses the others), so the only ones worth listing.
fn is_plain_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let authority = rest.split('/').next().unwrap_or("");
    url.len() <= MAX_URL
        && !authority.is_empty()
        && !authority.contains('@')
        && !url.contains(['?', '#'])
        && !url.bytes().any(|b| b.is_ascii_control() || b == b' ')
}

/// Parses the index's PEP 691 JSON page for `project` (normalised: the name
/// the page asked for). `resolve(url)` turns a file's `url` (absolute, or
/// relative to the page's URL) into the canonical absolute URL the page
/// would fetch, or None. Keeps the pure wheels with a sha256 and a plain
/// http(s) URL; an error when the page is not PEP 691 JSON, is for another
/// project, or lists no such wheel.
pub(crate) fn parse_index(
    project: &str,
    body: &[u8],
    resolve: impl Fn(&str) -> Option<String>,
) -> Result<Project, String> {
    let project = normalize(project);
    if body.len() > MAX_INDEX_BYTES {
        return Err(format!(
            "the package index's page for {project} is larger than {MAX_INDEX_BYTES} bytes"
        ));
    }
    if is_markup(body) {
        return Err(format!(
            "the package index answered with HTML for {project} (the PEP 503 simple API, \
             or an error page); pycage reads the JSON simple API (PEP 691): the index must \
             answer `Accept: {PEP_691_JSON}` with JSON"
        ));
    }
    let not_pep_691 =
        |why: &str| format!("the package index's page for {project} is not PEP 691 JSON: {why}");
    let page: Value = serde_json::from_slice(body).map_err(|e| not_pep_691(&e.to_string()))?;
    let version = page
        .pointer("/meta/api-version")
        .and_then(Value::as_str)
        .ok_or_else(|| not_pep_691("no meta.api-version"))?;
    if version.split('.').next() != Some("1") {
        return Err(not_pep_691(&format!(
            "api-version {} (pycage reads 1.x)",
            shown(version)
        )));
    }
    let name = page
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| not_pep_691("no name"))?;
    if normalize(name) != project {
        return Err(format!(
            "the package index answered for project {} when asked for {project}",
            shown(name)
        ));
    }
    let files = page
        .get("files")
        .and_then(Value::as_array)
        .ok_or_else(|| not_pep_691("no files list"))?;

    let mut wheels: Vec<Wheel> = Vec::new();
    let mut platform_wheels = 0;
    let mut skipped = 0;
    for file in files {
        match pure_wheel(&project, file, &resolve) {
            Ok(wheel) => {
                // The same URL twice: keep the last entry.
                wheels.retain(|w| w.url != wheel.url);
                wheels.push(wheel);
            }
            Err(Skip::Platform) => {
                platform_wheels += 1;
                skipped += 1;
            }
            Err(Skip::Other) => skipped += 1,
        }
    }
    if wheels.is_empty() {
        let what = match files.len() {
            0 => "it lists no files".to_string(),
            n if platform_wheels > 0 => format!(
                "it lists {n} files, {platform_wheels} of them wheels for other platforms \
                 (compiled code)"
            ),
            n => format!("it lists {n} files, none a usable wheel"),
        };
        return Err(no_pure_wheel_error(&project, &what));
    }
    if wheels.len() > MAX_WHEELS_PER_PROJECT {
        let drop = wheels.len() - MAX_WHEELS_PER_PROJECT;
        wheels.drain(..drop);
        skipped += drop;
    }
    Ok(Project {
        name: project,
        wheels,
        skipped,
    })
}

/// The error for a project with no pure wheel on the index.
pub(crate) fn no_pure_wheel_error(project: &str, what: &str) -> String {
    format!(
        "package {project} has no pure-Python wheel (py3-none-any) with a sha256 on the \
         package index ({what}); pycage installs only pure-Python wheels from an index"
    )
}

enum Skip {
    Platform,
    Other,
}

/// One `files` entry, if it is a pure wheel of `project` the page can fetch.
fn pure_wheel(
    project: &str,
    file: &Value,
    resolve: &impl Fn(&str) -> Option<String>,
) -> Result<Wheel, Skip> {
    let filename = file
        .get("filename")
        .and_then(Value::as_str)
        .ok_or(Skip::Other)?;
    let parsed = parse_wheel_filename(filename).map_err(|_| Skip::Other)?;
    if parsed.name != project {
        return Err(Skip::Other); // another project's file: never served under this name
    }
    if !parsed.is_pure() {
        return Err(Skip::Platform);
    }
    let sha256 = file
        .pointer("/hashes/sha256")
        .and_then(Value::as_str)
        .filter(|h| is_sha256(h))
        .ok_or(Skip::Other)?
        .to_ascii_lowercase();
    let url = file
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| u.len() <= MAX_URL)
        .and_then(resolve)
        .filter(|u| is_plain_http_url(u))
        .ok_or(Skip::Other)?;
    // PEP 592/691: false, true, or a reason (a non-empty string).
    let yanked = match file.get("yanked") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(_)) => true,
        _ => false,
    };
    Ok(Wheel {
        filename: filename.to_string(),
        url,
        sha256,
        version: parsed.version,
        yanked,
    })
}

#[derive(Serialize)]
struct SandboxPage<'a> {
    meta: Meta,
    name: &'a str,
    files: Vec<SandboxFile<'a>>,
}

#[derive(Serialize)]
struct Meta {
    #[serde(rename = "api-version")]
    api_version: &'static str,
}

#[derive(Serialize)]
struct SandboxFile<'a> {
    filename: &'a str,
    url: &'a str,
    hashes: Hashes<'a>,
    yanked: bool,
}

#[derive(Serialize)]
struct Hashes<'a> {
    sha256: &'a str,
}

/// The PEP 691 page the sandbox gets for `project` (to send with
/// `content-type: application/vnd.pypi.simple.v1+json`): only the checked
/// pure wheels, absolute URLs (micropip does not resolve relative ones),
/// their sha256, and no `core-metadata` (so micropip asks for no
/// `.metadata` file).
pub(crate) fn sandbox_index(project: &Project) -> String {
    let page = SandboxPage {
        meta: Meta { api_version: "1.1" },
        name: &project.name,
        files: project
            .wheels
            .iter()
            .map(|w| SandboxFile {
                filename: &w.filename,
                url: &w.url,
                hashes: Hashes { sha256: &w.sha256 },
                yanked: w.yanked,
            })
            .collect(),
    };
    // Plain strings and bools: serializing cannot fail.
    serde_json::to_string(&page).unwrap_or_default()
}

/// The URL of `project`'s index page under `base` (canonical, ending in `/`).
pub(crate) fn index_page_url(base: &str, project: &str) -> String {
    format!("{base}{}/", normalize(project))
}

/// If the canonical `href` a sandbox asked for is an index page under
/// `base` (canonical, ending in `/`), i.e. `{base}{name}/` as micropip asks
/// with `index_urls` set to `base` without its last `/`: the project's
/// normalised name, or an error for a malformed name. None for any other URL.
pub(crate) fn index_request(base: &str, href: &str) -> Option<Result<String, String>> {
    let rest = href.strip_prefix(base)?;
    let name = rest.strip_suffix('/')?;
    if name.contains('/') {
        return None;
    }
    Some(if is_valid_name(name) {
        Ok(normalize(name))
    } else {
        Err(format!("{} is not a valid package name", shown(name)))
    })
}

/// A wheel the page listed to the sandbox, which it may then fetch.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Listed {
    pub project: String,
    pub filename: String,
    /// Lower-case hex: the body must hash to it.
    pub sha256: String,
}

/// The wheel URLs listed to one sandbox (canonical URL → wheel): the only
/// PyPI URLs it may fetch.
#[derive(Debug, Default)]
pub(crate) struct Listings {
    files: HashMap<String, Listed>,
}

impl Listings {
    pub(crate) fn new() -> Listings {
        Listings::default()
    }

    /// Records what the page is about to list for `project`, replacing what
    /// an earlier answer listed for it; an error past [`MAX_LISTED`] URLs.
    pub(crate) fn record(&mut self, project: &Project) -> Result<(), String> {
        self.files
            .retain(|_, listed| listed.project != project.name);
        if self.files.len().saturating_add(project.wheels.len()) > MAX_LISTED {
            return Err(format!(
                "this sandbox has listed more than {MAX_LISTED} wheels of the package index"
            ));
        }
        for wheel in &project.wheels {
            let listed = Listed {
                project: project.name.clone(),
                filename: wheel.filename.clone(),
                sha256: wheel.sha256.clone(),
            };
            self.files.insert(wheel.url.clone(), listed);
        }
        Ok(())
    }

    /// The wheel at the canonical `href`, if the page listed it.
    pub(crate) fn lookup(&self, href: &str) -> Option<&Listed> {
        self.files.get(href)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }
}

/// The micropip wheel among the index's files for `micropip`: the pinned
/// file name, listed with the pinned sha256 (the page then checks the bytes
/// against [`MICROPIP_SHA256`] too).
pub(crate) fn micropip_wheel(project: &Project) -> Result<&Wheel, String> {
    let wheel = project
        .wheels
        .iter()
        .find(|w| w.filename == MICROPIP_FILENAME)
        .ok_or_else(|| {
            format!("the package index does not list {MICROPIP_FILENAME}, which pycage loads as micropip")
        })?;
    if wheel.sha256 != MICROPIP_SHA256 {
        return Err(format!(
            "the package index lists {MICROPIP_FILENAME} with sha256 {}, not PyPI's {MICROPIP_SHA256}",
            wheel.sha256
        ));
    }
    Ok(wheel)
}
