/**
 * FlannelNetwork's `verify` option under Pulumi mocks (no engine, nothing
 * runs). Mode systemd: one `remote.Command` per node sending doctor's
 * self-checking script to `bash -s` after every node's last step (a node's
 * routes need the other nodes' flanneld), re-run when a step's script
 * changes; none without `verify`. DaemonSet mode: only with `hosts`, after
 * the DaemonSet; without `hosts` a warning and no command.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  type ExpectedNodeState,
  type FlannelNetworkOptions,
  type PodCidrPlanOptions,
  planDoctorForPlan,
  planPodCidrs,
  renderDoctorCheckScript,
} from "@podnet/core";
import { expectedNodeState } from "@podnet/core/internal";
import * as pulumi from "@pulumi/pulumi";
import { testPem } from "../../../test/support/pem.js";
import { isSecretInput, mockPulumi, reasons, recorder, settle, sha256, unwrap, warningsOf } from "../../../test/support/pulumi-mocks.js";

const { ca: CA_PEM, cert: CERT_PEM, key: KEY_PEM } = testPem();

const created = mockPulumi({
  // Outputs the tls provider would compute.
  computed: {
    "tls:index/privateKey:PrivateKey": { privateKeyPem: KEY_PEM },
    "tls:index/selfSignedCert:SelfSignedCert": { certPem: CA_PEM },
    "tls:index/locallySignedCert:LocallySignedCert": { certPem: CERT_PEM },
    "tls:index/certRequest:CertRequest": {
      certRequestPem: "-----BEGIN CERTIFICATE REQUEST-----\nQ1NS\n-----END CERTIFICATE REQUEST-----\n",
    },
  },
});
let FlannelNetwork: typeof import("@podnet/pulumi").FlannelNetwork;

before(async () => {
  ({ FlannelNetwork } = await import("@podnet/pulumi"));
});

const doctorCommands = (from: number) =>
  created.slice(from).filter((c) => c.type === "command:remote:Command" && c.name.endsWith("-doctor"));

/** The seeds' scenario: three nodes, etcd with TLS, Docker. */
const seeds: PodCidrPlanOptions = {
  cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21, ipv6: 64 } },
  nodes: [31, 32, 33].map((h, i) => ({
    name: `node${i + 1}`,
    roles: ["control-plane", "etcd", "worker"] as ("control-plane" | "etcd" | "worker")[],
    interfaces: [{ name: "eth0", addresses: [`192.168.1.${h}/24`] }],
    podCidrs: [["172.30.72.0/21", "172.30.184.0/21", "172.30.32.0/21"][i] as string],
    ssh: { host: `192.168.1.${h}` },
  })),
};
const flannel: FlannelNetworkOptions = {
  mode: "systemd",
  iface: ["eth0"],
  subnetLen: 21,
  systemd: {
    etcd: { endpoints: ["https://192.168.1.31:2379"], prefix: "/kubernetes/network", tls: {} },
    release: { sha256: { amd64: "a".repeat(64) } },
    containerRuntime: "docker",
  },
};
const NODES = ["node1", "node2", "node3"];

