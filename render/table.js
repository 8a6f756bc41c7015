// A DataFrame's `text/html` (or any HTML made only of table markup) rebuilt
// as a real table in the page. The HTML is parsed by DOMParser into an inert
// document (no script runs, nothing loads), checked against an allowlist, and
// rebuilt element by element with createElement: table tags, a few inline
// tags, `colspan`/`rowspan`/`span` as bounded integers and `scope` from a
// fixed set; text through text nodes; no other attribute (no id, class,
// style, URL or handler). The work is bounded: the HTML read, the rows, the
// cells and the characters per cell; what was cut is counted.
//
// `isTableOnly` and `rebuildTable` use only a few DOM properties (nodeType,
// localName, namespaceURI, childNodes, getAttribute, data; createElement,
// createTextNode, setAttribute, append), so they run on a stand-in in Node.

const XHTML = "http://www.w3.org/1999/xhtml";
const TABLE = new Set(["table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"]);
const INLINE = new Set(["b", "strong", "i", "em", "code", "span", "br", "sub", "sup", "small"]);
const WRAPPERS = new Set(["div", "p"]);
// Dropped with their content (pandas puts a scoped <style> before its table).
const DROPPED = new Set(["style", "title"]);
// Where whitespace text is not content.
const STRUCTURE = new Set(["table", "colgroup", "thead", "tbody", "tfoot", "tr"]);
const SCOPES = new Set(["row", "col", "rowgroup", "colgroup"]);
const SPAN_MAX = { colspan: 1000, rowspan: 65534, span: 1000 };

export const MAX_TABLE_DEPTH = 32;

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

/**
 * How deeply the tags of `html` nest, counted from the text (opening tags
 * minus closing ones), stopping once over `limit`. Run before parsing: the
 * HTML parser takes seconds over 10,000 nested elements, and markup that deep
 * is not a table to rebuild anyway (it goes to a frame).
 */
export function tagDepth(html, limit = Infinity) {
  const tags = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(\/?)>/g;
  let depth = 0;
  let max = 0;
  let m;
  while ((m = tags.exec(html))) {
    if (m[1]) depth = Math.max(0, depth - 1);
    else if (!m[3] && !VOID.has(m[2].toLowerCase())) {
      depth++;
      if (depth > max && (max = depth) > limit) return max;
    }
  }
  return max;
}

/** Cheap test before parsing: could this HTML be a table at all? */
export const mentionsTable = (html) => /<table[\s>/]/i.test(html);

/**
 * True when the tree under `root` (its children) holds at least one
 * `<table>` and nothing but allowlisted elements, text and comments, no
 * deeper than `maxDepth`.
 */
export function isTableOnly(root, maxDepth = MAX_TABLE_DEPTH) {
  let tables = 0;
  const stack = [...Array.from(root.childNodes, (n) => [n, 1])];
  while (stack.length) {
    const [node, depth] = stack.pop();
    if (node.nodeType === 3 || node.nodeType === 8) continue;
    if (node.nodeType !== 1 || node.namespaceURI !== XHTML || depth > maxDepth) return false;
    const name = node.localName;
    if (DROPPED.has(name)) continue;
    if (!TABLE.has(name) && !INLINE.has(name) && !WRAPPERS.has(name)) return false;
    if (name === "table") tables++;
    for (const child of node.childNodes) stack.push([child, depth + 1]);
  }
  return tables > 0;
}

/** `colspan`, `rowspan`, `span`: a plain decimal integer, clamped; else null. */
export function spanValue(name, value) {
  if (typeof value !== "string" || !/^\s*\d{1,6}\s*$/.test(value)) return null;
  const n = Number(value);
  const min = name === "rowspan" ? 0 : 1;
  return Math.min(Math.max(n, min), SPAN_MAX[name]);
}

/** Which attributes an element keeps: name -> clean value. */
export function allowedAttributes(name, getAttribute) {
  const out = [];
  const spans = name === "th" || name === "td" ? ["colspan", "rowspan"] : name === "col" || name === "colgroup" ? ["span"] : [];
  for (const attr of spans) {
    const v = spanValue(attr, getAttribute(attr));
    if (v !== null) out.push([attr, String(v)]);
  }
  if (name === "th") {
    const scope = String(getAttribute("scope") ?? "").toLowerCase();
    if (SCOPES.has(scope)) out.push(["scope", scope]);
  }
  return out;
}

/**
 * Rebuilds the children of `root` (already checked by `isTableOnly`) with
 * `doc`'s createElement. Returns `{ node, rows, cells, skippedRows,
 * skippedCells, clippedCells }`; `node` is a `<div>`.
 */
