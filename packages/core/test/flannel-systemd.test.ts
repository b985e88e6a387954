/**
 * FlannelNetwork mode systemd in the core: the units per node, the CLI and
 * Pulumi secret paths, the validation rules with their messages, and
 * deterministic output. Real tools run in test/flannel-systemd*.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { testPem } from "../../../test/support/pem.js";
import { flannelNetworkSchema, planPodCidrs, renderNodeScripts, renderSpec } from "../src/index.js";
import { flanneldUnit, flannelSystemdClusterFiles, flannelSystemdNodeStates, Problems, planFlannelSystemd } from "../src/internal/index.js";

const { ca: CA, cert: CERT, key: KEY } = testPem();
const SHA = "a".repeat(64);

/** The seeds' scenario as a spec object. */
function seedSpec(flannel: Record<string, unknown> = {}, systemd: Record<string, unknown> = {}) {
  return {
    cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21 } },
    nodes: [31, 32, 33].map((h, i) => ({
      name: `node${i + 1}`,
      roles: ["control-plane", "etcd", "worker"] as ("control-plane" | "etcd" | "worker")[],
      interfaces: [
        { name: "eth0", addresses: [`192.168.1.${h}/24`] },
        { name: "eth1", addresses: [`192.168.3.${h}/24`], defaultRoute: true },
      ],
      podCidrs: [["172.30.72.0/21", "172.30.184.0/21", "172.30.32.0/21"][i] as string],
      ssh: { host: `192.168.1.${h}` },
    })),
    flannel: {
      mode: "systemd",
      iface: ["eth0"],
      subnetLen: 21,
      ...flannel,
      systemd: {
        etcd: {
          endpoints: ["https://192.168.1.31:2379"],
          prefix: "/kubernetes/network",
          tls: { caFile: "ca.pem", certFile: "flanneld.pem", keyFile: "flanneld-key.pem" },
        },
        release: { sha256: { amd64: SHA } },
        containerRuntime: "docker",
        binDir: "/opt/k8s/bin",
        ...systemd,
      },
    },
  };
}

const files = { "ca.pem": CA, "flanneld.pem": CERT };

function errorsOf(spec: unknown, context: Record<string, unknown> = { files }) {
  const r = renderSpec(spec, context);
  return { errors: r.errors.map((e) => [e.code, e.message]), warnings: r.warnings.map((w) => [w.code, w.message]), bundle: r.value };
}

describe("mode systemd through renderSpec (the CLI path)", () => {
  const r = renderSpec(seedSpec(), { files, baseDir: "/srv/spec" });

  test("renders without problems; units per node in apply order", () => {
    assert.deepEqual(r.errors, []);
    const node = r.value?.nodes[0];
    assert.deepEqual(
      node?.units.map((u) => u.id),
      ["flannel/secrets", "flannel/certs", "flannel/binaries", "flannel/config", "flannel/service", "flannel/verify"],
    );
  });

  test("certificates are embedded with mode 0644, the key is not: push-secrets.sh stages it", () => {
    const certs = r.value?.nodes[0]?.units.find((u) => u.id === "flannel/certs");
    assert.deepEqual(
      certs?.files.map((f) => [f.path, f.mode, f.content === CA || f.content === CERT]),
      [
        ["/etc/flanneld/cert/ca.pem", "0644", true],
        ["/etc/flanneld/cert/flanneld.pem", "0644", true],
      ],
    );
    const push = r.value?.files["flannel/push-secrets.sh"]?.content ?? "";
    assert.match(push, /^push 'node1' 'root@192\.168\.1\.31' 22 '' "\$SPEC_DIR"\/'flanneld-key\.pem' /m);
    assert.match(push, /\/run\/podnet-secrets\/flanneld-key\.pem/);
  });

  test("the etcd folder: write-config.sh and the config JSON", () => {
    assert.equal(
      r.value?.files["etcd/config.json"]?.content,
      '{"Network":"172.30.0.0/16","SubnetLen":21,"EnableNFTables":false,"Backend":{"Type":"vxlan"}}\n',
    );
    assert.equal(r.value?.files["etcd/write-config.sh"]?.mode, "0755");
  });

  test("flanneld.service: Type=notify, ordering, flags from the options", () => {
    const unit = r.value?.nodes[0]?.units.find((u) => u.id === "flannel/config")?.files[0]?.content ?? "";
    assert.equal(
      unit.slice(unit.indexOf("ExecStart="), unit.indexOf("\nExecStartPost")),
      [
        "ExecStart=/opt/k8s/bin/flanneld \\",
        "  --etcd-endpoints=https://192.168.1.31:2379 \\",
        "  --etcd-prefix=/kubernetes/network \\",
        "  --etcd-cafile=/etc/flanneld/cert/ca.pem \\",
        "  --etcd-certfile=/etc/flanneld/cert/flanneld.pem \\",
        "  --etcd-keyfile=/etc/flanneld/cert/flanneld-key.pem \\",
        "  --ip-masq \\",
        "  --iface=eth0 \\",
        "  --public-ip=192.168.1.31 \\",
        "  --subnet-file=/run/flannel/subnet.env",
      ].join("\n"),
    );
    assert.match(unit, /^After=network-online\.target etcd\.service$/m);
  });

  test("plan.json holds the facts and no key material", () => {
    const json = JSON.stringify(r.value?.planJson);
    assert.ok(!json.includes("PRIVATE KEY") && !json.includes("BEGIN CERTIFICATE"));
    const f = (r.value?.planJson.components as { flannel: { datastore: string; nodes: Record<string, unknown> } } | undefined)?.flannel;
    assert.ok(f);
    assert.equal(f.datastore, "etcd");
    assert.deepEqual(f.nodes.node2, {
      interface: "eth0",
      addresses: { ipv4: "192.168.1.32" },
      podMtu: 1450,
      interfaceMtu: 1500,
      reservation: "/kubernetes/network/subnets/172.30.184.0-21",
      subnet: "172.30.184.1/21",
    });
  });

  test("same input, byte-identical output", () => {
    const again = renderSpec(seedSpec(), { files, baseDir: "/srv/spec" });
    assert.deepEqual(again.value?.files, r.value?.files);
    for (const [i, n] of (r.value?.nodes ?? []).entries()) {
      const other = again.value?.nodes[i];
      assert.ok(other);
      assert.equal(renderNodeScripts(other).install, renderNodeScripts(n).install);
    }
  });
});

