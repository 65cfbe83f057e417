/**
 * `<GuideBody body={guide.body} components={{ Quote, External, NextSteps }} />`: a guide's AST as
 * React elements, through unified: mdast-util-to-hast (with the rendering hints the service puts
 * on its nodes), hast-util-raw (the guide's raw HTML, as a browser parses it) and
 * hast-util-to-jsx-runtime.
 *
 * Without `components`, it renders what the service's `render_html` renders (the tests compare the
 * two on every guide). Each component name a team maps (`Quote`, `External`, `Button`,
 * `EditorTable`, or the `name` of a generic component such as `NextSteps`) is rendered by the
 * team's React component instead, with the node's typed fields as props and its children
 * (rendered) as `children`; every other name keeps the default rendering.
 *
 * Import it from `@content-api/client/react` (React is a peer dependency, needed by this entry
 * only).
 */
import type { Element, ElementContent, Nodes as HastNodes, Root as HastRoot } from "hast";
import { raw } from "hast-util-raw";
import { toJsxRuntime, type Components } from "hast-util-to-jsx-runtime";
import type { ComponentType, ReactElement, ReactNode } from "react";
import { Fragment, jsx, jsxs } from "react/jsx-runtime";

import type { components } from "./api.js";
import { guideToHast } from "./hast.js";

type Schemas = components["schemas"];
type Node = Schemas["Node"];
export type QuoteNode = Schemas["Quote"];
export type ExternalNode = Schemas["External"];
export type ButtonNode = Schemas["Button"];
export type ComponentNode = Schemas["Component"];
export type EditorTableNode = Schemas["EditorTable"];
type MappableNode = QuoteNode | ExternalNode | ButtonNode | ComponentNode | EditorTableNode;

/** The node's own fields, without what every node has. */
type Fields<N> = Omit<N, "type" | "children" | "position" | "data">;

/** What every mapped component receives besides the node's fields. */
export interface SlotProps<N> {
  /** The node's children, rendered (for `EditorTable`: the default `<table class="editors">`). */
  children?: ReactNode;
  /** The node itself, as the API gave it (its mdast `children`, `position`, hints). */
  node: N;
}

/** `<Quote who logo link title>`: a testimonial; `children` is the quotation. */
export type QuoteProps = Fields<QuoteNode> & SlotProps<QuoteNode>;
/** `<External href>`: a link that opens a new tab; `children` is its text, without the hidden note. */
export type ExternalProps = Fields<ExternalNode> & SlotProps<ExternalNode>;
/** `<Button href alt>`: a call to action (`alt`: the secondary style). */
export type ButtonProps = Fields<ButtonNode> & SlotProps<ButtonNode>;
/** A table of editors: `editors` are its typed rows, `children` the default table. */
export type EditorTableProps = Fields<EditorTableNode> & SlotProps<EditorTableNode>;
/** Any other component (`NextSteps`, `Datagouv`, …): its `name` and `props` as written. */
export type ComponentNodeProps = Omit<Fields<ComponentNode>, "props"> & {
  /** String values, `true` for a bare attribute, decoded JSON for `{…}` literals, else `{expression}`. */
  props: Record<string, unknown>;
} & SlotProps<ComponentNode>;

interface KnownProps {
  Quote: QuoteProps;
  External: ExternalProps;
  Button: ButtonProps;
  EditorTable: EditorTableProps;
}
/** The props a component mapped to `Name` receives. */
export type PropsFor<Name> = Name extends keyof KnownProps ? KnownProps[Name] : ComponentNodeProps;

/** A map of component names to React components, each checked against the props of its name. */
export type GuideComponents<T> = { [Name in keyof T]: ComponentType<PropsFor<Name>> | undefined };

export interface GuideBodyProps<T extends object = object> {
  /** A guide's `body` (`GET /guides/{slug}`), or any node of it. It is not changed. */
  body: Node;
  /** Your components, by name: `Quote`, `External`, `Button`, `EditorTable`, or a component's `name`. */
  components?: (T & GuideComponents<T>) | undefined;
}

