/**
 * `node dist/cli.js [--heading-ids] < guide.json`: the HTML of a guide (a `/guides/{slug}` answer)
 * or of a bare AST node read on standard input. Used by the test suite to compare with the
 * service's own rendering.
 */
import { readFileSync } from "node:fs";

import type { Guide, Node } from "./index.js";
import { renderHtml } from "./render.js";

const input = JSON.parse(readFileSync(0, "utf8")) as Guide | Node;
const node: Node = "body" in input && !("type" in input) ? input.body : (input as Node);
process.stdout.write(renderHtml(node, { headingIds: process.argv.includes("--heading-ids") }));
