// Render a body (JSON on stdin) with both entries of the package, as a project that installed it
// does (tests/test_react.py runs it from such a project).
import { guideToHast, renderHtml } from "@content-api/client";
import { GuideBody } from "@content-api/client/react";
import { toHtml } from "hast-util-to-html";
import { jsx } from "react/jsx-runtime";
import { renderToStaticMarkup } from "react-dom/server";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(
  JSON.stringify({
    react: renderToStaticMarkup(jsx(GuideBody, { body })),
    unified: toHtml(guideToHast(body), { allowDangerousHtml: true }),
    html: renderHtml(body, { headingIds: true }),
  }),
);
