//! Role URLs the fetch proxy may fetch for a sandbox, decided on canonical
//! URLs. The sandbox's code is hostile and picks the URL, so a string prefix
//! is worthless: the browser's URL parser would later fold `%2e%2e`,
//! backslashes, tabs and case into a path outside the base. Instead every
//! request is parsed by the platform parser and looked up *exactly* in a
//! table built once per sandbox from Pyodide's lockfile (the files under
//! `packageBaseUrl`) and the wheel URLs listed in the `packages` option.
//! The table also says which package owns each file, so `allowedPackages`
//! and `autoLoadPackages: false` are enforced here, where the attacker
//! cannot skip them, and which sha256 the body must have.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

/// The parts of `pyodide-lock.json` the policy needs.
#[derive(Deserialize, Debug)]
pub(crate) struct Lock {
    packages: HashMap<String, LockPackage>,
}

#[derive(Deserialize, Debug)]
struct LockPackage {
    name: String,
    file_name: String,
    #[serde(default)]
    depends: Vec<String>,
    /// Hex SHA-256 of the file.
    sha256: String,
}

/// What may be fetched for one allowed request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Permit {
    /// The canonical URL, the only thing the page ever fetches.
    pub href: String,
    /// The lockfile's hex SHA-256 the body must match (none for a URL the
    /// page listed in `packages`: the page chose it, there is no hash).
    pub sha256: Option<String>,
}

struct File {
    /// The lockfile's name of the package owning the file.
    package: String,
    sha256: Option<String>,
    permitted: bool,
}

/// The decision table of one sandbox.
pub(crate) struct FetchPolicy {
    base: String,
    files: HashMap<String, File>,
}

/// A package name as Pyodide and PyPI compare them (PEP 503).
pub(crate) fn canonical_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        }
    }
    out
}

/// Whether a `packages` entry is a wheel URL rather than a name (the same
/// test as `options.rs`, which resolved such entries to absolute URLs).
fn is_url(entry: &str) -> bool {
    entry.contains('/') || entry.ends_with(".whl")
}

/// The lockfile keys (canonical) of the packages this sandbox may load:
/// the dependency closure of the boot `packages` names, plus, if
/// `auto_load`, of `allowed` (every package when `allowed` is unset).
fn permitted(
    lock: &Lock,
    packages: &[String],
    auto_load: bool,
    allowed: Option<&[String]>,
) -> HashSet<String> {
    let by_name: HashMap<String, &LockPackage> = lock
        .packages
        .iter()
        .flat_map(|(key, p)| [(canonical_name(key), p), (canonical_name(&p.name), p)])
        .collect();
    let mut roots: Vec<String> = packages.iter().filter(|p| !is_url(p)).cloned().collect();
    if auto_load {
        match allowed {
            Some(list) => roots.extend(list.iter().cloned()),
            None => roots.extend(lock.packages.keys().cloned()),
        }
    }
    let mut seen = HashSet::new();
    let mut stack: Vec<String> = roots.iter().map(|r| canonical_name(r)).collect();
    while let Some(name) = stack.pop() {
        let Some(package) = by_name.get(&name) else {
            continue; // not in the lockfile: nothing of it can be fetched
        };
        if seen.insert(canonical_name(&package.name)) {
            stack.extend(package.depends.iter().map(|d| canonical_name(d)));
        }
    }
    seen
}

impl FetchPolicy {
    /// Builds the table. `resolve(file_name)` is the canonical URL of a
    /// lockfile file under `base` (the canonical `packageBaseUrl`), or None
    /// if it would leave the base; `packages` holds the option's names and
    /// (already canonical) wheel URLs.
    pub(crate) fn new(
        lock: &Lock,
        base: &str,
        packages: &[String],
        auto_load: bool,
        allowed: Option<&[String]>,
        resolve: impl Fn(&str) -> Option<String>,
    ) -> FetchPolicy {
        let permitted = permitted(lock, packages, auto_load, allowed);
        let mut files = HashMap::new();
        for package in lock.packages.values() {
            let Some(href) = resolve(&package.file_name).filter(|h| h.starts_with(base)) else {
                continue;
            };
            let file = File {
                package: package.name.clone(),
                sha256: Some(package.sha256.to_ascii_lowercase()),
                permitted: permitted.contains(&canonical_name(&package.name)),
            };
            files.insert(href, file);
        }
        for url in packages.iter().filter(|p| is_url(p)) {
            // Listed by the page itself: allowed whatever it is. A lockfile
            // file listed by URL keeps its hash.
            let file = files.entry(url.clone()).or_insert(File {
                package: url.clone(),
                sha256: None,
                permitted: true,
            });
            file.permitted = true;
        }
        FetchPolicy {
            base: base.to_string(),
            files,
        }
    }

    /// The decision for a canonical URL (see [`canonical`]).
    pub(crate) fn lookup(&self, href: &str) -> Result<Permit, String> {
        match self.files.get(href) {
            Some(file) if file.permitted => Ok(Permit {
                href: href.to_string(),
                sha256: file.sha256.clone(),
            }),
            Some(file) => Err(format!(
                "package {} is not allowed in this sandbox (allowedPackages / autoLoadPackages)",
                file.package
            )),
            // `base` is itself canonical and ends in '/', so this prefix
            // test on canonical URLs is "same origin, and under the base path".
            None if href.starts_with(&self.base) => {
                Err("it is not a file in Pyodide's lockfile (pyodide-lock.json)".into())
            }
            None => Err(format!(
                "pycage fetches only the lockfile's files under packageBaseUrl ({}) \
                 and the wheel URLs listed in packages",
                self.base
            )),
        }
    }

    /// The decision for a URL the sandbox sent.
    pub(crate) fn decide(&self, url: &str) -> Result<Permit, String> {
        self.lookup(&canonical(url)?)
    }
}

/// `url` as the browser will fetch it, without its fragment; refused if it
/// is relative, not http(s), has a user name or password, or a query.
pub(crate) fn canonical(url: &str) -> Result<String, String> {
    let parsed = web_sys::Url::new(url).map_err(|_| "it is not an absolute URL".to_string())?;
    if !matches!(parsed.protocol().as_str(), "http:" | "https:") {
        return Err("only http(s) URLs are fetched".into());
    }
    if !parsed.username().is_empty() || !parsed.password().is_empty() {
        return Err("URLs with a user name or password are refused".into());
    }
    parsed.set_hash("");
    let href = parsed.href();
    // A bare "?" leaves `search` empty but stays in the href: test the href
    // (a '?' in a canonical path or host is always percent-encoded).
    if href.contains('?') {
        return Err("URLs with a query string are refused".into());
    }
    Ok(href)
}

/// `file_name` resolved against `base`, canonical, if it stays under `base`.
pub(crate) fn resolve(base: &str, file_name: &str) -> Option<String> {
    let parsed = web_sys::Url::new_with_base(file_name, base).ok()?;
    parsed.set_hash("");
    Some(parsed.href()).filter(|href| href.starts_with(base) && !href.contains('?'))
}

#[cfg(test)]
mod tests;
