// The ceiling of any Node.js content server here (issue 17): a bare `http` server answering every
// request with the bytes of one file and the headers content-api sends (no routing, no lookup, no
// negotiation), as bench/floor.py does for granian. Node content servers (Nuxt Content's Nitro,
// Ghost, Strapi) all answer through this module, with their own work on top.
//
//     node bench/peers/http_floor.mjs BODY_FILE PORT
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const [file, port] = process.argv.slice(2);
const body = readFileSync(file);
const headers = {
  "content-type": "application/json",
  "content-length": String(body.length),
  etag: '"0123456789abcdef0123456789abcdef"',
  "cache-control": "public, max-age=60, stale-while-revalidate=300",
  vary: "Accept-Encoding",
  "x-content-type-options": "nosniff",
};
const server = createServer((request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), "127.0.0.1");
