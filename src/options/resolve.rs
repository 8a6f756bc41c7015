//! [`SandboxOptions`] to [`SandboxConfig`]: defaults, ranges, and URLs
//! resolved against the page.

use super::*;

/// Resolves `url` against the page's address and adds a trailing slash.
fn folder_url(field: &str, url: &str) -> Result<String, Error> {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_else(|| "http://localhost/".to_string());
    let parsed = web_sys::Url::new_with_base(url, &base)
        .map_err(|_| Error::options(field, "not a valid URL"))?;
    let protocol = parsed.protocol();
    if protocol != "http:" && protocol != "https:" {
        return Err(Error::options(field, "must be an http(s) URL"));
    }
    let mut href = parsed.href();
    if !href.ends_with('/') {
        href.push('/');
    }
    Ok(href)
}

/// Resolves one wheel URL (packages entries that are not plain names).
fn absolute_url(url: &str) -> Option<String> {
    let base = web_sys::window()?.location().href().ok()?;
    web_sys::Url::new_with_base(url, &base)
        .ok()
        .map(|u| u.href())
}

/// `url` resolved against the page, if it is http(s).
fn http_url(url: &str) -> Option<String> {
    let href = absolute_url(url)?;
    (href.starts_with("http://") || href.starts_with("https://")).then_some(href)
}

/// Each entry of `packages`: a distribution name, or a wheel URL made absolute.
fn resolve_packages(packages: Vec<String>) -> Result<Vec<String>, Error> {
    let mut resolved = Vec::with_capacity(packages.len());
    for package in packages {
        if package.contains('/') || package.ends_with(".whl") {
            let url = absolute_url(&package)
                .ok_or_else(|| Error::options("packages", format!("bad wheel URL {package}")))?;
            resolved.push(url);
        } else if !package.is_empty()
            && package
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            resolved.push(package);
        } else {
            return Err(Error::options(
                "packages",
                format!("{package:?} is neither a package name nor a wheel URL"),
            ));
        }
    }
    Ok(resolved)
}

fn resolve_pypi(pypi: PypiOptions) -> Result<PypiConfig, Error> {
    let index = pypi
        .index_url
        .as_deref()
        .unwrap_or(crate::policy::pypi::DEFAULT_INDEX_URL);
    Ok(PypiConfig {
        index_url: folder_url("pypi.indexUrl", index)?,
        allowlist: crate::policy::pypi::Allowlist::new(&pypi.allowed)
            .map_err(|why| Error::options("pypi.allowed", why))?,
    })
}

impl SandboxConfig {
    pub(crate) fn resolve(options: SandboxOptions) -> Result<Self, Error> {
        let default_url = format!("https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/");
        let pyodide_url = folder_url(
            "pyodideUrl",
            options.pyodide_url.as_deref().unwrap_or(&default_url),
        )?;
        let package_base_url = match &options.package_base_url {
            Some(url) => folder_url("packageBaseUrl", url)?,
            None => pyodide_url.clone(),
        };
        let pyodide_hashes = match options.pyodide_hashes {
            PyodideHashes::Custom(map) => PyodideHashes::Custom(
                crate::policy::pyodide_files::normalise_custom(map)
                    .map_err(|reason| Error::options("pyodideHashes", reason))?,
            ),
            other => other,
        };
        let isolation = options.isolation;
        let runner_url = match options.runner_url {
            None => None,
            Some(_) if isolation == Isolation::Worker => {
                return Err(Error::options(
                    "runnerUrl",
                    "needs isolation \"iframe\" (the runner page hosts the sandbox frame)",
                ))
            }
            Some(url) => Some(http_url(&url).ok_or_else(|| {
                Error::options("runnerUrl", format!("expected an http(s) URL, got {url:?}"))
            })?),
        };
        let packages = resolve_packages(options.packages)?;
        // A snapshot holds Python's memory but not the files packages
        // installed, so it is only safe (and the default) without packages.
        if options.snapshot == Some(true) && !packages.is_empty() {
            return Err(Error::options(
                "snapshot",
                "cannot be combined with packages (a snapshot does not hold their files)",
            ));
        }
        let defaults = FigureCaps::default();
        let max_pixels = options
            .max_image_pixels
            .map(|n| in_range("maxImagePixels", n as f64).map(|_| n))
            .transpose()?;
        Ok(SandboxConfig {
            snapshot: options.snapshot.unwrap_or(packages.is_empty()),
            pyodide_url,
            pyodide_hashes,
            package_base_url,
            timeout_ms: checked("timeoutMs", options.timeout_ms)?.unwrap_or(30_000.0),
            max_output_bytes: checked_count("maxOutputBytes", options.max_output_bytes)?
                .unwrap_or(1 << 20),
            isolation,
            runner_url,
            packages,
            auto_load: options.auto_load_packages.unwrap_or(true),
            allowed_packages: options.allowed_packages,
            on_log: options.on_log,
            on_progress: options.on_progress,
            standby: options.standby.unwrap_or(true),
            boot_timeout_ms: checked("bootTimeoutMs", options.boot_timeout_ms)?.unwrap_or(60_000.0),
            caps: FigureCaps {
                max_figures: checked_count("maxFigures", options.max_figures)?
                    .unwrap_or(defaults.max_figures),
                max_figure_bytes: checked_count("maxFigureBytes", options.max_figure_bytes)?
                    .unwrap_or(defaults.max_figure_bytes),
                max_run_figure_bytes: checked_count(
                    "maxRunFigureBytes",
                    options.max_run_figure_bytes,
                )?
                .unwrap_or(defaults.max_run_figure_bytes),
                max_pixels: max_pixels.unwrap_or(defaults.max_pixels),
            },
            max_file_bytes: checked_count("maxFileBytes", options.max_file_bytes)?
                .unwrap_or(64 << 20),
            max_run_file_bytes: checked_count("maxRunFileBytes", options.max_run_file_bytes)?
                .unwrap_or(128 << 20),
            pypi: options.pypi.map(resolve_pypi).transpose()?,
            max_memory_bytes: checked("maxMemoryBytes", options.max_memory_bytes)?,
            recycle_memory_bytes: checked("recycleMemoryBytes", options.recycle_memory_bytes)?
                .unwrap_or(512.0 * 1048576.0),
        })
    }
}