export function rebuildTable(root, doc, { maxRows = 100, maxCells = 3000, maxCellChars = 1000 } = {}) {
  const out = doc.createElement("div");
  out.className = "pycage-html-table";
  const stats = { node: out, rows: 0, cells: 0, skippedRows: 0, skippedCells: 0, clippedCells: 0 };
  // [source node, target parent, parent's tag, inside a table, chars left in this cell]
  const stack = [];
  const pushChildren = (src, target, parentName, inTable, cell) => {
    const kids = src.childNodes;
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], target, parentName, inTable, cell]);
  };
  pushChildren(root, out, "div", false, null);
  while (stack.length) {
    const [node, target, parentName, inTable, cell] = stack.pop();
    if (node.nodeType === 3) {
      let text = node.data;
      if (STRUCTURE.has(parentName) && !/\S/.test(text)) continue;
      if (cell) {
        if (cell.left <= 0) continue;
        if (text.length > cell.left) {
          text = `${text.slice(0, cell.left)}…`;
          stats.clippedCells++;
        }
        cell.left -= text.length;
      } else if (text.length > maxCellChars) text = `${text.slice(0, maxCellChars)}…`;
      target.append(doc.createTextNode(text));
      continue;
    }
    if (node.nodeType !== 1 || node.namespaceURI !== XHTML) continue;
    const name = node.localName;
    if (DROPPED.has(name) || !(TABLE.has(name) || INLINE.has(name) || WRAPPERS.has(name))) continue;
    if (name === "tr") {
      if (stats.rows >= maxRows) {
        stats.skippedRows++;
        continue;
      }
      stats.rows++;
    }
    let nextCell = cell;
    if (name === "th" || name === "td") {
      if (stats.cells >= maxCells) {
        stats.skippedCells++;
        continue;
      }
      stats.cells++;
      nextCell = { left: maxCellChars };
    }
    const made = doc.createElement(name);
    for (const [attr, value] of allowedAttributes(name, (a) => node.getAttribute(a))) made.setAttribute(attr, value);
    let parent = target;
    if (name === "table") {
      made.className = "pycage-table";
      if (!inTable) {
        parent = doc.createElement("div");
        parent.className = "pycage-table-wrap";
        parent.setAttribute("tabindex", "0");
        parent.setAttribute("role", "region");
        parent.setAttribute("aria-label", "Table");
        target.append(parent);
      }
    }
    parent.append(made);
    pushChildren(node, made, name, inTable || name === "table", nextCell);
  }
  return stats;
}

/**
 * Where to cut `html` so that it holds at most `maxRows` rows and `maxChars`
 * characters (after a `</tr>`), and a count of the rows left out: exact when
 * the rest is short enough to count (`countChars`), else a lower bound.
 */
export function cutTableHtml(html, maxRows, maxChars, countChars = 5_000_000) {
  let at = -1;
  let rows = 0;
  while (rows < maxRows) {
    const next = html.indexOf("</tr>", at + 1);
    if (next < 0 || next + 5 > maxChars) break;
    at = next;
    rows++;
  }
  const limit = Math.min(html.length, maxChars);
  let end = rows >= maxRows || limit < html.length ? (at >= 0 ? at + 5 : limit) : html.length;
  if (end >= html.length) return { source: html, cutChars: 0, moreRows: 0, moreRowsExact: true };
  let moreRows = 0;
  const stop = Math.min(html.length, end + countChars);
  for (let i = html.indexOf("</tr>", end); i >= 0 && i < stop; i = html.indexOf("</tr>", i + 5)) moreRows++;
  return { source: html.slice(0, end), cutChars: html.length - end, moreRows, moreRowsExact: stop === html.length };
}

/**
 * The table for `html`, or null when the HTML is not only table markup.
 * Parses at most `maxTableRows` rows and `maxTableHtmlChars` characters of it
 * (cut after a `</tr>`), so the work is bounded however large the table.
 * Returns `{ node, rows, cells, skippedRows, skippedCells, clippedCells,
 * cutChars, moreRows, moreRowsExact }`.
 */
export function tableFromHtml(html, doc, { maxTableHtmlChars = 500_000, maxTableRows = 100, maxTableCells = 3000, maxCellChars = 1000 } = {}) {
  if (!mentionsTable(html.slice(0, maxTableHtmlChars))) return null;
  const { source, cutChars, moreRows, moreRowsExact } = cutTableHtml(html, maxTableRows, maxTableHtmlChars);
  if (tagDepth(source, MAX_TABLE_DEPTH) > MAX_TABLE_DEPTH) return null;
  const Parser = doc.defaultView?.DOMParser ?? globalThis.DOMParser;
  const parsed = new Parser().parseFromString(source, "text/html");
  // What the parser moved to <head> (a leading <style>, <meta>, <link>, <base>):
  // only <style> and <title> may be there, and they are dropped.
  for (const child of parsed.head.childNodes) {
    if (child.nodeType === 1 && !DROPPED.has(child.localName)) return null;
  }
  if (!isTableOnly(parsed.body)) return null;
  const stats = rebuildTable(parsed.body, doc, { maxRows: maxTableRows, maxCells: maxTableCells, maxCellChars });
  return { ...stats, cutChars, moreRows, moreRowsExact };
}
