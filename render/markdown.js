// `text/markdown` as sanitised text markup: a small CommonMark subset
// (headings, paragraphs, emphasis, code, fenced code, block quotes, lists,
// rules, GFM tables, links) parsed to a plain tree, then built with
// createElement and text nodes. Inline HTML stays text. Links keep only
// http:, https: and mailto: URLs (opened in a new tab, no referrer); images
// are never loaded: their alt text is shown. Nesting and work are bounded.
// `parseMarkdown` is pure (runs in Node); `buildMarkdown` needs a document.

const MAX_QUOTE_DEPTH = 8;
const MAX_INLINE_DEPTH = 4;
const MAX_TABLE_ROWS = 1000;

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const BULLET = /^ {0,3}([-*+])[ \t]+(.*)$/;
const ORDERED = /^ {0,3}(\d{1,9})[.)][ \t]+(.*)$/;
const TABLE_SEP = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

const isBlank = (line) => !/\S/.test(line);
const startsBlock = (line) => FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || BULLET.test(line) || ORDERED.test(line);

function splitRow(line) {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}

/** Markdown to a tree of `{ type, ... }` blocks. */
export function parseMarkdown(text, depth = 0) {
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    let m;
    if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !(lines[i].trim().startsWith(fence[0].repeat(fence.length)) && /^[`~]+$/.test(lines[i].trim()))) body.push(lines[i++]);
      i++;
      blocks.push({ type: "code", text: body.join("\n") });
    } else if ((m = HEADING.exec(line))) {
      blocks.push({ type: "heading", level: m[1].length, children: parseInline(m[2] ?? "") });
      i++;
    } else if (RULE.test(line)) {
      blocks.push({ type: "rule" });
      i++;
    } else if (QUOTE.test(line) && depth < MAX_QUOTE_DEPTH) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(lines[i++].replace(QUOTE, ""));
      blocks.push({ type: "quote", children: parseMarkdown(body.join("\n"), depth + 1) });
    } else if (BULLET.test(line) || ORDERED.test(line)) {
      const ordered = !BULLET.test(line);
      const re = ordered ? ORDERED : BULLET;
      const start = ordered ? Number(ORDERED.exec(line)[1]) : 1;
      const items = [];
      while (i < lines.length && re.test(lines[i])) {
        let item = re.exec(lines[i++])[2];
        // Indented continuation lines belong to the item.
        while (i < lines.length && /^[ \t]{2,}\S/.test(lines[i]) && !re.test(lines[i])) item += `\n${lines[i++].trim()}`;
        items.push(parseInline(item));
      }
      blocks.push({ type: "list", ordered, start, items });
    } else if (line.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      const head = splitRow(line).map(parseInline);
      i += 2;
      const rows = [];
      let skipped = 0;
      while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|")) {
        if (rows.length < MAX_TABLE_ROWS) rows.push(splitRow(lines[i]).slice(0, head.length).map(parseInline));
        else skipped++;
        i++;
      }
      blocks.push({ type: "table", head, rows, skipped });
    } else {
      const para = [line];
      i++;
      while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i])) para.push(lines[i++]);
      blocks.push({ type: "paragraph", children: parseInline(para.join("\n")) });
    }
  }
  return blocks;
}

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** An absolute http(s)/mailto URL as the URL parser writes it, or null. */
export function safeHref(href) {
  try {
    const url = new URL(href.trim());
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Inline markup to `{ type: "text" | "code" | "strong" | "em" | "link" | "break" }`
 * nodes. Each search for a closing mark that fails is remembered, so text
 * made of unmatched marks is read in linear time.
 */
export function parseInline(text, depth = 0) {
  const out = [];
  let buf = "";
  const missing = new Set(); // closing marks known to be absent after this point
  const push = (node) => {
    if (buf) out.push({ type: "text", text: buf });
    buf = "";
    out.push(node);
  };
  const find = (mark, from) => {
    if (missing.has(mark)) return -1;
    const at = text.indexOf(mark, from);
    if (at < 0) missing.add(mark);
    return at;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length && /[\\`*_{}[\]()#+\-.!|>~<]/.test(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "\\" && text[i + 1] === "\n") {
      push({ type: "break" });
      i += 2;
      continue;
    }
    if (c === "`") {
      let n = 1;
      while (text[i + n] === "`") n++;
      const mark = "`".repeat(n);
      const end = find(mark, i + n);
      if (end >= 0) {
        push({ type: "code", text: text.slice(i + n, end).replace(/\n/g, " ") });
        i = end + n;
        continue;
      }
      buf += mark;
      i += n;
      continue;
    }
    if ((c === "*" || c === "_") && depth < MAX_INLINE_DEPTH) {
      const strong = text[i + 1] === c;
      const mark = strong ? c + c : c;
      const end = text[i + mark.length] && !/\s/.test(text[i + mark.length]) ? find(mark, i + mark.length + 1) : -1;
      if (end >= 0 && !/\s/.test(text[end - 1])) {
        push({ type: strong ? "strong" : "em", children: parseInline(text.slice(i + mark.length, end), depth + 1) });
        i = end + mark.length;
        continue;
      }
      buf += mark;
      i += mark.length;
      continue;
    }
    if (c === "[" || (c === "!" && text[i + 1] === "[")) {
      const image = c === "!";
      const open = image ? i + 1 : i;
      const mid = find("](", open + 1);
      const close = mid >= 0 ? find(")", mid + 2) : -1;
      if (mid >= 0 && close >= 0 && !text.slice(open + 1, mid).includes("]")) {
        const label = text.slice(open + 1, mid);
        const target = text.slice(mid + 2, close).trim().split(/\s+/)[0] ?? "";
        if (image) push({ type: "text", text: label ? `[image: ${label}]` : "[image]" });
        else {
          const href = safeHref(target);
          const children = parseInline(label, depth + 1);
          if (href) push({ type: "link", href, children });
          else {
            if (buf) out.push({ type: "text", text: buf });
            buf = "";
            out.push(...children);
          }
        }
        i = close + 1;
        continue;
      }
    }
    if (c === "\n") {
      if (buf.endsWith("  ")) {
        buf = buf.trimEnd();
        push({ type: "break" });
      } else buf += " ";
      i++;
      continue;
    }
    buf += c;
    i++;
  }
  if (buf) out.push({ type: "text", text: buf });
  return out;
}

