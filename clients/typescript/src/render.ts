/**
 * An example renderer: a guide's AST (as /guides/{slug} returns it) to an HTML string.
 *
 * It writes what the service's own `render_html` writes (tests/test_typescript.py compares them on
 * real guides): standard nodes as the CommonMark spec does, components as semantic HTML. Copy it
 * and change what you need; the `switch` over `node.type` is exhaustive, so a node type added to
 * the API fails to compile until it is handled here.
 */
import * as mdurl from "mdurl";

import type { components } from "./api.js";

type Schemas = components["schemas"];
export type Node = Schemas["Node"];
export type NodeType = Node["type"];
type Parent = Extract<Node, { children: unknown }>;
type Align = Schemas["Table"]["align"][number];

export interface RenderOptions {
  /** Add the site's anchors (`id`) to headings, for a table of contents. */
  headingIds?: boolean;
}

/** Escape for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const RECODE_HOSTNAME_FOR = ["http:", "https:", "mailto:"];

/** A URL as CommonMark renderers write it in `href`/`src`: percent-encoded, IDN hosts in punycode. */
export function normalizeLink(url: string): string {
  const parsed = mdurl.parse(url, true);
  if (parsed.hostname && (!parsed.protocol || RECODE_HOSTNAME_FOR.includes(parsed.protocol))) {
    try {
      parsed.hostname = new URL(`http://${parsed.hostname}`).hostname;
    } catch {
      // not a host name URL can read: left as written
    }
  }
  return mdurl.encode(mdurl.format(parsed));
}

class Html {
  readonly out: string[] = [];
  constructor(readonly headingIds: boolean) {}

  lit(text: string): void {
    this.out.push(text);
  }

  /** A newline, unless the output already ends with one (commonmark.js). */
  cr(): void {
    const last = this.out[this.out.length - 1];
    if (last !== undefined && !last.endsWith("\n")) this.out.push("\n");
  }

  children(nodes: readonly Node[], tight = false): void {
    for (const node of nodes) render(this, node, tight);
  }

  block(open: string, close: string, nodes: readonly Node[]): void {
    this.cr();
    this.lit(open);
    this.cr();
    this.children(nodes);
    this.cr();
    this.lit(close);
    this.cr();
  }
}

function unreachable(node: never): never {
  throw new Error(`unknown node type: ${JSON.stringify(node)}`);
}

function render(r: Html, node: Node, tight: boolean): void {
  switch (node.type) {
    case "root": return r.children(node.children);
    case "paragraph": return paragraph(r, node, tight);
    case "heading": return heading(r, node);
    case "thematicBreak": return thematicBreak(r);
    case "blockquote": return r.block("<blockquote>", "</blockquote>", node.children);
    case "list": return list(r, node);
    case "listItem": return listItem(r, node, tight);
    case "code": return code(r, node);
    case "html": return rawHtml(r, node);
    case "table": return table(r, node, "<table>\n");
    case "editorTable": return table(r, node, '<table class="editors">\n');
    case "tableRow": return r.children(node.children);
    case "tableCell": return r.children(node.children);
    case "text": return r.lit(escapeHtml(node.value));
    case "emphasis": return wrap(r, "em", node);
    case "strong": return wrap(r, "strong", node);
    case "delete": return wrap(r, "del", node);
    case "inlineCode": return r.lit(`<code>${escapeHtml(node.value)}</code>`);
    case "break": return r.lit("<br />\n");
    case "link": return link(r, node);
    case "image": return image(r, node);
    case "quote": return quote(r, node);
    case "external": return external(r, node);
    case "button": return button(r, node);
    case "component": return component(r, node);
    default: return unreachable(node);
  }
}

function paragraph(r: Html, node: Schemas["Paragraph"], tight: boolean): void {
  if (tight) return r.children(node.children);
  r.cr();
  r.lit("<p>");
  r.children(node.children);
  r.lit("</p>");
  r.cr();
}

function heading(r: Html, node: Schemas["Heading"]): void {
  r.cr();
  r.lit(r.headingIds && node.id ? `<h${node.depth} id="${escapeHtml(node.id)}">` : `<h${node.depth}>`);
  r.children(node.children);
  r.lit(`</h${node.depth}>`);
  r.cr();
}

function thematicBreak(r: Html): void {
  r.cr();
  r.lit("<hr />");
  r.cr();
}

function list(r: Html, node: Schemas["List"]): void {
  let open = "<ul>";
  let close = "</ul>";
  if (node.ordered) {
    const start = node.start ?? 1;
    open = start === 1 ? "<ol>" : `<ol start="${start}">`;
    close = "</ol>";
  }
  r.cr();
  r.lit(open);
  r.cr();
  r.children(node.children, !node.spread);
  r.cr();
  r.lit(close);
  r.cr();
}

function listItem(r: Html, node: Schemas["ListItem"], tight: boolean): void {
  r.lit("<li>");
  if (node.checked !== null && node.checked !== undefined) {
    r.lit(`<input ${node.checked ? 'checked="" ' : ""}disabled="" type="checkbox" /> `);
  }
  r.children(node.children, tight);
  r.lit("</li>");
  r.cr();
}

