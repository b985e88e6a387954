/**
 * A real etcd (the Debian etcd-server 3.4 package) for tests: mutual TLS on
 * loopback with certificates made by openssl, unique ports, a temporary data
 * directory, stopped by PID.
 *
 * ```ts
 * const pki = await makePki(dir);                       // CA + server certificate
 * const client = await makeClientCert(pki, dir, spec);  // to a certificate spec
 * const etcd = await startEtcd({ dir, pki });
 * after(() => etcd.stop());
 * await etcd.ctl(["get", "/k"], { client });            // ETCDCTL_API=3
 * ```
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { BASE_ENV, isRunning, type RunResult, run, runOk, sleep } from "../harness/proc.js";

/** A certificate and its key, as files. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** A CA plus the etcd server certificate it signed (SAN IP:127.0.0.1, serverAuth and clientAuth). */
export interface EtcdPki {
  readonly ca: CertFiles;
  readonly server: CertFiles;
}

/** What a client certificate must look like (podnet's `FlanneldCertificateSpec` fits). */
export interface ClientCertRequest {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  /** "RSA" (rsaBits), "ECDSA" (ecdsaCurve P256/P384/P521) or "ED25519". */
  readonly keyAlgorithm: string;
  readonly rsaBits?: number;
  readonly ecdsaCurve?: string;
  readonly validityHours: number;
  /** Pulumi tls `allowedUses` names: digital_signature, key_encipherment, client_auth, server_auth. */
  readonly allowedUses: readonly string[];
}

const KEY_USAGE: Readonly<Record<string, string>> = {
  digital_signature: "digitalSignature",
  key_encipherment: "keyEncipherment",
  cert_signing: "keyCertSign",
  crl_signing: "cRLSign",
};
const EXT_KEY_USAGE: Readonly<Record<string, string>> = { client_auth: "clientAuth", server_auth: "serverAuth" };

async function openssl(args: readonly string[]): Promise<RunResult> {
  return runOk("openssl", args, { timeoutMs: 60_000 });
}

