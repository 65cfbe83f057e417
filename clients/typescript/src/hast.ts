/**
 * A guide's AST in the unified ecosystem: `guideToHast(guide.body)` is mdast-util-to-hast's
 * `toHast(body, { allowDangerousHtml: true })`, typed for the API's nodes.
 *
 * No handler is needed: every node that is not plain mdast (the components, `editorTable`) carries
 * mdast's rendering hints (`data.hName`, `data.hProperties`, `data.hChildren`), and headings their
 * `id`, so that `toHtml(guideToHast(body), { allowDangerousHtml: true })` (hast-util-to-html) gives
 * the HTML of the service's `render_html` (the same DOM; the tests compare them on every guide).
 */
import type { Nodes as HastNodes } from "hast";
import type { Nodes as MdastNodes } from "mdast";
import { toHast } from "mdast-util-to-hast";

import type { components } from "./api.js";

type Node = components["schemas"]["Node"];

/**
 * Keep `allowDangerousHtml` on: without it, to-hast drops every `html` node (the sanitizer's
 * output, e.g. `<details>`), while `render_html` writes them.
 */
export const TO_HAST_OPTIONS = { allowDangerousHtml: true } as const;

/**
 * The hast tree of `node` (usually a guide's `body`). The API's nodes are mdast with more types
 * and `position: null` where mdast leaves it out; to-hast handles both, only the types differ.
 * `toHast` shares `data.hChildren` with the tree it is given: change the result, not the body.
 */
export function guideToHast(node: Node): HastNodes {
  return toHast(node as unknown as MdastNodes, TO_HAST_OPTIONS);
}
