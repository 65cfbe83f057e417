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

/**
 * Character references that can change how a URL's scheme is read: those that decode to ASCII, the
 * legacy ones written without ";", and the names that begin with a legacy one. Every other name
 * decodes to non-ASCII characters, which end a scheme just as its "&" does, so it is left as
 * written. From the HTML standard's table (tests/test_url_safety.py checks it against Python's).
 */
const ENTITIES: ReadonlyMap<string, string> = new Map(Object.entries({
  "AElig": "\u00c6", "AElig;": "\u00c6", "AMP": "&", "AMP;": "&", "Aacute": "\u00c1", "Aacute;": "\u00c1",
  "Acirc": "\u00c2", "Acirc;": "\u00c2", "Agrave": "\u00c0", "Agrave;": "\u00c0", "Aring": "\u00c5",
  "Aring;": "\u00c5", "Atilde": "\u00c3", "Atilde;": "\u00c3", "Auml": "\u00c4", "Auml;": "\u00c4",
  "COPY": "\u00a9", "COPY;": "\u00a9", "Ccedil": "\u00c7", "Ccedil;": "\u00c7", "DiacriticalGrave;": "`",
  "ETH": "\u00d0", "ETH;": "\u00d0", "Eacute": "\u00c9", "Eacute;": "\u00c9", "Ecirc": "\u00ca",
  "Ecirc;": "\u00ca", "Egrave": "\u00c8", "Egrave;": "\u00c8", "Euml": "\u00cb", "Euml;": "\u00cb",
  "GT": ">", "GT;": ">", "Hat;": "^", "Iacute": "\u00cd", "Iacute;": "\u00cd", "Icirc": "\u00ce",
  "Icirc;": "\u00ce", "Igrave": "\u00cc", "Igrave;": "\u00cc", "Iuml": "\u00cf", "Iuml;": "\u00cf",
  "LT": "<", "LT;": "<", "NewLine;": "\n", "Ntilde": "\u00d1", "Ntilde;": "\u00d1", "Oacute": "\u00d3",
  "Oacute;": "\u00d3", "Ocirc": "\u00d4", "Ocirc;": "\u00d4", "Ograve": "\u00d2", "Ograve;": "\u00d2",
  "Oslash": "\u00d8", "Oslash;": "\u00d8", "Otilde": "\u00d5", "Otilde;": "\u00d5", "Ouml": "\u00d6",
  "Ouml;": "\u00d6", "QUOT": "\"", "QUOT;": "\"", "REG": "\u00ae", "REG;": "\u00ae", "THORN": "\u00de",
  "THORN;": "\u00de", "Tab;": "\t", "Uacute": "\u00da", "Uacute;": "\u00da", "Ucirc": "\u00db",
  "Ucirc;": "\u00db", "Ugrave": "\u00d9", "Ugrave;": "\u00d9", "UnderBar;": "_", "Uuml": "\u00dc",
  "Uuml;": "\u00dc", "VerticalLine;": "|", "Yacute": "\u00dd", "Yacute;": "\u00dd", "aacute": "\u00e1",
  "aacute;": "\u00e1", "acirc": "\u00e2", "acirc;": "\u00e2", "acute": "\u00b4", "acute;": "\u00b4",
  "aelig": "\u00e6", "aelig;": "\u00e6", "agrave": "\u00e0", "agrave;": "\u00e0", "amp": "&", "amp;": "&",
  "apos;": "'", "aring": "\u00e5", "aring;": "\u00e5", "ast;": "*", "atilde": "\u00e3",
  "atilde;": "\u00e3", "auml": "\u00e4", "auml;": "\u00e4", "bne;": "=\u20e5", "brvbar": "\u00a6",
  "brvbar;": "\u00a6", "bsol;": "\\", "ccedil": "\u00e7", "ccedil;": "\u00e7", "cedil": "\u00b8",
  "cedil;": "\u00b8", "cent": "\u00a2", "cent;": "\u00a2", "centerdot;": "\u00b7", "colon;": ":",
  "comma;": ",", "commat;": "@", "copy": "\u00a9", "copy;": "\u00a9", "copysr;": "\u2117",
  "curren": "\u00a4", "curren;": "\u00a4", "deg": "\u00b0", "deg;": "\u00b0", "divide": "\u00f7",
  "divide;": "\u00f7", "divideontimes;": "\u22c7", "dollar;": "$", "eacute": "\u00e9", "eacute;": "\u00e9",
  "ecirc": "\u00ea", "ecirc;": "\u00ea", "egrave": "\u00e8", "egrave;": "\u00e8", "equals;": "=",
  "eth": "\u00f0", "eth;": "\u00f0", "euml": "\u00eb", "euml;": "\u00eb", "excl;": "!", "fjlig;": "fj",
  "frac12": "\u00bd", "frac12;": "\u00bd", "frac14": "\u00bc", "frac14;": "\u00bc", "frac34": "\u00be",
  "frac34;": "\u00be", "grave;": "`", "gt": ">", "gt;": ">", "gtcc;": "\u2aa7", "gtcir;": "\u2a7a",
  "gtdot;": "\u22d7", "gtlPar;": "\u2995", "gtquest;": "\u2a7c", "gtrapprox;": "\u2a86",
  "gtrarr;": "\u2978", "gtrdot;": "\u22d7", "gtreqless;": "\u22db", "gtreqqless;": "\u2a8c",
  "gtrless;": "\u2277", "gtrsim;": "\u2273", "iacute": "\u00ed", "iacute;": "\u00ed", "icirc": "\u00ee",
  "icirc;": "\u00ee", "iexcl": "\u00a1", "iexcl;": "\u00a1", "igrave": "\u00ec", "igrave;": "\u00ec",
  "iquest": "\u00bf", "iquest;": "\u00bf", "iuml": "\u00ef", "iuml;": "\u00ef", "laquo": "\u00ab",
  "laquo;": "\u00ab", "lbrace;": "{", "lbrack;": "[", "lcub;": "{", "lowbar;": "_", "lpar;": "(",
  "lsqb;": "[", "lt": "<", "lt;": "<", "ltcc;": "\u2aa6", "ltcir;": "\u2a79", "ltdot;": "\u22d6",
  "lthree;": "\u22cb", "ltimes;": "\u22c9", "ltlarr;": "\u2976", "ltquest;": "\u2a7b", "ltrPar;": "\u2996",
  "ltri;": "\u25c3", "ltrie;": "\u22b4", "ltrif;": "\u25c2", "macr": "\u00af", "macr;": "\u00af",
  "micro": "\u00b5", "micro;": "\u00b5", "midast;": "*", "middot": "\u00b7", "middot;": "\u00b7",
  "nbsp": "\u00a0", "nbsp;": "\u00a0", "not": "\u00ac", "not;": "\u00ac", "notin;": "\u2209",
  "notinE;": "\u22f9\u0338", "notindot;": "\u22f5\u0338", "notinva;": "\u2209", "notinvb;": "\u22f7",
  "notinvc;": "\u22f6", "notni;": "\u220c", "notniva;": "\u220c", "notnivb;": "\u22fe",
  "notnivc;": "\u22fd", "ntilde": "\u00f1", "ntilde;": "\u00f1", "num;": "#", "nvgt;": ">\u20d2",
  "nvlt;": "<\u20d2", "oacute": "\u00f3", "oacute;": "\u00f3", "ocirc": "\u00f4", "ocirc;": "\u00f4",
  "ograve": "\u00f2", "ograve;": "\u00f2", "ordf": "\u00aa", "ordf;": "\u00aa", "ordm": "\u00ba",
  "ordm;": "\u00ba", "oslash": "\u00f8", "oslash;": "\u00f8", "otilde": "\u00f5", "otilde;": "\u00f5",
  "ouml": "\u00f6", "ouml;": "\u00f6", "para": "\u00b6", "para;": "\u00b6", "parallel;": "\u2225",
  "percnt;": "%", "period;": ".", "plus;": "+", "plusmn": "\u00b1", "plusmn;": "\u00b1", "pound": "\u00a3",
  "pound;": "\u00a3", "quest;": "?", "quot": "\"", "quot;": "\"", "raquo": "\u00bb", "raquo;": "\u00bb",
  "rbrace;": "}", "rbrack;": "]", "rcub;": "}", "reg": "\u00ae", "reg;": "\u00ae", "rpar;": ")",
  "rsqb;": "]", "sect": "\u00a7", "sect;": "\u00a7", "semi;": ";", "shy": "\u00ad", "shy;": "\u00ad",
  "sol;": "/", "sup1": "\u00b9", "sup1;": "\u00b9", "sup2": "\u00b2", "sup2;": "\u00b2", "sup3": "\u00b3",
  "sup3;": "\u00b3", "szlig": "\u00df", "szlig;": "\u00df", "thorn": "\u00fe", "thorn;": "\u00fe",
  "times": "\u00d7", "times;": "\u00d7", "timesb;": "\u22a0", "timesbar;": "\u2a31", "timesd;": "\u2a30",
  "uacute": "\u00fa", "uacute;": "\u00fa", "ucirc": "\u00fb", "ucirc;": "\u00fb", "ugrave": "\u00f9",
  "ugrave;": "\u00f9", "uml": "\u00a8", "uml;": "\u00a8", "uuml": "\u00fc", "uuml;": "\u00fc",
  "verbar;": "|", "vert;": "|", "yacute": "\u00fd", "yacute;": "\u00fd", "yen": "\u00a5", "yen;": "\u00a5",
  "yuml": "\u00ff", "yuml;": "\u00ff",
}));
/** What HTML reads numeric references 0x80-0x9F as (windows-1252). */
const C1 =
  "\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f" +
  "\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178";
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.\-]*:/;
const SAFE_DATA = /^data:image\/(?:png|gif|jpe?g|webp|avif|bmp)[;,]/i;

