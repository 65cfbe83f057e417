// <GuideBody> through react-dom/server, compared as DOM with the service's render_html. Run by
// tests/test_react.py, once for every case, with the compiled kit's folder as argument:
//
//   stdin:  {"cases": [[name, body, html], ...], "render_only": [name, ...],
//            "mapped": [[name, body, expected html, [component name, ...], keep html], ...]}
//   stdout: {"default": outcome, "mapped": outcome, "mutated": [name, ...], "warnings": {message: count}}
//           outcome = {"compared", "equal", "different": [{name, at, got, expected}], "thrown": [[name, stack]],
//                      "rendered_only", "rendered": custom components rendered, "html": {name: html kept}}
//
// "cases" render without components ("render_only" ones are not compared: they must not throw).
// "mapped" cases map the names given to `Custom`, which renders the node's fields as
// `<div data-component="custom:Name" data-props="{fields as JSON}">children</div>` (`span` when
// inline): the test builds the expected HTML with render_html the same way.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { jsx } from "react/jsx-runtime";
import { renderToStaticMarkup } from "react-dom/server";

import { dom, firstDifference, readInput } from "./dom.mjs";

const { GuideBody } = await import(pathToFileURL(join(process.argv[2], "react.js")).href);

const KNOWN = { quote: "Quote", external: "External", button: "Button", editorTable: "EditorTable" };
let rendered = 0;

function Custom({ children, node, ...fields }) {
  rendered++;
  const name = node.type === "component" ? node.name : KNOWN[node.type];
  const tag = fields.inline ? "span" : "div";
  return jsx(tag, { "data-component": `custom:${name}`, "data-props": JSON.stringify(fields), children });
}

const warnings = {};
console.error = (...args) => {
  const message = String(args[0]).slice(0, 120);
  warnings[message] = (warnings[message] || 0) + 1;
};

function render(body, components) {
  return renderToStaticMarkup(jsx("main", { children: jsx(GuideBody, { body, components }) }));
}

function outcome() {
  return { compared: 0, equal: 0, different: [], thrown: [], rendered_only: 0, rendered: 0, html: {} };
}

function compare(into, [name, body, html], { components, renderOnly, keep, mutated }) {
  into.compared++;
  const before = JSON.stringify(body);
  let got;
  rendered = 0;
  try {
    got = render(body, components);
  } catch (error) {
    into.thrown.push([name, String(error && error.stack)]);
    return;
  }
  into.rendered += rendered;
  if (JSON.stringify(body) !== before) mutated.push(name);
  if (keep) into.html[name] = got;
  if (renderOnly) {
    into.rendered_only++;
    return;
  }
  // React 19 hoists <link rel="preload"> (images) and <title>/<meta> out of <main>.
  const a = dom(got, { react: true, within: "main" });
  const b = dom(html, { react: true });
  if (a === b) into.equal++;
  else into.different.push({ name, ...firstDifference(a, b) });
}

const input = await readInput();
const renderOnly = new Set(input.render_only || []);
const result = { default: outcome(), mapped: outcome(), mutated: [], warnings };
for (const item of input.cases) {
  compare(result.default, item, { renderOnly: renderOnly.has(item[0]), mutated: result.mutated });
}
for (const [name, body, html, names, keep] of input.mapped || []) {
  const components = Object.fromEntries(names.map((component) => [component, Custom]));
  compare(result.mapped, [name, body, html], { components, keep, mutated: result.mutated });
}
process.stdout.write(JSON.stringify(result));