type AnyComponent = ComponentType<Record<string, unknown>>;
/** A node's rendering hints, as mdast-util-to-hast reads them (`data`, omitted when there are none). */
interface Hints {
  hName?: string;
  hProperties?: Record<string, unknown>;
  hChildren?: ElementContent[] | null;
}

function hintsOf(node: Node): Hints | undefined {
  return (node as { data?: Hints | null }).data ?? undefined;
}

function setHints(node: Node, hints: Hints): void {
  (node as { data?: Hints }).data = hints;
}

const KNOWN: Record<keyof KnownProps, true> = { Quote: true, External: true, Button: true, EditorTable: true };
const NAMES: Partial<Record<Node["type"], keyof KnownProps>> = {
  quote: "Quote",
  external: "External",
  button: "Button",
  editorTable: "EditorTable",
};

/** The name a team maps `node` by, if it is a component node. */
function nameOf(node: Node): string | undefined {
  if (node.type !== "component") return NAMES[node.type];
  return Object.hasOwn(KNOWN, node.name) ? undefined : node.name; // a generic `<EditorTable>` does not take the typed one's place
}

/**
 * A mapped node stands in the tree as the element its default rendering has (`figure`, `a`, `q`,
 * `div`, `span`; `div` around an editor table), marked with this attribute: raw HTML left open
 * inside it is then closed where the default rendering closes it (a custom element's end tag does
 * not close an open `<details>` or `<div>`, and would hand the rest of the guide to the component).
 */
const SLOT_ATTRIBUTE = "data-content-api-slot";

/** The element a mapped node stands in as: its default rendering's. */
function slotTag(node: Node): string {
  if (node.type === "editorTable") return "div"; // around the default table, given as children
  const hName = hintsOf(node)?.hName;
  if (hName !== undefined) return hName;
  return "inline" in node && node.inline ? "span" : "div";
}

interface Slot {
  component: AnyComponent;
  node: MappableNode;
}

/** One rendering: the mapped nodes found, by slot id (`<prefix><index>`). */
class Pass {
  readonly slots = new Map<string, Slot>();
  /** The tag names slots stand in as. */
  readonly tags = new Set<string>();
  // Unguessable, so that raw HTML written as `<div data-content-api-slot="…">` takes no slot.
  readonly prefix = `${Math.random().toString(36).slice(2)}-`;
  constructor(readonly components: Record<string, AnyComponent | undefined>) {}

  add(node: MappableNode, component: AnyComponent): string {
    const id = `${this.prefix}${this.slots.size}`;
    this.slots.set(id, { component, node });
    return id;
  }
}

function element(tagName: string, properties: Element["properties"], children: ElementContent[]): Element {
  return { type: "element", tagName, properties, children };
}

/** The hast children of `children` converted as to-hast converts an element's (no `\n` added). */
function inline(children: Node[]): ElementContent[] {
  return (guideToHast({ type: "paragraph", children, position: null, data: null }) as Element).children;
}

/** What to-hast makes of an editor table's rows as a plain table: `thead`, `tbody`, `align`. */
function tableRows(node: EditorTableNode): ElementContent[] {
  const table = { type: "table", align: node.align, children: node.children, position: null, data: null } as const;
  return (guideToHast(table) as Element).children;
}

/**
 * Walk `original` and its `copy` together, children first. A mapped node of the copy becomes a
 * slot; an unmapped one whose hint children (`data.hChildren`, opaque hast built by the service)
 * hold a mapped node gets them rebuilt from its mdast children. True when `copy` is or holds a slot.
 */
function prepare(original: Node, copy: Node, pass: Pass): boolean {
  let holds = false;
  if ("children" in original && "children" in copy) {
    original.children.forEach((child, index) => {
      const twin = copy.children[index];
      if (twin !== undefined) holds = prepare(child, twin, pass) || holds;
    });
  }
  const name = nameOf(original);
  const component = name !== undefined && Object.hasOwn(pass.components, name) ? pass.components[name] : undefined;
  if (component !== undefined) {
    const id = pass.add(original as MappableNode, component);
    const tag = slotTag(original);
    pass.tags.add(tag);
    const hints: Hints = { hName: tag, hProperties: { dataContentApiSlot: id } };
    if (copy.type === "editorTable") hints.hChildren = [element("table", { className: ["editors"] }, tableRows(copy))];
    setHints(copy, hints);
    return true;
  }
  const hints = hintsOf(copy);
  if (holds && hints?.hChildren) rebuild(copy, hints);
  return holds;
}

