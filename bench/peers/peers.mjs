// Time the peers on the same Markdown bodies: node peers.mjs BODIES.json
// markdown-to-jsx 7.2.1 (the site's renderer: compiler() makes the React elements) and
// remark-parse + remark-gfm (the unified stack behind Nuxt Content: the mdast of each body).
// Prints JSON: for each peer, the first pass (cold JIT) and the best of the next passes, in seconds.
import { readFileSync } from "node:fs";
import { compiler } from "markdown-to-jsx";
import { unified } from "unified";
import remarkParse from "remark-parse";
import remarkGfm from "remark-gfm";

const bodies = JSON.parse(readFileSync(process.argv[2], "utf8"));
const passes = Number(process.argv[3] || 3);

function time(fn) {
  const start = process.hrtime.bigint();
  for (const body of bodies) fn(body);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const processor = unified().use(remarkParse).use(remarkGfm);
const peers = {
  "markdown-to-jsx": (body) => compiler(body),
  "remark-parse+remark-gfm": (body) => processor.runSync(processor.parse(body)),
};
const results = {};
for (const [name, fn] of Object.entries(peers)) {
  const first = time(fn);
  let best = Infinity;
  for (let i = 0; i < passes; i++) best = Math.min(best, time(fn));
  results[name] = { first, best };
}
console.log(JSON.stringify({ bodies: bodies.length, node: process.version, results }));
