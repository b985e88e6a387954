// Static file server for the test harness; started by http.ts inside a network namespace.
// Usage: node http-server.mjs <dir> <address> <port>
// Prints `LISTENING <port>` once bound, then one JSON line per request:
// {"method":"GET","path":"/x","status":200,"bytes":123,"sent":123}
// (`bytes`: body size announced; `sent`: body bytes handed to the socket.)
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { resolve, sep } from "node:path";

const [dirArg, host, portArg] = process.argv.slice(2);
if (!dirArg || !host || portArg === undefined) {
  process.stderr.write("usage: http-server.mjs <dir> <address> <port>\n");
  process.exit(2);
}
const root = resolve(dirArg);

const server = createServer(async (req, res) => {
  let status = 500;
  let bytes = 0;
  const path = new URL(req.url ?? "/", "http://x").pathname;
  let sent = 0;
  // 'close' comes for every response, finished or not. ('finish' may not: a client that has read the
  // whole body can hang up before the server's final end() is flushed.)
  res.once("close", () => {
    process.stdout.write(`${JSON.stringify({ method: req.method, path, status, bytes, sent })}\n`);
  });
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      status = 405;
      res.writeHead(status).end();
      return;
    }
    const file = resolve(root, `.${decodeURIComponent(path)}`);
    if (file !== root && !file.startsWith(root + sep)) {
      status = 403;
      res.writeHead(status).end();
      return;
    }
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) {
      status = 404;
      res.writeHead(status, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    status = 200;
    bytes = req.method === "HEAD" ? 0 : st.size;
    res.writeHead(status, { "content-type": "application/octet-stream", "content-length": st.size });
    if (req.method === "HEAD") res.end();
    else {
      const body = createReadStream(file);
      body.on("data", (chunk) => {
        sent += chunk.length;
      });
      body.pipe(res);
    }
  } catch (e) {
    status = 500;
    res.writeHead(status).end(String(e));
  }
});
server.keepAliveTimeout = 1000;
server.listen(Number(portArg), host, () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
