/**
 * A tiny static HTTP server running inside a network namespace (normally the
 * test cluster's client namespace), so nodes can download files from it:
 *
 * ```ts
 * const http = await startHttpServer({ netns: cluster.client.netns, address: cluster.client.address, dir });
 * after(() => http.stop());
 * await node.exec(`curl -fsS -o /usr/local/bin/x ${http.url}/x`);
 * assert.deepEqual(http.requests.map((r) => r.path), ["/x"]);
 * ```
 *
 * Files are read at request time, so a test can swap a file's bytes between
 * requests (e.g. serve a binary whose sha256 does not match).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BASE_ENV, settlesWithin, sleep } from "./proc.js";

export interface HttpRequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Body bytes announced (0 for HEAD and errors). */
  readonly bytes: number;
  /** Body bytes handed to the socket; less than `bytes` when the client went away early. */
  readonly sent: number;
}

export interface TestHttpServer {
  /** Base URL without a trailing slash, e.g. `http://10.213.7.1:41234` (IPv6 addresses are bracketed). */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  /** PID of the server process (the exec chain setpriv → ip → node keeps one PID). */
  readonly pid: number | undefined;
  /** Requests served so far, in order (filled as the server logs them). */
  readonly requests: readonly HttpRequestLog[];
  /** Resolve once at least `count` requests were logged; reject after `timeoutMs` (default 2000). */
  waitForRequests(count: number, timeoutMs?: number): Promise<readonly HttpRequestLog[]>;
  /** Stop the server (SIGTERM, then SIGKILL after 2 s). Idempotent. */
  stop(): Promise<void>;
}

export interface HttpServerOptions {
  /** Network namespace to run in (one the test created). */
  readonly netns: string;
  /** Address to bind, an address of `netns`. */
  readonly address: string;
  /** Directory whose files are served (`GET /a/b` → `<dir>/a/b`). */
  readonly dir: string;
  /** TCP port. @default 0 - an ephemeral port, reported in `port` and `url` */
  readonly port?: number;
  /** Bound on startup. @default 5000 */
  readonly timeoutMs?: number;
}

const SERVER_SCRIPT = fileURLToPath(new URL("./http-server.mjs", import.meta.url));
const liveServers = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startHttpServer(opts: HttpServerOptions): Promise<TestHttpServer> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const child = spawn(
    "setpriv",
    [
      "--pdeathsig",
      "KILL",
      "--",
      "ip",
      "netns",
      "exec",
      opts.netns,
      process.execPath,
      SERVER_SCRIPT,
      opts.dir,
      opts.address,
      String(opts.port ?? 0),
    ],
    { env: BASE_ENV, stdio: ["ignore", "pipe", "pipe"] },
  );
  liveServers.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of liveServers) if (c.pid !== undefined && c.exitCode === null) tryKill(c.pid, "SIGKILL");
    });
  }
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.once("exit", () => liveServers.delete(child));
  child.on("error", () => {});

  const requests: HttpRequestLog[] = [];
  let stderr = "";
  let buffered = "";
  let port: number | undefined;
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString("utf8");
  });
  child.stdout.on("data", (b: Buffer) => {
    buffered += b.toString("utf8");
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const listening = /^LISTENING (\d+)$/.exec(line);
      if (listening) port = Number(listening[1]);
      else if (line.startsWith("{")) requests.push(JSON.parse(line) as HttpRequestLog);
      nl = buffered.indexOf("\n");
    }
  });
  // Never keep the test process alive just for the server.
  child.unref();
  // The pipes are net.Socket instances at run time, which can be unref'd.
  for (const pipe of [child.stdout, child.stderr] as unknown as Array<{ unref?: () => void }>) pipe.unref?.();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.pid !== undefined) tryKill(child.pid, "SIGTERM");
      if (!(await settlesWithin(exited, 2000)) && child.pid !== undefined) {
        tryKill(child.pid, "SIGKILL");
        await settlesWithin(exited, 2000);
      }
    })();
    return stopping;
  };

  const deadline = performance.now() + timeoutMs;
  while (port === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`http server in ${opts.netns} exited during startup (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`http server in ${opts.netns} did not listen within ${timeoutMs} ms: ${stderr.trim()}`);
    }
    await sleep(10);
  }
  const host = opts.address.includes(":") ? `[${opts.address}]` : opts.address;
  return {
    url: `http://${host}:${port}`,
    address: opts.address,
    port,
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    requests,
    async waitForRequests(count: number, waitMs = 2000) {
      const until = performance.now() + waitMs;
      while (requests.length < count) {
        if (performance.now() > until) {
          throw new Error(`http server: ${requests.length} requests logged, expected ${count}: ${JSON.stringify(requests)}`);
        }
        await sleep(10);
      }
      return requests;
    },
    stop,
  };
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