describe("the Pulumi path: key and token travel inside the units as secrets", () => {
  const pl = planPodCidrs({ cluster: seedSpec().cluster, nodes: seedSpec().nodes }).value;
  const config = flannelNetworkSchema.parse(seedSpec().flannel);
  const p = new Problems();
  const sp = planFlannelSystemd({ config, plan: pl, base: "flannel" }, p);

  test("the key is a secret 0600 file; no staging unit and no push script", () => {
    assert.ok(sp, JSON.stringify(p.errors));
    const states = flannelSystemdNodeStates(sp, { etcdCa: CA, etcdCert: CERT, etcdKey: KEY }, p);
    assert.deepEqual(p.errors, []);
    const certs = states[0]?.units.find((u) => u.id === "flannel/certs");
    assert.deepEqual(certs?.files.at(-1), { path: "/etc/flanneld/cert/flanneld-key.pem", content: KEY, mode: "0600", secret: true });
    assert.equal(
      states[0]?.units.find((u) => u.id === "flannel/secrets"),
      undefined,
    );
    assert.equal(flannelSystemdClusterFiles(sp, { etcdCa: CA, etcdCert: CERT, etcdKey: KEY })["flannel/push-secrets.sh"], undefined);
  });

  test("PEM material is checked without ever being shown", () => {
    const q = new Problems();
    assert.ok(sp);
    flannelSystemdNodeStates(
      sp,
      {
        etcdCa: "not a pem",
        etcdCert: CERT,
        etcdKey: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
      },
      q,
    );
    assert.deepEqual(
      q.errors.map((e) => e.code),
      ["cert.pem", "cert.key-encrypted"],
    );
    assert.ok(!q.errors.some((e) => e.message.includes("AAAA") || e.message.includes("not a pem")));
  });
});