function isElement(node: ElementContent, tagName: string): node is Element {
  return node.type === "element" && node.tagName === tagName;
}

function classes(node: Element): unknown[] {
  const value = node.properties["className"];
  return Array.isArray(value) ? value : [];
}

/** Hint children rebuilt from the node's mdast children (where the slots now are). */
function rebuild(node: Node, hints: Hints): void {
  const hint = hints.hChildren ?? [];
  if (node.type === "quote") {
    const quote = { type: "blockquote", children: node.children, position: null, data: null } as const;
    const blockquote = guideToHast(quote) as Element;
    hints.hChildren = hint.map((child) => (isElement(child, "blockquote") ? blockquote : child));
  } else if (node.type === "external") {
    // the visually hidden "(nouvelle fenêtre)" note, after the text
    const note = hint.filter((child) => isElement(child, "span") && classes(child).includes("sr-only"));
    hints.hChildren = [...inline(node.children), ...note];
  } else if (node.type === "editorTable") {
    hints.hChildren = tableRows(node);
  } else {
    delete hints.hChildren; // unknown to this version: the mdast children, converted
  }
}

/**
 * hast-util-raw 9.2.0 drops the first line ending of a `<pre><code>` text (parse5's "skip the
 * newline after <pre>" flag survives the injected `<code>` start tag), where the HTML has it (a
 * code block starting with a blank line). One more line ending is what raw() then leaves right.
 */
function keepPreNewline(node: HastNodes): void {
  if (node.type === "element" && node.tagName === "pre") {
    const code = node.children[0];
    const text = code?.type === "element" ? code.children[0] : code;
    if (text?.type === "text" && text.value.startsWith("\n")) text.value = `\n${text.value}`;
    return;
  }
  if ("children" in node) for (const child of node.children) keepPreNewline(child);
}

type SlotElementProps = { [SLOT_ATTRIBUTE]?: string; children?: ReactNode };

/** The component standing for `tag`: a slot's calls the team's component with the node's fields. */
function slotRenderer(pass: Pass, tag: string): (props: SlotElementProps) => ReactNode {
  return function GuideSlot(props) {
    const slot = pass.slots.get(props[SLOT_ATTRIBUTE] ?? "");
    if (slot === undefined) return jsx(tag as "span", props); // any other element of that name
    const { type: _type, children: _children, position: _position, ...fields } = slot.node;
    delete (fields as { data?: unknown }).data;
    return jsx(slot.component, { ...fields, node: slot.node, children: props.children });
  };
}

/** The hast tree `GuideBody` renders: `body` with its slots, converted, raw HTML parsed. */
function guideHastTree(body: Node, pass: Pass): HastNodes {
  const copy = structuredClone(body); // to-hast shares and even trims the hints' hChildren
  prepare(body, copy, pass);
  const tree = guideToHast(copy);
  keepPreNewline(tree);
  return raw(tree);
}

/**
 * A guide's body as React elements: the default rendering (`render_html`'s HTML) with the
 * components you map rendered by yours. Raw HTML is rendered as the service gives it (its
 * sanitizer's output, or verbatim with `HTML_MODE=raw`); HTML comments are not rendered.
 */
export function GuideBody<T extends object = object>({ body, components }: GuideBodyProps<T>): ReactElement {
  const pass = new Pass((components ?? {}) as Record<string, AnyComponent | undefined>);
  const tree = guideHastTree(body, pass);
  const root: HastRoot = tree.type === "root" ? tree : { type: "root", children: [tree as HastRoot["children"][number]] };
  return toJsxRuntime(root, {
    Fragment,
    jsx,
    jsxs,
    components: Object.fromEntries([...pass.tags].map((tag) => [tag, slotRenderer(pass, tag)])) as Partial<Components>,
    tableCellAlignToStyle: false, // `align`, as render_html writes it
  }) as ReactElement;
}
