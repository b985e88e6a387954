/**
 * flannel's subnet leases in etcd, through the real `etcdctl` with the spec's
 * endpoints and client certificate (API v3 for flannel >= v0.18, else v2).
 * Listing is read-only; `remove` deletes one key and is only called for keys
 * the core marked stale, after they were printed, with `--yes`.
 */
import { execFile } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import type { FlannelLeaseExpectation } from "@podnet/core";
import type { FlannelLease } from "@podnet/core/internal";

/** Where leases are read and deleted (etcdctl here; a fake in unit tests). */
export interface LeaseStore {
  list(): Promise<FlannelLease[]>;
  remove(key: string): Promise<void>;
  /** For messages: the endpoints. */
  readonly where: string;
}

/** etcdctl failed or printed something that is not a lease list; the message says which. */
export class LeaseStoreError extends Error {
  override readonly name = "LeaseStoreError";
}

function run(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(file, [...args], { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      if (e) {
        const first = `${stderr}`.trim().split("\n").pop() || e.message;
        fail(
          new LeaseStoreError(
            `${file} ${args
              .filter((a) => !a.startsWith("--cert") && !a.startsWith("--key"))
              .slice(-3)
              .join(" ")}: ${first}`,
          ),
        );
      } else done({ stdout: `${stdout}`, stderr: `${stderr}` });
    });
  });
}

/** An etcdctl-backed store for the spec's flannel etcd datastore. */
export function etcdctlLeaseStore(
  expected: FlannelLeaseExpectation,
  o: { etcdctl: string; baseDir: string; timeoutMs: number },
): LeaseStore {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(o.baseDir, p));
  const v3 = expected.api === "v3";
  const t = expected.tls ?? {};
  const flag = (v3name: string, v2name: string, file: string | undefined) => (file ? [`--${v3 ? v3name : v2name}=${abs(file)}`] : []);
  const tls = [...flag("cacert", "ca-file", t.caFile), ...flag("cert", "cert-file", t.certFile), ...flag("key", "key-file", t.keyFile)];
  const common = [`--endpoints=${expected.endpoints.join(",")}`, ...tls];
  const env = { ETCDCTL_API: v3 ? "3" : "2" };
  const dir = `${expected.prefix}/subnets`;
  const ctl = (args: readonly string[]) => run(o.etcdctl, [...common, ...args], env, o.timeoutMs);
  return {
    where: expected.endpoints.join(","),
    async list() {
      if (v3) {
        const r = await ctl(["get", "--prefix", `${dir}/`, "-w", "json"]);
        const data = JSON.parse(r.stdout || "{}") as { kvs?: Array<{ key?: string; value?: string }> };
        const dec = (s: string | undefined) => Buffer.from(s ?? "", "base64").toString("utf8");
        return (data.kvs ?? []).map((kv) => ({ key: dec(kv.key), value: dec(kv.value) }));
      }
      let keys: string[];
      try {
        keys = (await ctl(["ls", dir])).stdout
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l !== "");
      } catch (e) {
        if (/Key not found/i.test((e as Error).message)) return [];
        throw e;
      }
      const out: FlannelLease[] = [];
      for (const key of keys) out.push({ key, value: (await ctl(["get", key])).stdout.trim() });
      return out;
    },
    async remove(key: string) {
      await ctl(v3 ? ["del", key] : ["rm", key]);
    },
  };
}
