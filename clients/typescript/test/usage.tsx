// A frontend project's use of the package, type-checked by tests/test_react.py against the packed
// tarball (installed as @content-api/client): each `@ts-expect-error` must meet its error.
import type { ReactNode } from "react";
import { GuideBody, type ComponentNodeProps, type QuoteProps } from "@content-api/client/react";
import { guideToHast, renderHtml, type Guide } from "@content-api/client";
import { toHtml } from "hast-util-to-html";

declare const guide: Guide;

function Quote({ who, title, logo, link, children }: QuoteProps) {
  return (
    <aside data-logo={logo ?? undefined} data-link={link ?? undefined}>
      {children}
      <p>{who} {title}</p>
    </aside>
  );
}

function NextSteps({ name, props, inline, children }: ComponentNodeProps) {
  return <nav data-name={name} data-inline={inline}>{String(props["step"])}{children}</nav>;
}

// a component may declare only the props it uses
const Button = ({ href, children }: { href: string | null; children?: ReactNode }) => (
  <a href={href ?? ""}>{children}</a>
);

export const page = <GuideBody body={guide.body} components={{ Quote, NextSteps, Button }} />;
export const html: string = toHtml(guideToHast(guide.body), { allowDangerousHtml: true }) + renderHtml(guide.body);

// @ts-expect-error: the API's types are there (a title is a string)
export const title: number = guide.title;

const ExternalLike = (props: { href: string }) => <a href={props.href} />;
// @ts-expect-error: a Quote component does not take an External's props
export const wrong = <GuideBody body={guide.body} components={{ Quote: ExternalLike }} />;

const QuoteLike = (props: { who: string }) => <b>{props.who}</b>;
// @ts-expect-error: nor does a generic component take a Quote's
export const wrong2 = <GuideBody body={guide.body} components={{ NextSteps: QuoteLike }} />;