function keyArgs(req: Pick<ClientCertRequest, "keyAlgorithm" | "rsaBits" | "ecdsaCurve">): string[] {
  switch (req.keyAlgorithm) {
    case "RSA":
      return ["-newkey", `rsa:${req.rsaBits ?? 2048}`];
    case "ECDSA": {
      const curve = { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" }[req.ecdsaCurve ?? "P256"] ?? "P-256";
      return ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${curve}`];
    }
    case "ED25519":
      return ["-newkey", "ed25519"];
    default:
      throw new Error(`unknown key algorithm ${req.keyAlgorithm}`);
  }
}

/** A self-signed CA (EC P-256) named `name`, valid ten years (podnet warns about certificates expiring within 30 days). */
export async function makeCa(dir: string, name = "podnet-test-ca"): Promise<CertFiles> {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "3650",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "basicConstraints=critical,CA:true",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return { cert, key };
}

async function sign(
  ca: CertFiles,
  dir: string,
  name: string,
  subject: string,
  keyOpts: string[],
  ext: string,
  days: string,
): Promise<CertFiles> {
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  await openssl(["req", ...keyOpts, "-nodes", "-keyout", key, "-out", csr, "-subj", subject]);
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-out",
    cert,
    "-days",
    days,
    "-extfile",
    extFile,
  ]);
  return { cert, key };
}

/** CA plus a server certificate for 127.0.0.1, localhost and any extra IP addresses. */
export async function makePki(dir: string, caName = "podnet-test-ca", extraIps: readonly string[] = []): Promise<EtcdPki> {
  const ca = await makeCa(dir, caName);
  const server = await sign(
    ca,
    dir,
    "etcd-server",
    "/CN=etcd-server",
    ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    // clientAuth too, as cfssl's "kubernetes" profile and kubeadm give etcd: etcd's own JSON gateway
    // connects to its gRPC server with this certificate when --client-cert-auth is on.
    `subjectAltName=IP:127.0.0.1,DNS:localhost${extraIps.map((ip) => `,IP:${ip}`).join("")}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n`,
    "1",
  );
  return { ca, server };
}

/** Escapes a value for an openssl `-subj` component. */
function subj(v: string): string {
  return v.replace(/([/=+,\\])/g, "\\$1");
}

/** A client certificate made exactly to `req` (subject, key algorithm, usages, validity), signed by `ca`. */
export async function makeClientCert(ca: CertFiles, dir: string, req: ClientCertRequest, name = "client"): Promise<CertFiles> {
  const subject = [
    req.organization ? `/O=${subj(req.organization)}` : "",
    req.organizationalUnit ? `/OU=${subj(req.organizationalUnit)}` : "",
    `/CN=${subj(req.commonName)}`,
  ].join("");
  const ku = req.allowedUses.map((u) => KEY_USAGE[u]).filter((x): x is string => x !== undefined);
  const eku = req.allowedUses.map((u) => EXT_KEY_USAGE[u]).filter((x): x is string => x !== undefined);
  const ext = `${ku.length ? `keyUsage=critical,${ku.join(",")}\n` : ""}${eku.length ? `extendedKeyUsage=${eku.join(",")}\n` : ""}`;
  const days = String(Math.max(1, Math.ceil(req.validityHours / 24)));
  return sign(ca, dir, name, subject, keyArgs(req), ext, days);
}

/** A free TCP port on 127.0.0.1 (bound and released; etcd binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface EtcdOptions {
  /** Scratch directory (the data dir and log go below it). */
  readonly dir: string;
  readonly pki: EtcdPki;
  /** Serve the v2 API as well (`--enable-v2`, etcd 3.4/3.5 only). @default false */
  readonly enableV2?: boolean;
  /** A client certificate of the CA, used to wait until etcd answers. */
  readonly client: CertFiles;
  /** Run inside this network namespace (one the test created), listening on `host`. @default - the host's loopback */
  readonly netns?: string;
  /** Address to listen on. @default "127.0.0.1" */
  readonly host?: string;
}

export interface RunningEtcd {
  /** `https://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly pid: number;
  readonly log: string;
  /** etcdctl against this etcd with a client certificate; `api` 3 by default. */
  ctl(args: readonly string[], opts: { client: CertFiles; api?: 2 | 3; input?: string }): Promise<RunResult>;
  /** Stops etcd by PID and waits until it is gone. */
  stop(): Promise<void>;
}

/** Starts etcd with mutual TLS on loopback; resolves once a request with `opts.client` succeeds (bounded: 20 s). */
export async function startEtcd(opts: EtcdOptions): Promise<RunningEtcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const host = opts.host ?? "127.0.0.1";
  const endpoint = `https://${host}:${clientPort}`;
  const peer = `http://${host}:${peerPort}`;
  // `ip netns exec` execs etcd, so the PID stays the one spawned.
  const inNs = (argv: string[]): [string, string[]] =>
    opts.netns ? ["ip", ["netns", "exec", opts.netns, ...argv]] : [argv[0] as string, argv.slice(1)];
  const name = `podnet-${process.pid}-${clientPort}`;
  const data = join(opts.dir, `etcd-data-${clientPort}`);
  const log = join(opts.dir, `etcd-${clientPort}.log`);
  const fd = openSync(log, "a");
  const [exe, argv] = inNs([
    "etcd",
    "--name",
    name,
    "--data-dir",
    data,
    "--listen-client-urls",
    endpoint,
    "--advertise-client-urls",
    endpoint,
    "--listen-peer-urls",
    peer,
    "--initial-advertise-peer-urls",
    peer,
    "--initial-cluster",
    `${name}=${peer}`,
    "--cert-file",
    opts.pki.server.cert,
    "--key-file",
    opts.pki.server.key,
    "--trusted-ca-file",
    opts.pki.ca.cert,
    "--client-cert-auth",
    "--logger=zap",
    "--log-outputs=stderr",
    ...(opts.enableV2 ? ["--enable-v2=true"] : []),
  ]);
  const child = spawn(exe, argv, { env: BASE_ENV, stdio: ["ignore", fd, fd], detached: false });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error("etcd did not start");
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  // Never outlive the test process, even when a suite forgets to stop etcd.
  const onExit = (): void => {
    if (!exited) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  process.once("exit", onExit);
  const ctl = (args: readonly string[], o: { client: CertFiles; api?: 2 | 3; input?: string }): Promise<RunResult> => {
    const api = o.api ?? 3;
    const tls =
      api === 3
        ? ["--cacert", opts.pki.ca.cert, "--cert", o.client.cert, "--key", o.client.key]
        : ["--ca-file", opts.pki.ca.cert, "--cert-file", o.client.cert, "--key-file", o.client.key];
    const [ctlExe, ctlArgs] = inNs(["etcdctl", "--endpoints", endpoint, ...tls, ...args]);
    return run(ctlExe, ctlArgs, {
      env: { ...BASE_ENV, ETCDCTL_API: String(api) },
      timeoutMs: 30_000,
      ...(o.input !== undefined ? { input: o.input } : {}),
    });
  };
  const stop = async (): Promise<void> => {
    process.removeListener("exit", onExit);
    if (!exited && isRunning(pid)) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < 100 && !exited && isRunning(pid); i++) await sleep(50);
    if (!exited && isRunning(pid)) process.kill(pid, "SIGKILL");
  };
  const etcd: RunningEtcd = { endpoint, pid, log, ctl, stop };
  try {
    await waitReady(etcd, opts.client);
  } catch (e) {
    await stop();
    throw e;
  }
  return etcd;
}

/** Waits until etcd answers a request made with `client` (bounded: 20 s). */
export async function waitReady(etcd: RunningEtcd, client: CertFiles): Promise<void> {
  let last = "";
  for (let i = 0; i < 200; i++) {
    const r = await etcd.ctl(["endpoint", "health", "--command-timeout=2s"], { client });
    if (r.code === 0) return;
    last = r.stderr.trim();
    await sleep(100);
  }
  throw new Error(`etcd at ${etcd.endpoint} not healthy after 20 s: ${last} (log: ${etcd.log})`);
}