function numericReference(reference: string): string {
  const hex = reference[1] === "x" || reference[1] === "X";
  let digits = reference.slice(hex ? 2 : 1);
  if (digits.endsWith(";")) digits = digits.slice(0, -1);
  let zeros = 0;
  while (zeros < digits.length && digits[zeros] === "0") zeros++;
  digits = digits.slice(zeros);
  const n = digits.length > 8 ? 0x110000 : parseInt(digits || "0", hex ? 16 : 10);
  if (n === 0) return "\ufffd";
  if (n === 0x0d) return "\r";
  if (n >= 0x80 && n <= 0x9f) return C1.charAt(n - 0x80);
  if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return "\ufffd";
  const invalid =
    (n >= 0x01 && n <= 0x08) || n === 0x0b || (n >= 0x0e && n <= 0x1f) || n === 0x7f ||
    (n >= 0xfdd0 && n <= 0xfdef) || (n & 0xfffe) === 0xfffe;
  return invalid ? "" : String.fromCodePoint(n);
}

function namedReference(reference: string): string {
  const value = ENTITIES.get(reference);
  if (value !== undefined) return value;
  for (let length = reference.length - 1; length > 1; length--) {
    const legacy = ENTITIES.get(reference.slice(0, length)); // the longest name written without ";"
    if (legacy !== undefined) return legacy + reference.slice(length);
  }
  return `&${reference}`;
}

