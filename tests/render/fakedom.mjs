// A stand-in for the few DOM properties table.js and markdown.js use, so
// their logic runs under `node --test` without a browser.
const XHTML = "http://www.w3.org/1999/xhtml";

export function text(data) {
  return { nodeType: 3, data, childNodes: [] };
}

/** A source element: `h("td", { colspan: "2" }, "x", h(...))`. */
export function h(name, attrs = {}, ...children) {
  const ns = attrs.__ns ?? XHTML;
  return {
    nodeType: 1,
    localName: name,
    namespaceURI: ns,
    childNodes: children.map((c) => (typeof c === "string" ? text(c) : c)),
    getAttribute: (a) => (a in attrs ? attrs[a] : null),
  };
}

/** A target document: records what was built. */
export const doc = {
  createElement(name) {
    const node = {
      nodeType: 1,
      localName: name,
      attributes: {},
      children: [],
      className: "",
      setAttribute(a, v) {
        this.attributes[a] = v;
      },
      append(...kids) {
        this.children.push(...kids);
      },
      get textContent() {
        return this.children.map((c) => (c.nodeType === 3 ? c.data : c.textContent)).join("");
      },
      set textContent(v) {
        this.children = [{ nodeType: 3, data: v }];
      },
    };
    return node;
  },
  createTextNode: (data) => ({ nodeType: 3, data }),
};

/** Every element built, depth first. */
export function all(node, out = []) {
  if (node.nodeType !== 1) return out;
  out.push(node);
  for (const c of node.children) all(c, out);
  return out;
}