describe("FlannelNetwork verify, mode systemd (Pulumi, mocks)", () => {
  test("verify: true adds one doctor command per node, after every node's last step, triggered by the steps", async () => {
    const rec = recorder();
    const start = created.length;
    const f = new FlannelNetwork(
      "fv",
      { plan: seeds, ...flannel, hosts: { privateKey: pulumi.secret("ssh-key") }, verify: true },
      { transformations: rec.transformations },
    );
    await settle();
    const mine = doctorCommands(start);
    assert.deepEqual(mine.map((c) => c.name).sort(), ["fv-node1-doctor", "fv-node2-doctor", "fv-node3-doctor"]);
    assert.deepEqual(Object.keys(f.verify ?? {}).sort(), NODES);
    const doctor = planDoctorForPlan(planPodCidrs(seeds).value, { flannel }).value;
    assert.ok(doctor);
    for (const [i, node] of NODES.entries()) {
      const c = mine.find((x) => x.name === `fv-${node}-doctor`)!;
      const script = renderDoctorCheckScript(expectedNodeState(doctor, node) as ExpectedNodeState);
      assert.equal(c.inputs.create, "bash -s");
      assert.equal(c.inputs.stdin, script);
      assert.match(script, /podnet-doctor: /);
      // The checks of the network: the next node's subnet must be routed through flannel.1.
      const peer = NODES[(i + 1) % 3] as string;
      assert.match(script, new RegExp(`podnet_fail route\\.missing '172\\.30\\.\\d+\\.0/21 \\(node "${peer}"`));
      assert.deepEqual(
        rec.deps[`fv-${node}-doctor`],
        NODES.map((n) => `fv-${n}-verify`),
        "after every node's last step",
      );
      // The script's sha256, then the binaries, config, service and verify steps' triggers.
      const triggers = c.inputs.triggers as unknown[];
      assert.equal(triggers[0], sha256(script));
      const steps = created.filter((x) => ["binaries", "config", "start", "verify"].map((s) => `fv-${node}-${s}`).includes(x.name));
      assert.deepEqual(
        triggers.slice(1),
        ["binaries", "config", "start", "verify"].map((s) => steps.find((x) => x.name === `fv-${node}-${s}`)?.inputs.triggers),
      );
      assert.ok(isSecretInput(c.inputs.connection), "the connection (with the SSH key) is a secret");
      assert.equal((unwrap(c.inputs.connection) as { host: string }).host, `192.168.1.${31 + i}`);
    }
  });

  test("verify absent: the six steps per node and no doctor command", async () => {
    const start = created.length;
    const f = new FlannelNetwork("fn", { plan: seeds, ...flannel, hosts: { privateKey: "ssh-key" } });
    await settle();
    assert.ok(
      created.slice(start).some((c) => c.name === "fn-node1-verify"),
      "the node steps are there",
    );
    assert.deepEqual(doctorCommands(start), []);
    assert.equal(f.verify, undefined);
  });
});

describe("FlannelNetwork verify, DaemonSet mode (Pulumi, mocks)", () => {
  const cluster: PodCidrPlanOptions = {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [
      { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }], ssh: { host: "192.168.1.31" } },
      { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }], ssh: { host: "192.168.1.32" } },
    ],
  };

  test("verify with hosts: one doctor command per node after the DaemonSet", async () => {
    const rec = recorder();
    const start = created.length;
    new FlannelNetwork("fd", { plan: cluster, hosts: { privateKey: "ssh-key" }, verify: true }, { transformations: rec.transformations });
    await settle();
    const mine = doctorCommands(start);
    assert.deepEqual(mine.map((c) => c.name).sort(), ["fd-n1-doctor", "fd-n2-doctor"]);
    assert.match(String(mine[0]?.inputs.stdin), /podnet-doctor: /);
    assert.deepEqual(rec.deps["fd-n1-doctor"], ["fd-daemonset"]);
  });

  test("verify without hosts: a warning and no doctor command", async () => {
    const start = created.length;
    const seen = warningsOf(() => new FlannelNetwork("fw", { plan: cluster, verify: true }));
    await settle();
    assert.ok(created.slice(start).some((c) => c.name === "fw-daemonset"));
    assert.deepEqual(doctorCommands(start), []);
    assert.ok(
      seen.some((m) => m.startsWith("verify: true, but hosts is not set; no verify step is created")),
      seen.join("\n"),
    );
  });

  test("verify with hosts but a node without ssh fails before any child exists", () => {
    const start = created.length;
    const noSsh = {
      ...cluster,
      nodes: [...(cluster.nodes ?? []).slice(0, 1), { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] }],
    };
    assert.throws(
      () => new FlannelNetwork("fs", { plan: noSsh as PodCidrPlanOptions, hosts: { privateKey: "k" }, verify: true }),
      (e: unknown) =>
        pulumi.InputPropertiesError.isInstance(e) && /plan\.nodes\[1\]\.ssh: verify needs node "n2" reachable over ssh/.test(reasons(e)),
    );
    assert.equal(created.length, start);
  });
});