/**
 * A URL as a browser's URL parser starts reading it: character references decoded once, leading
 * and trailing C0 controls and spaces stripped, ASCII tab, LF and CR removed anywhere (WHATWG URL).
 */
export function browserUrl(url: string): string {
  const decoded = url.includes("&")
    ? url.replace(CHARREF, (_, ref: string) => (ref[0] === "#" ? numericReference(ref) : namedReference(ref)))
    : url;
  let start = 0;
  let end = decoded.length;
  while (start < end && decoded.charCodeAt(start) <= 0x20) start++;
  while (end > start && decoded.charCodeAt(end - 1) <= 0x20) end--;
  return decoded.slice(start, end).replace(/[\t\n\r]/g, "");
}

/**
 * True for `javascript:`, `vbscript:` and non-image `data:` URLs, however disguised (entities,
 * case, padding of any length, tabs or newlines inside): the service's own `is_unsafe_url`,
 * ported. The service has already removed such URLs from the AST; this renderer checks again what
 * it writes into `href`/`src`, so that a hand-made or altered AST cannot run code either.
 */
export function isUnsafeUrl(url: string): boolean {
  const read = browserUrl(url);
  const match = SCHEME.exec(read);
  if (!match) return false;
  const scheme = match[0].slice(0, -1).toLowerCase();
  if (scheme === "javascript" || scheme === "vbscript") return true;
  return scheme === "data" && !SAFE_DATA.test(read);
}