function code(r: Html, node: Schemas["Code"]): void {
  r.cr();
  r.lit(node.lang ? `<pre><code class="language-${escapeHtml(node.lang)}">` : "<pre><code>");
  if (node.value) r.lit(`${escapeHtml(node.value)}\n`);
  r.lit("</code></pre>");
  r.cr();
}

/** Raw HTML, made safe by the service (no script, no event handler, no javascript: URL). */
function rawHtml(r: Html, node: Schemas["Html"]): void {
  if (!node.position) return r.lit(node.value); // inline HTML
  r.cr();
  r.lit(node.value);
  r.cr();
}

function table(r: Html, node: Schemas["Table"] | Schemas["EditorTable"], open: string): void {
  r.cr();
  r.lit(open);
  const rows = node.children.filter((row): row is Schemas["TableRow"] => row.type === "tableRow");
  rows.forEach((row, index) => {
    if (index === 0) r.lit("<thead>\n");
    else if (index === 1) r.lit("<tbody>\n");
    tableRow(r, row, node.align, index === 0 ? "th" : "td");
    if (index === 0) r.lit("</thead>\n");
  });
  if (rows.length > 1) r.lit("</tbody>\n");
  r.lit("</table>");
  r.cr();
}

function tableRow(r: Html, row: Schemas["TableRow"], align: readonly Align[], tag: "th" | "td"): void {
  r.lit("<tr>\n");
  row.children.forEach((cell, index) => {
    const cellAlign = align[index];
    r.lit(cellAlign ? `<${tag} align="${cellAlign}">` : `<${tag}>`);
    if ("children" in cell) r.children(cell.children);
    r.lit(`</${tag}>\n`);
  });
  r.lit("</tr>\n");
}

function wrap(r: Html, tag: string, node: Parent): void {
  r.lit(`<${tag}>`);
  r.children(node.children);
  r.lit(`</${tag}>`);
}

function link(r: Html, node: Schemas["Link"]): void {
  let attrs = node.url !== null ? ` href="${escapeHtml(normalizeLink(node.url))}"` : "";
  if (node.title) attrs += ` title="${escapeHtml(node.title)}"`;
  r.lit(`<a${attrs}>`);
  r.children(node.children);
  r.lit("</a>");
}

function image(r: Html, node: Schemas["Image"]): void {
  const src = node.url !== null ? ` src="${escapeHtml(normalizeLink(node.url))}"` : "";
  const title = node.title ? ` title="${escapeHtml(node.title)}"` : "";
  r.lit(`<img${src} alt="${escapeHtml(node.alt)}"${title} />`);
}

/** Inline components sit in the text; block ones start and end their own lines. */
function shell(r: Html, node: Parent & { inline: boolean }, open: string, close: string): void {
  if (node.inline) {
    r.lit(open);
    r.children(node.children);
    r.lit(close);
  } else {
    r.block(open, close, node.children);
  }
}

/** What an External link adds to its text: it opens a new window (RGAA 13.2). */
const NEW_WINDOW_NOTE = '<span class="sr-only"> (nouvelle fenêtre)</span>';

function external(r: Html, node: Schemas["External"]): void {
  const href = node.href !== null ? ` href="${escapeHtml(node.href)}"` : "";
  shell(r, node, `<a${href} target="_blank" rel="noopener noreferrer">`, `${NEW_WINDOW_NOTE}</a>`);
}

function button(r: Html, node: Schemas["Button"]): void {
  const href = node.href !== null ? ` href="${escapeHtml(node.href)}"` : "";
  shell(r, node, `<a class="${node.alt ? "button button-alt" : "button"}"${href}>`, "</a>");
}

function quote(r: Html, node: Schemas["Quote"]): void {
  if (node.inline) return shell(r, node, "<q>", "</q>");
  r.cr();
  r.lit('<figure class="quote">\n');
  r.block("<blockquote>", "</blockquote>", node.children);
  const caption: string[] = [];
  if (node.logo) caption.push(`<img src="${escapeHtml(node.logo)}" alt="" />`);
  if (node.who) {
    const who = escapeHtml(node.who);
    caption.push(node.link ? `<a href="${escapeHtml(node.link)}">${who}</a>` : who);
  }
  if (node.title) caption.push(`<cite>${escapeHtml(node.title)}</cite>`);
  if (caption.length) r.lit(`<figcaption>${caption.join(" ")}</figcaption>\n`);
  r.lit("</figure>");
  r.cr();
}

function component(r: Html, node: Schemas["Component"]): void {
  const tag = node.inline ? "span" : "div";
  const props = Object.keys(node.props ?? {}).length
    ? ` data-props="${escapeHtml(JSON.stringify(node.props))}"`
    : "";
  shell(r, node, `<${tag} data-component="${escapeHtml(node.name)}"${props}>`, `</${tag}>`);
}

/** HTML of `node` (usually a guide's `body`). */
export function renderHtml(node: Node, options: RenderOptions = {}): string {
  const r = new Html(options.headingIds ?? false);
  render(r, node, false);
  return r.out.join("");
}