describe("validation: every rule with its message", () => {
  test("no systemd section", () => {
    const spec = seedSpec();
    delete (spec.flannel as Record<string, unknown>).systemd;
    assert.deepEqual(
      errorsOf(spec).errors.map(([c]) => c),
      ["flannel.systemd.missing"],
    );
  });

  test("a download without its sha256 is refused, naming the nodes and the asset", () => {
    const spec = seedSpec({}, { release: { sha256: {} } });
    spec.nodes[2] = { ...spec.nodes[2], arch: "arm64" } as (typeof spec.nodes)[number];
    assert.deepEqual(errorsOf(spec).errors, [
      [
        "flannel.systemd.sha256-missing",
        'flannel.systemd.release.sha256.amd64: missing; nodes "node1", "node2" are amd64, and podnet downloads flannel-v0.28.9-linux-amd64.tar.gz only with a pinned sha256 (copy it from the release page or run sha256sum on a copy you trust)',
      ],
      [
        "flannel.systemd.sha256-missing",
        'flannel.systemd.release.sha256.arm64: missing; nodes "node3" are arm64, and podnet downloads flannel-v0.28.9-linux-arm64.tar.gz only with a pinned sha256 (copy it from the release page or run sha256sum on a copy you trust)',
      ],
    ]);
  });

  test("containerd without the CNI plugin", () => {
    assert.deepEqual(errorsOf(seedSpec({}, { containerRuntime: "containerd" })).errors, [
      [
        "flannel.systemd.cni-plugin-missing",
        'flannel.systemd.cniPlugin: containerRuntime "containerd" needs the flannel CNI plugin; give cniPlugin: { sha256: { <arch>: ... } } (version defaults to v1.9.1-flannel3), or use containerRuntime "docker"',
      ],
    ]);
  });

  test("hostile values never reach a script", () => {
    const { errors } = errorsOf(
      seedSpec(
        {},
        {
          binDir: "/opt/k8s bin;rm -rf /",
          docker: { dockerd: "/usr/bin/dockerd $(reboot)" },
          release: { sha256: { amd64: "zz" }, baseUrl: "https://x/?a=$(id)" },
        },
      ),
    );
    assert.deepEqual(
      errors.map(([c]) => c),
      ["node.path", "flannel.systemd.dockerd", "node.url", "node.sha256"],
    );
  });

  test("a wrong version tag, a PSK, missing etcd settings", () => {
    assert.deepEqual(
      errorsOf(seedSpec({ version: "0.28" })).errors.map(([c]) => c),
      ["flannel.systemd.version"],
    );
    assert.deepEqual(
      errorsOf(seedSpec({ backend: { type: "wireguard", psk: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=" } })).errors.map(([c]) => c),
      ["flannel.systemd.psk"],
    );
    assert.deepEqual(
      errorsOf(seedSpec({}, { etcd: undefined })).errors.map(([c]) => c),
      ["flannel.systemd.etcd-missing"],
    );
  });

  test("an unreadable certificate file is named by its spec path", () => {
    assert.deepEqual(errorsOf(seedSpec(), { files: { "ca.pem": CA } }).errors, [
      [
        "flannel.systemd.file-unread",
        'flannel.systemd.etcd.tls.certFile: "flanneld.pem" could not be read (missing or unreadable file); give a readable PEM file',
      ],
    ]);
  });

  test("the CLI must reach every node to stage the key", () => {
    const spec = seedSpec();
    delete (spec.nodes[1] as Record<string, unknown>).ssh;
    assert.deepEqual(
      errorsOf(spec).errors.map(([c, m]) => [c, m?.slice(0, 41)]),
      [["flannel.systemd.ssh-missing", 'nodes[1].ssh: node "node2" has no ssh set']],
    );
  });

  test("Docker without ipMasq keeps Docker's broad SNAT: a warning naming seed 004's trap", () => {
    const { errors, warnings } = errorsOf(seedSpec({ ipMasq: false }));
    assert.deepEqual(errors, []);
    assert.deepEqual(
      warnings.map(([c]) => c),
      ["flannel.systemd.docker-ip-masq"],
    );
  });

  test("kube-subnet-mgr needs its section and warns about ignored subnet keys", () => {
    const { errors, warnings } = errorsOf(seedSpec({}, { datastore: "kube-subnet-mgr" }));
    assert.deepEqual(
      errors.map(([c]) => c),
      ["flannel.systemd.kube-missing"],
    );
    assert.deepEqual(
      warnings.map(([c]) => c),
      ["flannel.systemd.unused", "flannel.subnet-ignored"],
    );
  });
});

describe("unit text", () => {
  test("a literal % in a flag is escaped for systemd; NODE_NAME for the kube subnet manager", () => {
    const unit = flanneldUnit({
      binDir: "/usr/local/bin",
      args: ["--kube-subnet-mgr", "--foo=50%"],
      nodeName: "w1",
      etcdLocal: false,
      runtime: "containerd",
    });
    assert.match(unit, /^ {2}--foo=50%%$/m);
    assert.match(unit, /^Environment=NODE_NAME=w1$/m);
    assert.match(unit, /^Before=containerd\.service kubelet\.service$/m);
    assert.doesNotMatch(unit, /ExecStartPost/);
  });
});
