// Files the run wrote: download links only. The bytes go into a Blob typed
// application/octet-stream, so the browser saves the file whatever its name
// says (an .html or .svg is never opened as a page of this origin); the
// name offered is the path's last part, cleaned.

/** A file name safe to offer as `download`: no path, no control or reserved characters. */
export function downloadName(path) {
  const base = String(path).split(/[/\\]/).pop() ?? "";
  const clean = base
    // eslint-disable-next-line no-control-regex -- control characters are what this strips
    .replace(/[\x00-\x1f\x7f-\x9f]/g, "")
    .replace(/[<>:"|?*\u202a-\u202e\u2066-\u2069]/g, "_")
    .replace(/^[.\s]+|[.\s]+$/g, "")
    .slice(0, 120);
  return clean || "download";
}

/** The path shown: relative to /mnt/data when under it. */
export const shownPath = (path) => String(path).replace(/^\/mnt\/data\//, "");
