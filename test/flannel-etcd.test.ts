/**
 * flannel's etcd datastore against a real etcd 3.4 (Debian) with mutual TLS on
 * loopback: the rendered config-writing script, run with a client certificate
 * made to podnet's certificate spec, writes exactly the net-conf JSON, is a
 * no-op the second time, refuses a changed network, reserves node subnets as
 * keys without a lease, cures stale leases; a certificate from another CA is
 * refused; the v2 variant (flannel < v0.18.0) works against `--enable-v2`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { flanneldCertSchema, flannelEtcdSchema, flannelNetworkSchema, planPodCidrs } from "@podnet/core";
import {
  type FlannelEtcdPlan,
  flanneldCertificateSpec,
  Problems,
  planFlannelEtcd,
  renderFlannelEtcdWriteConfig,
  selectFlannelInterfaces,
} from "@podnet/core/internal";
import { BASE_ENV, run, runOk } from "./harness/proc.js";
import { type CertFiles, type EtcdPki, makeClientCert, makePki, type RunningEtcd, startEtcd } from "./support/etcd.js";
import { needs } from "./support/real.js";

const SKIP = needs("etcd", "etcdctl", "openssl", "bash", "shellcheck");

/** The seeds' scenario (000): three nodes, 172.30.0.0/16, SubnetLen 21, vxlan, prefix /kubernetes/network. */
function seedPlan(network = "172.30.0.0/16", pins = ["172.30.72.0/21", "172.30.184.0/21", "172.30.32.0/21"]) {
  return planPodCidrs({
    cluster: { podCidrs: [network], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21, ipv6: 64 } },
    nodes: [31, 32, 33].map((h, i) => ({
      name: `node${i + 1}`,
      roles: ["control-plane", "etcd", "worker"],
      interfaces: [
        { name: "eth0", addresses: [`192.168.1.${h}/24`] },
        { name: "eth1", addresses: [`192.168.3.${h}/24`], defaultRoute: true },
      ],
      podCidrs: [pins[i] as string],
    })),
  }).value;
}

interface Render {
  readonly version?: string;
  readonly network?: string;
  readonly pins?: string[];
  readonly allowNetworkChange?: boolean;
  readonly endpoint: string;
}

function etcdPlan(r: Render): FlannelEtcdPlan {
  const plan = seedPlan(r.network, r.pins);
  const flannel = flannelNetworkSchema.parse({ mode: "systemd", backend: { type: "vxlan" }, iface: ["eth0"], subnetLen: 21 });
  const etcd = flannelEtcdSchema.parse({
    endpoints: [r.endpoint],
    prefix: "/kubernetes/network",
    tls: { caFile: "ca.pem", certFile: "flanneld.pem", keyFile: "flanneld-key.pem" },
    allowNetworkChange: r.allowNetworkChange ?? false,
  });
  const p = new Problems();
  const ifaces = selectFlannelInterfaces(plan, flannel, "flannel", p);
  const out = planFlannelEtcd(
    {
      plan,
      flannel,
      etcd,
      version: r.version ?? "v0.28.9",
      netConf: { network: plan.podCidr.ipv4 as string, enableNFTables: false, backend: flannel.backend },
      publicIps: Object.fromEntries(ifaces.map((i) => [i.node, i.addresses])),
      cleanupOnChange: ["run nodes/<node>/uninstall.sh, then install.sh"],
      base: "flannel",
    },
    p,
  );
  assert.deepEqual(p.errors, []);
  assert.ok(out);
  return out;
}

