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
    pypi.check_ranges()?;
    let declared = &pypi::DECLARED;
    let index = pypi
        .index_url
        .as_deref()
        .unwrap_or(crate::policy::pypi::DEFAULT_INDEX_URL);
    Ok(PypiConfig {
        index_url: folder_url(&declared.index_url.field(), index)?,
        allowlist: crate::policy::pypi::Allowlist::new(&pypi.allowed)
            .map_err(|why| Error::options(&declared.allowed.field(), why))?,
    })
}

/// Milliseconds, as the supervisor's deadlines count.
fn millis(duration: std::time::Duration) -> f64 {
    declared::Quantity::to_units(duration)
}

impl SandboxConfig {
    pub(crate) fn resolve(options: SandboxOptions) -> Result<Self, Error> {
        options.check_ranges()?;
        let declared = &sandbox::DECLARED;
        let caps = figure_caps(&options)?;
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
        let runner_url = resolve_runner_url(options.runner_url, isolation)?;
        let packages = resolve_packages(options.packages)?;
        // A snapshot holds Python's memory but not the files packages
        // installed, so it is only safe (and the default) without packages.
        if options.snapshot == Some(true) && !packages.is_empty() {
            return Err(Error::options(
                "snapshot",
                "cannot be combined with packages (a snapshot does not hold their files)",
            ));
        }
        Ok(SandboxConfig {
            snapshot: options.snapshot.unwrap_or(packages.is_empty()),
            pyodide_url,
            pyodide_hashes,
            package_base_url,
            timeout_ms: millis(declared.timeout.or_default(options.timeout)?),
            max_output_bytes: size(
                declared
                    .max_output_bytes
                    .or_default(options.max_output_bytes)?,
            ),
            isolation,
            runner_url,
            packages,
            auto_load: declared
                .auto_load_packages
                .or_default(options.auto_load_packages)?,
            allowed_packages: options.allowed_packages,
            on_log: options.on_log,
            on_progress: options.on_progress,
            standby: declared.standby.or_default(options.standby)?,
            boot_timeout_ms: millis(declared.boot_timeout.or_default(options.boot_timeout)?),
            caps,
            max_file_bytes: size(declared.max_file_bytes.or_default(options.max_file_bytes)?),
            max_run_file_bytes: size(
                declared
                    .max_run_file_bytes
                    .or_default(options.max_run_file_bytes)?,
            ),
            pypi: options.pypi.map(resolve_pypi).transpose()?,
            max_memory_bytes: options.max_memory_bytes.map(|bytes| bytes as f64),
            recycle_memory_bytes: declared
                .recycle_memory_bytes
                .or_default(options.recycle_memory_bytes)? as f64,
            keep_session_on_eviction: declared
                .keep_session_on_eviction
                .or_default(options.keep_session_on_eviction)?,
            max_session_bytes: size(
                declared
                    .max_session_bytes
                    .or_default(options.max_session_bytes)?,
            ),
        })
    }
}

/// The figures' caps.
fn figure_caps(options: &SandboxOptions) -> Result<FigureCaps, Error> {
    let declared = &sandbox::DECLARED;
    Ok(FigureCaps {
        max_figures: declared.max_figures.or_default(options.max_figures)?,
        max_figure_bytes: size(
            declared
                .max_figure_bytes
                .or_default(options.max_figure_bytes)?,
        ),
        max_run_figure_bytes: size(
            declared
                .max_run_figure_bytes
                .or_default(options.max_run_figure_bytes)?,
        ),
        max_pixels: declared
            .max_image_pixels
            .or_default(options.max_image_pixels)?,
    })
}

/// `runnerUrl`: an http(s) URL, with iframe isolation only.
fn resolve_runner_url(url: Option<String>, isolation: Isolation) -> Result<Option<String>, Error> {
    match url {
        None => Ok(None),
        Some(_) if isolation == Isolation::Worker => Err(Error::options(
            "runnerUrl",
            "needs isolation \"iframe\" (the runner page hosts the sandbox frame)",
        )),
        Some(url) => http_url(&url).map(Some).ok_or_else(|| {
            Error::options("runnerUrl", format!("expected an http(s) URL, got {url:?}"))
        }),
    }
}

impl RunConfig {
    pub(crate) fn resolve(options: RunOptions) -> Result<Self, Error> {
        options.check_ranges()?;
        Ok(RunConfig {
            timeout_ms: options.timeout.map(millis),
            signal: options.signal,
            on_stdout: options.on_stdout,
            on_stderr: options.on_stderr,
            figure_svg: options.figure_format == FigureFormat::Svg,
            figure_dpi: options.figure_dpi,
            on_input: options.on_input,
        })
    }
}
