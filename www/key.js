// The API key, bound to the endpoint it was entered for (endpointOf() in
// llm.js). A link can open this tab at any endpoint (?llm=), so a key kept
// from before must never follow it there: when the base URL names another
// endpoint than the key's, the key field is emptied and a note says why;
// when it names the key's endpoint again, the key comes back. One key is
// kept, in this tab's sessionStorage, as { endpoint, key }.
import { endpointOf } from "./llm.js";

const STORE = "pycage-demo:credential";
// Where the previous version kept the bare key, bound to no endpoint.
const OLD_STORE = "pycage-demo:key";

// `base` and `key` are the inputs, `note` where the page says why the key
// field is empty. Returns credential(): the { endpoint, key } to send with.
export function setupKey({ base, key, note }) {
  sessionStorage.removeItem(OLD_STORE);
  let saved = load(); // the kept credential, or null
  // The endpoint the key field's text was entered for; null while it is
  // empty, or holds a key typed before the base URL was a URL.
  let bound = null;

  function follow() {
    if (key.value && !bound) return; // a key typed before the base URL: see credential()
    const endpoint = endpointOf(base.value);
    if (saved?.endpoint === endpoint) {
      key.value = saved.key;
      bound = saved.endpoint;
      note.textContent = "";
    } else if (saved) {
      key.value = "";
      bound = null;
      note.textContent = `The key you entered was for ${saved.endpoint}; enter a key for ${endpoint ?? "this endpoint"}. A key is sent only to the endpoint it was entered for.`;
    }
  }

  function keep(credential) {
    saved = credential;
    bound = credential?.endpoint ?? null;
    if (credential) sessionStorage.setItem(STORE, JSON.stringify(credential));
    else sessionStorage.removeItem(STORE);
  }

  key.addEventListener("input", () => {
    const typed = key.value.trim();
    const endpoint = endpointOf(base.value);
    note.textContent = "";
    if (!typed) keep(null);
    else if (endpoint) keep({ endpoint, key: typed });
    else bound = null; // bound when first sent: see credential()
  });
  base.addEventListener("input", follow);
  key.value = "";
  follow();

  return function credential() {
    const typed = key.value.trim();
    const endpoint = endpointOf(base.value);
    if (!typed || !endpoint) return null;
    // A key typed before the base URL goes to the endpoint the person
    // sends it to, with both in view; it was never stored, so no link can
    // have set that endpoint.
    if (!bound) keep({ endpoint, key: typed });
    return bound === endpoint ? { endpoint, key: typed } : null;
  };
}

// The kept credential, if it is one; anything else (bad JSON, another
// shape, an endpoint not in canonical form) is dropped, never sent.
function load() {
  try {
    const { endpoint, key } = JSON.parse(sessionStorage.getItem(STORE));
    if (typeof key === "string" && key && typeof endpoint === "string" && endpointOf(endpoint) === endpoint) return { endpoint, key };
  } catch { /* not JSON, or null: dropped below */ }
  sessionStorage.removeItem(STORE);
  return null;
}
