// Compare two HTML strings as the DOM a browser builds from them (hast-util-from-html: parse5).
// Not shipped (package.json "files"); used by the test suite (tests/test_unified.py, tests/test_react.py).
//
// What the comparison leaves aside, and why:
// * attribute order, `<br>` vs `<br />`, character references: gone once parsed;
// * line-ending whitespace: render_html ends every block with "\n" (commonmark.js), to-hast puts
//   "\n" between blocks only and none inside an element it makes for an unknown node. Outside
//   <pre>, a whitespace-only text with a line ending is dropped when it is the first or last child
//   of a block, or next to a block element; in other text, spaces around a line ending collapse
//   to one "\n" (to-hast trims them, as `trimLines` does). A lone " " is kept: it shows.
// * the whitespace at the end of the document (to-hast writes no final "\n"), even inside an
//   element raw HTML left open;
// * with `{react: true}`: comments are dropped and the texts they separated merged (React has no
//   element for a comment: hast-util-to-jsx-runtime drops them), an empty `style` attribute
//   (hast-util-to-jsx-runtime makes `style` an object: an empty one writes nothing) and an empty
//   `src` (React 19 does not write it: the browser would fetch the page itself).
import { fromHtml } from "hast-util-from-html";

const BLOCK = new Set(
  ("address article aside blockquote body caption col colgroup dd details dialog div dl dt fieldset " +
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main nav ol p pre section " +
    "summary table tbody td tfoot th thead tr ul").split(" "),
);
const isBlock = (node) => node !== undefined && node.type === "element" && BLOCK.has(node.tagName);
const lineEndingSpace = (node) => node.type === "text" && /^[ \t\n\r\f]*$/.test(node.value) && node.value.includes("\n");

function mergeTexts(children) {
  const out = [];
  for (const child of children) {
    const last = out[out.length - 1];
    if (last && last.type === "text" && child.type === "text") out[out.length - 1] = { type: "text", value: last.value + child.value };
    else out.push(child);
  }
  return out;
}

function dropLineEndings(parent) {
  const blockParent = parent.type === "root" || isBlock(parent);
  const all = parent.children;
  return all.filter((child, i) => {
    if (!lineEndingSpace(child)) return true;
    const edge = (i === 0 || i === all.length - 1) && blockParent;
    return !(edge || isBlock(all[i - 1]) || isBlock(all[i + 1]));
  });
}

function normalize(node, { react, inPre }) {
  delete node.position;
  if (node.type === "root") delete node.data; // quirksMode: a fragment has none of its own
  if (react && node.properties) {
    if (node.properties.style === "") delete node.properties.style;
    if (node.properties.src === "") delete node.properties.src;
  }
  if (node.properties) {
    node.properties = Object.fromEntries(Object.entries(node.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  if (!node.children) return node;
  if (react) node.children = mergeTexts(node.children.filter((child) => child.type !== "comment"));
  const pre = inPre || node.tagName === "pre";
  if (!pre) {
    node.children = dropLineEndings(node);
    for (const child of node.children) {
      if (child.type === "text") child.value = child.value.replace(/[ \t\r\f]*\n[ \t\n\r\f]*/g, "\n");
    }
  }
  for (const child of node.children) normalize(child, { react, inPre: pre });
  if (node.content) normalize(node.content, { react, inPre: pre }); // <template>
  return node;
}

/**
 * The normalized DOM of `html` (a fragment), as JSON. `within`: only what is between the first
 * `<within>` and the last `</within>` (React 19 hoists `<link rel="preload">` for images, and
 * `<title>`/`<meta>`, before the element it renders).
 */
export function dom(html, { react = false, within = undefined } = {}) {
  if (within !== undefined) {
    const start = html.indexOf(`<${within}>`);
    const end = html.lastIndexOf(`</${within}>`);
    html = start < 0 || end < start ? "" : html.slice(start + within.length + 2, end);
  }
  const tree = fromHtml(html.trimEnd(), { fragment: true });
  return JSON.stringify(normalize(tree, { react, inPre: false }));
}

/** Where two `dom()` results first differ, with some context, to read in a failure. */
export function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return { at: i, got: a.slice(Math.max(0, i - 80), i + 120), expected: b.slice(Math.max(0, i - 80), i + 120) };
}

/** Standard input, as JSON (read as a stream: a big input in a pipe fails readFileSync(0)). */
export async function readInput() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
