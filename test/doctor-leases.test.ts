/**
 * `podnet doctor --fix-leases` against a real etcd (Debian etcd 3.4, mutual TLS
 * on loopback): the seed-004 stale lease (a node's old subnet, reused by
 * flanneld for its PublicIP) and a removed node's lease are listed, left alone
 * without --yes, and deleted with it; the reservations that match the plan
 * and keys doctor does not understand stay. Both etcd APIs flannel speaks.
 *
 * Run: node --import tsx --test test/doctor-leases.test.ts
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { type CertFiles, type EtcdPki, makeClientCert, makePki, type RunningEtcd, startEtcd } from "./support/etcd.js";
import { needs } from "./support/real.js";

const skip = needs("etcd", "etcdctl", "openssl");
const PREFIX = "/coreos.com/network";

function spec(endpoint: string, pki: EtcdPki, client: CertFiles, version: string): Record<string, unknown> {
  const node = (i: number) => ({
    name: `node${i}`,
    interfaces: [{ name: "eth0", addresses: [`192.168.1.3${i}/24`] }],
    podCidrs: [`10.244.${i}.0/24`],
    ssh: { host: `192.168.1.3${i}` },
  });
  return {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [node(1), node(2), node(3)],
    flannel: {
      mode: "systemd",
      version,
      systemd: {
        datastore: "etcd",
        etcd: { endpoints: [endpoint], prefix: PREFIX, tls: { caFile: pki.ca.cert, certFile: client.cert, keyFile: client.key } },
        release: { sha256: { amd64: "0".repeat(64) } },
        containerRuntime: "docker",
      },
    },
  };
}

for (const api of [3, 2] as const) {
  describe(`podnet doctor --fix-leases, etcd API v${api}`, { skip }, () => {
    let dir: string;
    let etcd: RunningEtcd;
    let client: CertFiles;
    let file: string;

    const put = async (key: string, value: string) => {
      const r = await etcd.ctl(api === 3 ? ["put", key, value] : ["set", key, value], { client, api });
      assert.equal(r.code, 0, r.stderr);
    };
    const keys = async (): Promise<string[]> => {
      const r =
        api === 3
          ? await etcd.ctl(["get", "--prefix", "--keys-only", `${PREFIX}/subnets/`], { client, api })
          : await etcd.ctl(["ls", `${PREFIX}/subnets`], { client, api });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .sort();
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `podnet-doctor-leases-${api}-`));
      const pki = await makePki(dir);
      client = await makeClientCert(pki.ca, dir, {
        commonName: "flanneld",
        keyAlgorithm: "ECDSA",
        ecdsaCurve: "P256",
        validityHours: 24,
        allowedUses: ["digital_signature", "client_auth"],
      });
      etcd = await startEtcd({ dir, pki, client, enableV2: api === 2 });
      // flannel v0.18.0 switched to the v3 API; v0.17.0 still speaks v2.
      file = join(dir, "cluster.yaml");
      writeFileSync(file, stringify(spec(etcd.endpoint, pki, client, api === 3 ? "v0.28.9" : "v0.17.0")));
      const lease = (ip: string) => JSON.stringify({ PublicIP: ip, BackendType: "vxlan" });
      await put(`${PREFIX}/subnets/10.244.1.0-24`, lease("192.168.1.31")); // node1's reservation
      await put(`${PREFIX}/subnets/10.244.2.0-24`, lease("192.168.1.32")); // node2's reservation
      await put(`${PREFIX}/subnets/10.244.36.0-24`, lease("192.168.1.33")); // node3's old lease (seed 004)
      await put(`${PREFIX}/subnets/10.244.9.0-24`, lease("192.168.1.99")); // a removed node
      await put(`${PREFIX}/subnets/notes`, "hand-written"); // not a lease: never touched
    });

    after(async () => {
      await etcd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test("lists the stale leases and changes nothing without --yes (exit 1)", async () => {
      const before = await keys();
      const r = await podnet("doctor", file, "--fix-leases");
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.out,
        /stale {2}\/coreos\.com\/network\/subnets\/10\.244\.36\.0-24 .*node "node3" \(192\.168\.1\.33\) should hold 10\.244\.3\.0-24/,
      );
      assert.match(r.out, /stale {2}\/coreos\.com\/network\/subnets\/10\.244\.9\.0-24 .*192\.168\.1\.99 is no node of the spec/);
      assert.match(r.out, /ok {5}\/coreos\.com\/network\/subnets\/10\.244\.1\.0-24 \(node "node1"\)/);
      assert.match(r.out, /skip {3}\/coreos\.com\/network\/subnets\/notes/);
      assert.match(r.out, /run again with --fix-leases --yes to delete these 2 stale leases/);
      assert.deepEqual(await keys(), before);
    });

    test("--yes deletes exactly the stale leases, then there are none (exit 0)", async () => {
      const r = await podnet("doctor", file, "--fix-leases", "--yes");
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /deleted \/coreos\.com\/network\/subnets\/10\.244\.36\.0-24/);
      assert.match(r.out, /restart flanneld on "node3"/);
      assert.deepEqual(await keys(), [`${PREFIX}/subnets/10.244.1.0-24`, `${PREFIX}/subnets/10.244.2.0-24`, `${PREFIX}/subnets/notes`]);
      const again = await podnet("doctor", file, "--fix-leases", "--json");
      assert.equal(again.code, 0, again.err);
      const review = JSON.parse(again.out) as { stale: unknown[]; kept: Array<{ node: string }> };
      assert.deepEqual(review.stale, []);
      assert.deepEqual(
        review.kept.map((k) => k.node),
        ["node1", "node2"],
      );
    });

    test("an etcd that cannot be reached is exit 2, named", async () => {
      const other = join(dir, "down.yaml");
      const s = spec("https://127.0.0.1:1", { ca: client, server: client }, client, api === 3 ? "v0.28.9" : "v0.17.0");
      writeFileSync(other, stringify(s));
      const r = await podnet("doctor", other, "--fix-leases", "--timeout", "5");
      assert.equal(r.code, 2);
      assert.match(r.err, /cannot list the leases in etcd https:\/\/127\.0\.0\.1:1/);
    });
  });
}

describe("podnet doctor --fix-leases without the etcd datastore", () => {
  test("is a usage error (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-doctor-leases-"));
    try {
      const file = join(dir, "k.yaml");
      writeFileSync(file, stringify({ cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes: [], flannel: {} }));
      const r = await podnet("doctor", file, "--fix-leases");
      assert.equal(r.code, 2);
      assert.match(r.err, /--fix-leases works on flannel's etcd datastore/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