/** The value to write into `href`/`src`, or null when the URL could run code. */
function safeUrl(url: string | null | undefined, normalize: boolean): string | null {
  if (url === null || url === undefined || isUnsafeUrl(url)) return null;
  const written = normalize ? normalizeLink(url) : url;
  return written !== url && isUnsafeUrl(written) ? null : written;
}

function urlAttribute(name: string, url: string | null | undefined, normalize = true): string {
  const written = safeUrl(url, normalize);
  return written !== null ? ` ${name}="${escapeHtml(written)}"` : "";
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

function paragraph(r: Html, node: Schemas["Paragraph"], tight: boolean, lead = ""): void {
  if (tight) return r.children(node.children);
  r.cr();
  r.lit(`<p>${lead}`);
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

/**
 * A task item's checkbox (and the space after it) goes first in the item: in a loose item, inside
 * its first paragraph (`<li>\n<p><input … /> a</p>`), as mdast-util-to-hast and GitHub put it.
 */
function listItem(r: Html, node: Schemas["ListItem"], tight: boolean): void {
  r.lit("<li>");
  const [first, ...rest] = node.children;
  if (node.checked === null || node.checked === undefined) {
    r.children(node.children, tight);
  } else {
    const box = `<input ${node.checked ? 'checked="" ' : ""}disabled="" type="checkbox" /> `;
    if (!tight && first?.type === "paragraph") {
      paragraph(r, first, false, box);
      r.children(rest);
    } else {
      r.lit(box);
      r.children(node.children, tight);
    }
  }
  r.lit("</li>");
  r.cr();
}

function code(r: Html, node: Schemas["Code"]): void {
  r.cr();
  // the first word of `lang`, as markdown-it, commonmark.js and mdast-util-to-hast take it
  r.lit(node.lang ? `<pre><code class="language-${escapeHtml(node.lang.split(/\s+/)[0] ?? "")}">` : "<pre><code>");
  if (node.value) r.lit(`${escapeHtml(node.value)}\n`);
  r.lit("</code></pre>");
  r.cr();
}

/**
 * Raw HTML as the service gives it: by default, the serialization of its allow-list sanitizer (no
 * script, no event handler, no javascript: URL, iframes from allowed hosts only). A service run
 * with HTML_MODE=raw gives it verbatim: only for content whose writers are fully trusted.
 */
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
  let attrs = urlAttribute("href", node.url);
  if (node.title) attrs += ` title="${escapeHtml(node.title)}"`;
  r.lit(`<a${attrs}>`);
  r.children(node.children);
  r.lit("</a>");
}

function image(r: Html, node: Schemas["Image"]): void {
  const src = urlAttribute("src", node.url);
  const title = node.title ? ` title="${escapeHtml(node.title)}"` : "";
  r.lit(`<img${src} alt="${escapeHtml(node.alt)}"${title}${size(node.width, node.height)} />`);
}

/** `width` and `height` of an image whose file was measured (no layout shift), else nothing. */
function size(width?: number | null, height?: number | null): string {
  return width && height ? ` width="${width}" height="${height}"` : "";
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
  const href = urlAttribute("href", node.href, false);
  shell(r, node, `<a${href} target="_blank" rel="noopener noreferrer">`, `${NEW_WINDOW_NOTE}</a>`);
}

function button(r: Html, node: Schemas["Button"]): void {
  const href = urlAttribute("href", node.href, false);
  shell(r, node, `<a class="${node.alt ? "button button-alt" : "button"}"${href}>`, "</a>");
}

function quote(r: Html, node: Schemas["Quote"]): void {
  if (node.inline) return shell(r, node, "<q>", "</q>");
  r.cr();
  r.lit('<figure class="quote">\n');
  r.block("<blockquote>", "</blockquote>", node.children);
  const caption: string[] = [];
  const logo = safeUrl(node.logo, false);
  if (logo) caption.push(`<img src="${escapeHtml(logo)}" alt=""${size(node.logo_width, node.logo_height)} />`);
  if (node.who) {
    const who = escapeHtml(node.who);
    const link = safeUrl(node.link, false);
    caption.push(link ? `<a href="${escapeHtml(link)}">${who}</a>` : who);
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