function inlineTo(doc, nodes, parent) {
  for (const n of nodes) {
    if (n.type === "text") parent.append(doc.createTextNode(n.text));
    else if (n.type === "break") parent.append(doc.createElement("br"));
    else if (n.type === "code") {
      const code = doc.createElement("code");
      code.textContent = n.text;
      parent.append(code);
    } else if (n.type === "strong" || n.type === "em") {
      const node = doc.createElement(n.type);
      inlineTo(doc, n.children, node);
      parent.append(node);
    } else if (n.type === "link") {
      const a = doc.createElement("a");
      a.href = n.href;
      a.rel = "noopener noreferrer nofollow ugc";
      a.target = "_blank";
      a.referrerPolicy = "no-referrer";
      a.title = n.href;
      inlineTo(doc, n.children, a);
      parent.append(a);
    }
  }
}

/** The blocks of `parseMarkdown` as elements, appended to `parent`. */
export function buildMarkdown(doc, blocks, parent) {
  for (const b of blocks) {
    let node;
    if (b.type === "heading") inlineTo(doc, b.children, (node = doc.createElement(`h${b.level}`)));
    else if (b.type === "paragraph") inlineTo(doc, b.children, (node = doc.createElement("p")));
    else if (b.type === "rule") node = doc.createElement("hr");
    else if (b.type === "code") {
      node = doc.createElement("pre");
      const code = doc.createElement("code");
      code.textContent = b.text;
      node.append(code);
    } else if (b.type === "quote") buildMarkdown(doc, b.children, (node = doc.createElement("blockquote")));
    else if (b.type === "list") {
      node = doc.createElement(b.ordered ? "ol" : "ul");
      if (b.ordered && b.start !== 1) node.setAttribute("start", String(b.start));
      for (const item of b.items) {
        const li = doc.createElement("li");
        inlineTo(doc, item, li);
        node.append(li);
      }
    } else if (b.type === "table") {
      node = doc.createElement("div");
      node.className = "pycage-table-wrap";
      const table = doc.createElement("table");
      table.className = "pycage-table";
      const thead = doc.createElement("thead");
      const tr = doc.createElement("tr");
      for (const cell of b.head) {
        const th = doc.createElement("th");
        inlineTo(doc, cell, th);
        tr.append(th);
      }
      thead.append(tr);
      const tbody = doc.createElement("tbody");
      for (const row of b.rows) {
        const r = doc.createElement("tr");
        for (const cell of row) {
          const td = doc.createElement("td");
          inlineTo(doc, cell, td);
          r.append(td);
        }
        tbody.append(r);
      }
      table.append(thead, tbody);
      node.append(table);
      if (b.skipped) node.append(doc.createTextNode(`(${b.skipped} more rows not shown)`));
    }
    if (node) parent.append(node);
  }
}
