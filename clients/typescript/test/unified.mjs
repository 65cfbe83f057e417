// The plain unified pipeline, as a frontend team writes it (no handler of ours), compared as DOM
// with the service's render_html. Run by tests/test_unified.py, once for every case:
//
//   stdin:  {"cases": [[name, body, html], ...], "strip": {variant: [node type, ...], ...},
//            "strip_cases": [name, ...] (the cases the variants render again; default: all)}
//   stdout: {"compared", "equal", "different": [{name, at, got, expected}], "thrown": [[name, message]],
//            "stripped": {variant: {"compared", "different": [name, ...]}}}
//
// A "strip" variant renders again, with the `data` (the hints) of the nodes of those types deleted,
// every case that has such a node: which of them then differ says the comparison sees the hints.

import { toHtml } from "hast-util-to-html";
import { toHast } from "mdast-util-to-hast";

import { dom, firstDifference, readInput } from "./dom.mjs";

const unified = (body) => toHtml(toHast(body, { allowDangerousHtml: true }), { allowDangerousHtml: true });

function hasType(node, types) {
  return types.includes(node.type) || (node.children || []).some((child) => hasType(child, types));
}

function strip(node, types) {
  if (types.includes(node.type)) delete node.data;
  for (const child of node.children || []) strip(child, types);
  return node;
}

const input = await readInput();
const result = { compared: 0, equal: 0, different: [], thrown: [], stripped: {} };
const expected = new Map();
for (const [name, body, html] of input.cases) {
  result.compared++;
  let got;
  try {
    got = dom(unified(body));
  } catch (error) {
    result.thrown.push([name, String(error && error.stack)]);
    continue;
  }
  const want = dom(html);
  expected.set(name, want);
  if (got === want) result.equal++;
  else result.different.push({ name, ...firstDifference(got, want) });
}
const stripCases = input.strip_cases ? new Set(input.strip_cases) : undefined;
for (const [variant, types] of Object.entries(input.strip || {})) {
  const outcome = { compared: 0, different: [] };
  for (const [name, body] of input.cases) {
    if (!expected.has(name) || (stripCases && !stripCases.has(name)) || !hasType(body, types)) continue;
    outcome.compared++;
    if (dom(unified(strip(structuredClone(body), types))) !== expected.get(name)) outcome.different.push(name);
  }
  result.stripped[variant] = outcome;
}
process.stdout.write(JSON.stringify(result));
