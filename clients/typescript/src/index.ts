/**
 * content-api for TypeScript: the types of every response (generated from the service's OpenAPI
 * document by openapi-typescript into `api.d.ts`), a small typed fetch helper, an example
 * renderer of the AST (`render.ts`) and the AST typed for mdast-util-to-hast (`hast.ts`). The
 * React component is in `react.tsx` (`@content-api/client/react`).
 */
import type { components, operations, paths } from "./api.js";

export type { components, operations, paths };
export { guideToHast, TO_HAST_OPTIONS } from "./hast.js";
export { browserUrl, escapeHtml, isUnsafeUrl, normalizeLink, renderHtml } from "./render.js";
export type { Node, NodeType, RenderOptions } from "./render.js";

type Schemas = components["schemas"];
/** `GET /guides/{slug}`: the summary, `body` (the AST root), `toc`, `related_guides`, `editors`. */
export type Guide = Schemas["GuideWithRenderings"];
export type GuideSummary = Schemas["GuideSummary"];
export type GuideList = Schemas["GuideList"];
export type EditorRow = Schemas["EditorRow"];
export type EditorList = Schemas["EditorList"];
export type Problem = Schemas["Problem"];
export type Root = Schemas["Root"];

/** The query parameters of `GET /guides`, as the OpenAPI document declares them. */
export type GuideQuery = NonNullable<operations["GuidesListGuides"]["parameters"]["query"]>;
/** The query parameters of `GET /editors`. */
export type EditorQuery = NonNullable<operations["EditorsListEditors"]["parameters"]["query"]>;

/** An error answer of the API (RFC 9457 problem), thrown by the helpers below. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem | null) {
    super(problem?.detail ?? `HTTP ${status}`);
  }
}

function query(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function getJson<T>(base: string, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(new URL(path, base), { ...init, headers: { accept: "application/json" } });
  if (!response.ok) {
    const problem = response.headers.get("content-type")?.includes("json")
      ? ((await response.json()) as Problem)
      : null;
    throw new ApiError(response.status, problem);
  }
  return (await response.json()) as T;
}

/** `GET /guides/{slug}` from the service at `base` (e.g. `https://content.example.fr`). */
export function fetchGuide(base: string, slug: string, init?: RequestInit): Promise<Guide> {
  return getJson<Guide>(base, `/guides/${encodeURIComponent(slug)}`, init);
}

/** `GET /guides` with filters, search and pages. */
export function fetchGuides(base: string, params: GuideQuery = {}, init?: RequestInit): Promise<GuideList> {
  return getJson<GuideList>(base, `/guides${query(params)}`, init);
}

/** `GET /editors`: who is connected to which API. */
export function fetchEditors(base: string, params: EditorQuery = {}, init?: RequestInit): Promise<EditorList> {
  return getJson<EditorList>(base, `/editors${query(params)}`, init);
}