describe("flannel etcd datastore: config-writing script against etcd 3.4 with mutual TLS", { skip: SKIP }, () => {
  const dir = mkdtempSync(join(tmpdir(), `podnet-etcd-${process.pid}-`));
  let pki: EtcdPki;
  let client: CertFiles;
  let foreign: CertFiles;
  let etcd: RunningEtcd;
  let etcdV2: RunningEtcd;

  /** Runs a rendered script with the given client certificate; returns the result. */
  async function runScript(script: string, cert: CertFiles, name = "write-config.sh") {
    const file = join(dir, name);
    writeFileSync(file, script, { mode: 0o755 });
    return run("bash", [file], {
      env: { ...BASE_ENV, ETCD_CACERT: pki.ca.cert, ETCD_CERT: cert.cert, ETCD_KEY: cert.key },
      timeoutMs: 120_000,
    });
  }

  before(async () => {
    pki = await makePki(join(dir, "pki"));
    const p = new Problems();
    const spec = flanneldCertificateSpec(
      flanneldCertSchema.parse({ organization: "k8s", organizationalUnit: "podnet" }),
      "flannel.systemd.certificate",
      p,
    );
    assert.ok(spec);
    client = await makeClientCert(pki.ca, join(dir, "pki"), spec, "flanneld");
    const otherCa = await makePki(join(dir, "other"), "other-ca");
    foreign = await makeClientCert(otherCa.ca, join(dir, "other"), spec, "flanneld-foreign");
    etcd = await startEtcd({ dir, pki, client });
    etcdV2 = await startEtcd({ dir, pki, client, enableV2: true });
  });

  after(async () => {
    await etcd?.stop();
    await etcdV2?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the client certificate is made to podnet's spec: CN flanneld, O/OU, client authentication only", async () => {
    const text = (await runOk("openssl", ["x509", "-in", client.cert, "-noout", "-subject", "-ext", "extendedKeyUsage,keyUsage"])).stdout;
    assert.match(text, /subject=O = k8s, OU = podnet, CN = flanneld/);
    assert.match(text, /X509v3 Extended Key Usage:\s*\n\s*TLS Web Client Authentication\s*\n/);
    assert.doesNotMatch(text, /Server Authentication/);
  });

  test("the v3 script passes shellcheck with no findings", async () => {
    const script = renderFlannelEtcdWriteConfig(etcdPlan({ endpoint: etcd.endpoint }), {
      caFile: "/etc/flanneld/cert/ca.pem",
      certFile: "/etc/flanneld/cert/flanneld.pem",
      keyFile: "/etc/flanneld/cert/flanneld-key.pem",
    });
    const r = await run("shellcheck", ["-s", "bash", "-"], { input: script });
    assert.equal(r.code, 0, r.stdout);
  });

  test("the v2 script passes shellcheck with no findings", async () => {
    const script = renderFlannelEtcdWriteConfig(etcdPlan({ endpoint: etcd.endpoint, version: "v0.11.0" }), {
      caFile: "/c",
      certFile: "/d",
      keyFile: "/e",
    });
    const r = await run("shellcheck", ["-s", "bash", "-"], { input: script });
    assert.equal(r.code, 0, r.stdout);
  });

  test("a client certificate from another CA is refused and nothing is written", async () => {
    const plan = etcdPlan({ endpoint: etcd.endpoint });
    const r = await runScript(renderFlannelEtcdWriteConfig(plan, { caFile: "/x", certFile: "/y", keyFile: "/z" }), foreign);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /certificate|deadline|tls/i);
    const got = await etcd.ctl(["get", "--prefix", "/kubernetes/network/", "--keys-only"], { client });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.trim(), "");
  });

  test("writes the config, reads back exactly the net-conf JSON, reserves every node subnet without a lease", async () => {
    const plan = etcdPlan({ endpoint: etcd.endpoint });
    assert.equal(plan.configJson, '{"Network":"172.30.0.0/16","SubnetLen":21,"EnableNFTables":false,"Backend":{"Type":"vxlan"}}');
    const r = await runScript(renderFlannelEtcdWriteConfig(plan, { caFile: "/x", certFile: "/y", keyFile: "/z" }), client);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote \/kubernetes\/network\/config/);
    const value = await etcd.ctl(["get", "--print-value-only", "/kubernetes/network/config"], { client });
    assert.equal(value.stdout, `${plan.configJson}\n`);
    const subnets = JSON.parse((await etcd.ctl(["get", "--prefix", "/kubernetes/network/subnets/", "-w", "json"], { client })).stdout) as {
      kvs: Array<{ key: string; value: string; lease?: number }>;
    };
    const kvs = subnets.kvs.map((kv) => ({
      key: Buffer.from(kv.key, "base64").toString(),
      value: Buffer.from(kv.value, "base64").toString(),
      lease: kv.lease,
    }));
    assert.deepEqual(kvs, [
      { key: "/kubernetes/network/subnets/172.30.184.0-21", value: '{"PublicIP":"192.168.1.32","BackendType":"vxlan"}', lease: undefined },
      { key: "/kubernetes/network/subnets/172.30.32.0-21", value: '{"PublicIP":"192.168.1.33","BackendType":"vxlan"}', lease: undefined },
      { key: "/kubernetes/network/subnets/172.30.72.0-21", value: '{"PublicIP":"192.168.1.31","BackendType":"vxlan"}', lease: undefined },
    ]);
  });

  test("re-running is a no-op: says so and leaves the etcd revision unchanged", async () => {
    const plan = etcdPlan({ endpoint: etcd.endpoint });
    const revision = async () =>
      (
        JSON.parse((await etcd.ctl(["get", "/kubernetes/network/config", "-w", "json"], { client })).stdout) as {
          header: { revision: number };
        }
      ).header.revision;
    const before = await revision();
    const r = await runScript(renderFlannelEtcdWriteConfig(plan, { caFile: "/x", certFile: "/y", keyFile: "/z" }), client);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\/kubernetes\/network\/config unchanged/);
    assert.match(r.stdout, /reservation \/kubernetes\/network\/subnets\/172\.30\.72\.0-21 for node node1 unchanged/);
    assert.match(r.stdout, /nothing changed/);
    assert.equal(await revision(), before);
  });

  test("a stale lease is removed and flanneld's own lease becomes a reservation", async () => {
    const grant = await etcd.ctl(["lease", "grant", "86400"], { client });
    const lease = /lease ([0-9a-f]+) granted/.exec(grant.stdout)?.[1];
    assert.ok(lease, grant.stdout);
    // node1 once leased another subnet (seed 004's trouble); node2's flanneld holds its own subnet as a lease.
    const stale = "/kubernetes/network/subnets/172.30.8.0-21";
    const own = "/kubernetes/network/subnets/172.30.184.0-21";
    const ownValue = '{"PublicIP":"192.168.1.32","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"02:a8:7b:b4:af:1b"}}';
    assert.equal(
      (await etcd.ctl(["put", `--lease=${lease}`, stale, '{"PublicIP":"192.168.1.31","BackendType":"vxlan"}'], { client })).code,
      0,
    );
    assert.equal((await etcd.ctl(["put", `--lease=${lease}`, own, ownValue], { client })).code, 0);
    const r = await runScript(
      renderFlannelEtcdWriteConfig(etcdPlan({ endpoint: etcd.endpoint }), { caFile: "/x", certFile: "/y", keyFile: "/z" }),
      client,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed stale lease \/kubernetes\/network\/subnets\/172\.30\.8\.0-21 of node node1/);
    assert.match(r.stdout, /turned the lease \/kubernetes\/network\/subnets\/172\.30\.184\.0-21 of node node2 into a reservation/);
    assert.equal((await etcd.ctl(["get", stale], { client })).stdout, "");
    const fields = (await etcd.ctl(["get", own, "-w", "fields"], { client })).stdout;
    assert.match(fields, /^"Lease" : 0$/m);
    assert.equal((await etcd.ctl(["get", "--print-value-only", own], { client })).stdout, `${ownValue}\n`, "flanneld's VtepMAC is kept");
  });

  test("a subnet held by another host is refused, naming both", async () => {
    const key = "/kubernetes/network/subnets/172.30.32.0-21";
    const held = (await etcd.ctl(["get", "--print-value-only", key], { client })).stdout.trim();
    assert.equal((await etcd.ctl(["put", key, '{"PublicIP":"192.168.1.99","BackendType":"vxlan"}'], { client })).code, 0);
    const r = await runScript(
      renderFlannelEtcdWriteConfig(etcdPlan({ endpoint: etcd.endpoint }), { caFile: "/x", certFile: "/y", keyFile: "/z" }),
      client,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /172\.30\.32\.0-21 is held by PublicIP 192\.168\.1\.99, not node node3 \(192\.168\.1\.33\)/);
    assert.equal((await etcd.ctl(["put", key, held], { client })).code, 0);
  });

  test("a changed Network is refused and the stored config stays as it was", async () => {
    const before = (await etcd.ctl(["get", "--print-value-only", "/kubernetes/network/config"], { client })).stdout;
    const changed = etcdPlan({
      endpoint: etcd.endpoint,
      network: "172.31.0.0/16",
      pins: ["172.31.72.0/21", "172.31.184.0/21", "172.31.32.0/21"],
    });
    const r = await runScript(renderFlannelEtcdWriteConfig(changed, { caFile: "/x", certFile: "/y", keyFile: "/z" }), client);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /holds a different network: Network 172\.30\.0\.0\/16 -> 172\.31\.0\.0\/16;/);
    assert.match(r.stderr, /Set allowNetworkChange/);
    assert.equal((await etcd.ctl(["get", "--print-value-only", "/kubernetes/network/config"], { client })).stdout, before);
  });

  test("with allowNetworkChange the config is replaced, old leases go, new reservations come, cleanup is listed", async () => {
    const changed = etcdPlan({
      endpoint: etcd.endpoint,
      network: "172.31.0.0/16",
      pins: ["172.31.72.0/21", "172.31.184.0/21", "172.31.32.0/21"],
      allowNetworkChange: true,
    });
    const r = await runScript(renderFlannelEtcdWriteConfig(changed, { caFile: "/x", certFile: "/y", keyFile: "/z" }), client);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /network change allowed: Network 172\.30\.0\.0\/16 -> 172\.31\.0\.0\/16;/);
    assert.match(r.stdout, /node cleanup 1: run nodes\/<node>\/uninstall\.sh, then install\.sh/);
    assert.equal(
      (await etcd.ctl(["get", "--print-value-only", "/kubernetes/network/config"], { client })).stdout,
      `${changed.configJson}\n`,
    );
    const keys = (await etcd.ctl(["get", "--prefix", "--keys-only", "/kubernetes/network/subnets/"], { client })).stdout
      .split("\n")
      .filter(Boolean);
    assert.deepEqual(keys, [
      "/kubernetes/network/subnets/172.31.184.0-21",
      "/kubernetes/network/subnets/172.31.32.0-21",
      "/kubernetes/network/subnets/172.31.72.0-21",
    ]);
  });

  test("v2 (flannel < v0.18.0) against etcd --enable-v2: written with the v2 API, invisible to v3, reservations without TTL, re-run is a no-op", async () => {
    const plan = etcdPlan({ endpoint: etcdV2.endpoint, version: "v0.11.0" });
    assert.equal(plan.api, "v2");
    assert.equal(plan.configJson, '{"Network":"172.30.0.0/16","SubnetLen":21,"Backend":{"Type":"vxlan"}}');
    const script = renderFlannelEtcdWriteConfig(plan, { caFile: "/x", certFile: "/y", keyFile: "/z" });
    assert.match(script, /--enable-v2=true/);
    assert.match(script, /etcd >= 3\.6 has no v2 API/);
    const first = await runScript(script, client, "write-config-v2.sh");
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await etcdV2.ctl(["get", "/kubernetes/network/config"], { client, api: 2 })).stdout, `${plan.configJson}\n`);
    assert.equal(
      (await etcdV2.ctl(["get", "/kubernetes/network/config"], { client, api: 3 })).stdout,
      "",
      "v2 keys are not in the v3 keyspace",
    );
    for (const key of ["172.30.72.0-21", "172.30.184.0-21", "172.30.32.0-21"]) {
      const ext = (await etcdV2.ctl(["-o", "extended", "get", `/kubernetes/network/subnets/${key}`], { client, api: 2 })).stdout;
      assert.match(ext, /^TTL: 0$/m, ext);
    }
    const again = await runScript(script, client, "write-config-v2.sh");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /config unchanged/);
    assert.match(again.stdout, /nothing changed/);
  });

  test("v2 against etcd without --enable-v2 fails and says why", async () => {
    const script = renderFlannelEtcdWriteConfig(etcdPlan({ endpoint: etcd.endpoint, version: "v0.14.0" }), {
      caFile: "/x",
      certFile: "/y",
      keyFile: "/z",
    });
    const r = await runScript(script, client, "write-config-v2-off.sh");
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--enable-v2/);
  });
});
