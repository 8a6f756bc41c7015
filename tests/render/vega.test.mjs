// vegaUrls: how the option is checked, what the frame that draws a spec
// holds, and that the frames' CSP names the three scripts and nothing more.
import assert from "node:assert/strict";
import { test } from "node:test";
import { frameCsp, usesVegaEmbed, vegaBody } from "../../render/frame.js";
import { DEFAULT_OPTIONS, frameScripts, resolveOptions, vegaScripts } from "../../render/options.js";

const urls = { vega: "https://app.example/v/vega.min.js", vegaLite: "https://app.example/v/vega-lite.min.js", vegaEmbed: "https://app.example/v/vega-embed.min.js" };

test("vegaUrls: null by default, three checked URLs when set", () => {
  assert.equal(DEFAULT_OPTIONS.vegaUrls, null);
  assert.equal(resolveOptions().vegaUrls, null);
  assert.equal(resolveOptions({ vegaUrls: null }).vegaUrls, null);
  const o = resolveOptions({ vegaUrls: urls });
  assert.deepEqual(o.vegaUrls, urls);
  assert.ok(Object.isFrozen(o.vegaUrls), "the app cannot change them after the check");
  assert.deepEqual(vegaScripts(o), [urls.vega, urls.vegaLite, urls.vegaEmbed], "in load order: vega-lite and vega-embed need vega");
  assert.deepEqual(vegaScripts(resolveOptions()), []);
});

test("vegaUrls: a TypeError naming the field, as for scriptUrls", () => {
  const bad = {
    vegaUrls: ["https://app.example/v.js", "a string", [urls.vega, urls.vegaLite, urls.vegaEmbed], 5],
    "vegaUrls.vega": [{ ...urls, vega: undefined }, { ...urls, vega: "javascript:alert(1)" }, { ...urls, vega: "/relative/vega.js" }],
    "vegaUrls.vegaLite": [{ ...urls, vegaLite: `${urls.vegaLite}; script-src *` }, { ...urls, vegaLite: "https://app.example/v'l.js" }, { ...urls, vegaLite: "data:text/javascript,alert(1)" }],
    "vegaUrls.vegaEmbed": [{ ...urls, vegaEmbed: `${urls.vegaEmbed}?v=7` }, { ...urls, vegaEmbed: "https://user:pw@app.example/e.js" }, { vega: urls.vega, vegaLite: urls.vegaLite }],
    "vegaUrls.tooltip": [{ ...urls, tooltip: "https://app.example/t.js" }],
  };
  for (const [field, values] of Object.entries(bad)) {
    for (const vegaUrls of values) {
      assert.throws(() => resolveOptions({ vegaUrls }), (e) => e instanceof TypeError && e.field === field, `${field}: ${JSON.stringify(vegaUrls)}`);
    }
  }
});

test("the frames' CSP allows the three vega scripts beside the others, and still no network", () => {
  const o = resolveOptions({ vegaUrls: urls, plotlyUrl: "https://app.example/plotly.min.js", scriptUrls: ["https://app.example/x.js"] });
  const csp = frameCsp(frameScripts(o));
  const d = Object.fromEntries(csp.split("; ").map((p) => [p.split(" ")[0], p.split(" ").slice(1)]));
  assert.deepEqual(d["script-src"], ["https://app.example/x.js", "https://app.example/plotly.min.js", urls.vega, urls.vegaLite, urls.vegaEmbed, "'unsafe-inline'", "'unsafe-eval'"]);
  for (const k of ["default-src", "connect-src", "frame-src", "worker-src", "form-action"]) assert.deepEqual(d[k], ["'none'"], k);
  assert.deepEqual(d["img-src"], ["data:", "blob:"], "a spec's image marks load no URL");
});

test("the frame body: the spec as inert JSON, drawn by vegaEmbed in the mime's mode", () => {
  const spec = { title: "</script><script>top.x=1</script><!--", data: { url: "https://evil.example/d.csv" }, mark: "bar" };
  const body = vegaBody(spec, "vega-lite");
  assert.equal(body.match(/<\/script/gi).length, 2, "only the renderer's two scripts end");
  assert.equal(body.match(/<script/gi).length, 2);
  const json = body.match(/<script type="application\/json" id="pycage-spec">(.*?)<\/script>/)[1];
  assert.deepEqual(JSON.parse(json), spec);
  assert.match(body, /vegaEmbed\("#pycage-vega",s,\{mode:"vega-lite",renderer:"svg",actions:false\}\)/);
  assert.match(vegaBody({}, "vega"), /mode:"vega"/);
  assert.match(body, /The chart could not be drawn: /, "a failure is said in the frame, as text");
});

test("Altair's HTML is recognised by its vegaEmbed call", () => {
  assert.ok(usesVegaEmbed('vegaEmbed("#vis", spec, embedOpt)\n  .catch(error => showError(el, error));'));
  assert.ok(!usesVegaEmbed("<p>made with vegaEmbed</p>"));
});
