/**
 * The logic the Pulumi adapters delegate to the core: planning and input checks
 * of flannel mode systemd run remotely (one row per problem code, exact path and
 * message), the config node and node order, the token-pending rule, the step
 * tables, the late wireguard PSK, the apply order of flannel's objects, the
 * Calico etcd TLS presence mapping and the pinned-manifest sha256 check.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CALICO_VERSIONS,
  type CalicoNetworkOptions,
  type CidrPlan,
  checkSpec,
  type FlannelNetworkOptions,
  NetworkPlanError,
  type NodeState,
  type PinnedManifest,
  type Problem,
  planPodCidrs,
  renderCalicoNetwork,
  renderFlannelNetwork,
} from "../src/index.js";
import {
  CALICO_TLS_GIVEN,
  calicoOptionsWithEtcd,
  checkFlannelSystemdRemoteInputs,
  FLANNEL_PSK_PLACEHOLDER,
  type FlannelSystemdPlan,
  type FlannelSystemdRemoteInputs,
  flannelApplyDependencies,
  flannelOptionsWithLatePsk,
  flannelRemoteState,
  flannelRemoteStepName,
  flannelStepTrigger,
  flannelSystemdConfigNode,
  flannelSystemdEtcdWriteConfig,
  flannelSystemdKubeconfig,
  flannelSystemdMaterial,
  flannelSystemdNeedsCerts,
  flannelSystemdNodeOrder,
  flannelSystemdObjectDependencies,
  flannelSystemdTokenSecret,
  flannelTokenPending,
  Problems,
  pinnedManifestMismatch,
  planFlannelSystemdNetwork,
} from "../src/internal/index.js";
import { V4 as CALICO_V4, lanNodes as calicoLanNodes, planOf as calicoPlanOf } from "./calico-fixtures.js";
import { lanNodes, planOf, V4 } from "./flannel-fixtures.js";

type Role = "control-plane" | "etcd" | "worker";

/** The seeds' three hosts; `roles` and `ssh` per node index can be changed. */
function seedPlan(opts: { roles?: (i: number) => Role[]; noSsh?: readonly number[] } = {}): CidrPlan {
  return planPodCidrs({
    cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21 } },
    nodes: [31, 32, 33].map((h, i) => ({
      name: `node${i + 1}`,
      roles: opts.roles ? opts.roles(i) : (["control-plane", "etcd", "worker"] as Role[]),
      interfaces: [{ name: "eth0", addresses: [`192.168.1.${h}/24`] }],
      podCidrs: [["172.30.72.0/21", "172.30.184.0/21", "172.30.32.0/21"][i] as string],
      ...(opts.noSsh?.includes(i) ? {} : { ssh: { host: `192.168.1.${h}` } }),
    })),
  }).value;
}

const RELEASE = { sha256: { amd64: "a".repeat(64) } };

/** Mode systemd, datastore etcd over https; `etcd` overrides the etcd section's fields. */
function etcdOptions(etcd: Record<string, unknown> = {}): FlannelNetworkOptions {
  return {
    mode: "systemd",
    iface: ["eth0"],
    subnetLen: 21,
    systemd: {
      etcd: { endpoints: ["https://192.168.1.31:2379"], prefix: "/kubernetes/network", tls: {}, ...etcd },
      release: RELEASE,
      containerRuntime: "docker",
    },
  };
}

/** Mode systemd, datastore kube-subnet-mgr; `kube` overrides the kubeSubnetMgr section's fields. */
function kubeOptions(kube: Record<string, unknown> = {}): FlannelNetworkOptions {
  return {
    mode: "systemd",
    iface: ["eth0"],
    systemd: {
      datastore: "kube-subnet-mgr",
      kubeSubnetMgr: { apiServer: "https://192.168.1.31:6443", ...kube },
      release: RELEASE,
      containerRuntime: "docker",
    },
  };
}

function spOf(options: FlannelNetworkOptions, plan: CidrPlan = seedPlan()): FlannelSystemdPlan {
  return planFlannelSystemdNetwork(plan, options).value;
}

/** The NetworkPlanError `fn` throws (fails the test when it throws nothing or something else). */
function planError(fn: () => unknown): NetworkPlanError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NetworkPlanError, `expected a NetworkPlanError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a NetworkPlanError, nothing was thrown");
}

const triple = (ps: readonly Problem[]) => ps.map((x) => [x.path, x.code, x.message]);

describe("planFlannelSystemdNetwork", () => {
  test("valid options: the plan of every node in plan order, no warnings", () => {
    const { value: sp, warnings } = planFlannelSystemdNetwork(seedPlan(), etcdOptions());
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      sp.nodes.map((n) => [n.node, n.index, n.etcdLocal, n.ssh?.host]),
      [
        ["node1", 0, true, "192.168.1.31"],
        ["node2", 1, true, "192.168.1.32"],
        ["node3", 2, true, "192.168.1.33"],
      ],
    );
    assert.equal(sp.etcd?.tls, true);
    assert.equal(sp.kube, undefined);
  });

  test("warnings of a valid plan are returned, not thrown", () => {
    const { value: sp, warnings } = planFlannelSystemdNetwork(seedPlan(), { ...kubeOptions(), subnetLen: 21 });
    assert.equal(sp.kube?.namespace, "kube-system");
    assert.deepEqual(triple(warnings), [
      [
        "flannel.subnetLen",
        "flannel.subnet-ignored",
        'flannel.subnetLen: 21 is ignored with datastore "kube-subnet-mgr": each node gets its spec.podCIDR (cluster.nodeMaskSize)',
      ],
    ]);
  });

  test("a schema problem is reported under flannel. (unknown key)", () => {
    const e = planError(() => planFlannelSystemdNetwork(seedPlan(), { ...etcdOptions(), bogus: 1 } as FlannelNetworkOptions));
    assert.deepEqual(
      e.problems.map((x) => [x.path, x.code]),
      [["flannel.bogus", "spec.unknown-key"]],
    );
    assert.ok(e.problems[0]?.message.startsWith('flannel.bogus: unknown key "bogus"; known keys: "mode", "version",'));
  });

  test("a plan problem throws with every error and the warnings alongside", () => {
    const e = planError(() => planFlannelSystemdNetwork(seedPlan(), { mode: "systemd" }));
    assert.deepEqual(triple(e.problems), [
      [
        "flannel.systemd",
        "flannel.systemd.missing",
        'flannel.systemd: mode "systemd" needs a systemd section with at least the release sha256 per architecture and the datastore, e.g. systemd: { datastore: etcd, etcd: { endpoints: [...] }, release: { sha256: { amd64: ... } } }',
      ],
    ]);
    const containerd = kubeOptions();
    const withWarning = {
      ...containerd,
      subnetLen: 21,
      systemd: { ...containerd.systemd, containerRuntime: "containerd" },
    } as FlannelNetworkOptions;
    const e2 = planError(() => planFlannelSystemdNetwork(seedPlan(), withWarning));
    assert.deepEqual(
      e2.problems.map((x) => x.code),
      ["flannel.systemd.cni-plugin-missing"],
    );
    assert.deepEqual(
      e2.warnings.map((x) => x.code),
      ["flannel.subnet-ignored"],
    );
  });
});

describe("checkFlannelSystemdRemoteInputs", () => {
  /** Everything an etcd-TLS plan needs: one key for all nodes, podnet issues the client certificate. */
  const GIVEN: FlannelSystemdRemoteInputs = { etcdClientCert: false, etcdServerCaPem: false, etcdCa: false, kubeCaPem: false };
  const etcdTls = spOf(etcdOptions());
  const etcdHttp = spOf(etcdOptions({ endpoints: ["http://192.168.1.31:2379"], tls: undefined }));
  const kube = spOf(kubeOptions());

  const rows: Array<{ name: string; sp: FlannelSystemdPlan; inputs: FlannelSystemdRemoteInputs | undefined; errors: string[][] }> = [
    // flannel.systemd.cli-file: one row per CLI file field.
    {
      name: "cli-file: systemd.etcd.tls.caFile",
      sp: spOf(etcdOptions({ tls: { caFile: "ca.pem" } })),
      inputs: GIVEN,
      errors: [
        [
          "systemd.etcd.tls.caFile",
          "flannel.systemd.cli-file",
          `systemd.etcd.tls.caFile: "ca.pem" is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and pass the PEM of etcd's server CA as hosts.etcdServerCaPem (or hosts.etcdCa, the CA podnet signs flanneld's certificate with)`,
        ],
      ],
    },
    {
      name: "cli-file: systemd.etcd.tls.certFile",
      sp: spOf(etcdOptions({ tls: { certFile: "flanneld.pem" } })),
      inputs: GIVEN,
      errors: [
        [
          "systemd.etcd.tls.certFile",
          "flannel.systemd.cli-file",
          'systemd.etcd.tls.certFile: "flanneld.pem" is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and pass your client certificate as hosts.etcdClientCert.certPem, or leave it out and podnet issues one with @pulumi/tls',
        ],
      ],
    },
    {
      name: "cli-file: systemd.etcd.tls.keyFile",
      sp: spOf(etcdOptions({ tls: { keyFile: "flanneld-key.pem" } })),
      inputs: GIVEN,
      errors: [
        [
          "systemd.etcd.tls.keyFile",
          "flannel.systemd.cli-file",
          'systemd.etcd.tls.keyFile: "flanneld-key.pem" is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and pass its key as hosts.etcdClientCert.keyPem (a secret), or leave it out and podnet issues one with @pulumi/tls',
        ],
      ],
    },
    {
      name: "cli-file: systemd.kubeSubnetMgr.caFile",
      sp: spOf(kubeOptions({ caFile: "/etc/kubernetes/pki/ca.crt" })),
      inputs: { ...GIVEN, kubeCaPem: true },
      errors: [
        [
          "systemd.kubeSubnetMgr.caFile",
          "flannel.systemd.cli-file",
          `systemd.kubeSubnetMgr.caFile: "/etc/kubernetes/pki/ca.crt" is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and pass the cluster CA's PEM as hosts.kubeCaPem`,
        ],
      ],
    },
    {
      name: "cli-file: systemd.kubeSubnetMgr.tokenFile names the token Secret in the configured namespace",
      sp: spOf(kubeOptions({ tokenFile: "token", namespace: "kube-flannel" })),
      inputs: { ...GIVEN, kubeCaPem: true },
      errors: [
        [
          "systemd.kubeSubnetMgr.tokenFile",
          "flannel.systemd.cli-file",
          'systemd.kubeSubnetMgr.tokenFile: "token" is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and pass the token as hosts.kubeToken (a secret), or leave it out and podnet reads it from the Secret kube-flannel/flannel-token it creates',
        ],
      ],
    },
    {
      name: "hosts-missing",
      sp: etcdTls,
      inputs: undefined,
      errors: [
        ["hosts", "flannel.systemd.hosts-missing", 'hosts: mode "systemd" needs hosts: { privateKey, ... } to reach the nodes over SSH'],
      ],
    },
    {
      name: "hosts-missing: the CLI file fields are still reported, first; nothing else is checked",
      sp: spOf(kubeOptions({ caFile: "ca.crt" }), seedPlan({ noSsh: [1] })),
      inputs: undefined,
      errors: [
        [
          "systemd.kubeSubnetMgr.caFile",
          "flannel.systemd.cli-file",
          `systemd.kubeSubnetMgr.caFile: "ca.crt" is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and pass the cluster CA's PEM as hosts.kubeCaPem`,
        ],
        ["hosts", "flannel.systemd.hosts-missing", 'hosts: mode "systemd" needs hosts: { privateKey, ... } to reach the nodes over SSH'],
      ],
    },
    {
      name: "ssh-missing",
      sp: spOf(etcdOptions(), seedPlan({ noSsh: [2] })),
      inputs: GIVEN,
      errors: [
        ["plan.nodes[2].ssh", "flannel.systemd.ssh-missing", 'plan.nodes[2].ssh: node "node3" has no ssh connection; set nodes[].ssh.host'],
      ],
    },
    {
      name: "key-missing (one key per node name)",
      sp: etcdTls,
      inputs: { ...GIVEN, hasKeyFor: (n) => n !== "node2" },
      errors: [
        [
          "hosts.privateKey.node2",
          "flannel.systemd.key-missing",
          'hosts.privateKey: no key for node "node2"; give one key for all nodes or one per node name',
        ],
      ],
    },
    {
      name: "etcd-ca-missing (own client certificate, no CA)",
      sp: etcdTls,
      inputs: { ...GIVEN, etcdClientCert: true },
      errors: [
        [
          "hosts.etcdServerCaPem",
          "flannel.systemd.etcd-ca-missing",
          "hosts.etcdServerCaPem: with your own etcdClientCert, give the CA of etcd's server certificate (--etcd-cafile) too",
        ],
      ],
    },
    {
      name: "kube-ca-missing",
      sp: kube,
      inputs: GIVEN,
      errors: [
        [
          "hosts.kubeCaPem",
          "flannel.systemd.kube-ca-missing",
          "hosts.kubeCaPem: datastore kube-subnet-mgr needs the cluster CA (PEM) for flanneld's kubeconfig",
        ],
      ],
    },
    {
      name: "several problems: per node (ssh, then key), then the CAs",
      sp: spOf(etcdOptions(), seedPlan({ noSsh: [0] })),
      inputs: { ...GIVEN, etcdClientCert: true, hasKeyFor: () => false },
      errors: [
        ["plan.nodes[0].ssh", "flannel.systemd.ssh-missing", 'plan.nodes[0].ssh: node "node1" has no ssh connection; set nodes[].ssh.host'],
        [
          "hosts.privateKey.node1",
          "flannel.systemd.key-missing",
          'hosts.privateKey: no key for node "node1"; give one key for all nodes or one per node name',
        ],
        [
          "hosts.privateKey.node2",
          "flannel.systemd.key-missing",
          'hosts.privateKey: no key for node "node2"; give one key for all nodes or one per node name',
        ],
        [
          "hosts.privateKey.node3",
          "flannel.systemd.key-missing",
          'hosts.privateKey: no key for node "node3"; give one key for all nodes or one per node name',
        ],
        [
          "hosts.etcdServerCaPem",
          "flannel.systemd.etcd-ca-missing",
          "hosts.etcdServerCaPem: with your own etcdClientCert, give the CA of etcd's server certificate (--etcd-cafile) too",
        ],
      ],
    },
    // Passing rows.
    { name: "ok: etcd TLS, one key for all nodes, podnet issues the certificate", sp: etcdTls, inputs: GIVEN, errors: [] },
    {
      name: "ok: own client certificate with etcd's server CA",
      sp: etcdTls,
      inputs: { ...GIVEN, etcdClientCert: true, etcdServerCaPem: true },
      errors: [],
    },
    {
      name: "ok: own client certificate with hosts.etcdCa",
      sp: etcdTls,
      inputs: { ...GIVEN, etcdClientCert: true, etcdCa: true },
      errors: [],
    },
    {
      name: "ok: plain http etcd needs no CA for a client certificate",
      sp: etcdHttp,
      inputs: { ...GIVEN, etcdClientCert: true },
      errors: [],
    },
    {
      name: "ok: kube-subnet-mgr with the cluster CA and a key per node",
      sp: kube,
      inputs: { ...GIVEN, kubeCaPem: true, hasKeyFor: () => true },
      errors: [],
    },
  ];

  for (const row of rows) {
    test(row.name, () => {
      const p = new Problems();
      checkFlannelSystemdRemoteInputs(row.sp, row.inputs, p);
      assert.deepEqual(triple(p.errors), row.errors);
      assert.deepEqual(p.warnings, []);
    });
  }

  test("every problem code has a failing row", () => {
    const codes = new Set<string>();
    for (const row of rows) for (const [, code] of row.errors) codes.add(code as string);
    assert.deepEqual([...codes].sort(), [
      "flannel.systemd.cli-file",
      "flannel.systemd.etcd-ca-missing",
      "flannel.systemd.hosts-missing",
      "flannel.systemd.key-missing",
      "flannel.systemd.kube-ca-missing",
      "flannel.systemd.ssh-missing",
    ]);
  });
});

describe("flannelSystemdConfigNode and flannelSystemdNodeOrder", () => {
  const order = (sp: FlannelSystemdPlan) => flannelSystemdNodeOrder(sp).map((n) => n.node);
  const rows: Array<{ name: string; sp: FlannelSystemdPlan; config: string; order: string[] }> = [
    { name: "every node in etcd: the first node", sp: spOf(etcdOptions()), config: "node1", order: ["node1", "node2", "node3"] },
    {
      name: "the first etcd member, not the first node",
      sp: spOf(etcdOptions(), seedPlan({ roles: (i) => (i === 0 ? ["control-plane", "worker"] : ["etcd", "worker"]) })),
      config: "node2",
      order: ["node2", "node1", "node3"],
    },
    {
      name: "the last node as the only etcd member",
      sp: spOf(etcdOptions(), seedPlan({ roles: (i) => (i === 2 ? ["etcd"] : ["worker"]) })),
      config: "node3",
      order: ["node3", "node1", "node2"],
    },
    {
      name: "configNode wins over the etcd members",
      sp: spOf(etcdOptions({ configNode: "node2" })),
      config: "node2",
      order: ["node2", "node1", "node3"],
    },
    {
      name: "no etcd member: the first node",
      sp: spOf(etcdOptions(), seedPlan({ roles: () => ["worker"] })),
      config: "node1",
      order: ["node1", "node2", "node3"],
    },
    {
      name: "kube-subnet-mgr: the first etcd member too",
      sp: spOf(kubeOptions(), seedPlan({ roles: (i) => (i === 1 ? ["etcd"] : ["worker"]) })),
      config: "node2",
      order: ["node2", "node1", "node3"],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.equal(flannelSystemdConfigNode(row.sp), row.config);
      assert.deepEqual(order(row.sp), row.order);
    });
  }

  test("the order follows the node index, not the array order, and leaves the plan untouched", () => {
    const sp = spOf(etcdOptions({ configNode: "node2" }));
    const reversed = { ...sp, nodes: [...sp.nodes].reverse() };
    assert.deepEqual(order(reversed), ["node2", "node1", "node3"]);
    assert.deepEqual(
      reversed.nodes.map((n) => n.node),
      ["node3", "node2", "node1"],
    );
  });
});

describe("flannelTokenPending", () => {
  const kube = spOf(kubeOptions());
  const etcd = spOf(etcdOptions());
  const rows: Array<[string, FlannelSystemdPlan, boolean, string | undefined, boolean]> = [
    ["kube, token read back empty", kube, false, "", true],
    ["kube, token read back filled", kube, false, "eyJhbGciOi", false],
    ["kube, token given (even empty)", kube, true, "", false],
    ["kube, token not known yet", kube, false, undefined, false],
    ["etcd has no token", etcd, false, "", false],
  ];
  for (const [name, sp, given, token, want] of rows) test(name, () => assert.equal(flannelTokenPending(sp, given, token), want));
});

describe("flannel systemd step tables", () => {
  const kube = spOf(kubeOptions({ namespace: "kube-flannel" }));
  const etcdTls = spOf(etcdOptions());
  const etcdHttp = spOf(etcdOptions({ endpoints: ["http://192.168.1.31:2379"], tls: undefined }));

  test("flannelRemoteStepName", () => {
    assert.deepEqual(
      ["flannel/certs", "flannel/binaries", "flannel/config", "flannel/service", "flannel/verify", "other/service"].map(
        flannelRemoteStepName,
      ),
      ["certs", "binaries", "config", "start", "verify", "other/service"],
    );
  });

  test("flannelSystemdObjectDependencies", () => {
    assert.deepEqual(
      ["ClusterRole", "ClusterRoleBinding", "ServiceAccount", "Secret", "ConfigMap"].map((k) => flannelSystemdObjectDependencies(k)),
      [[], ["ClusterRole"], [], ["ServiceAccount"], []],
    );
  });

  test("flannelStepTrigger is the sha256 hex of the script", () => {
    assert.equal(flannelStepTrigger("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(flannelStepTrigger(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("flannelSystemdTokenSecret names the namespace", () => {
    assert.equal(flannelSystemdTokenSecret(kube), "kube-flannel/flannel-token");
  });

  test("flannelSystemdNeedsCerts: etcd TLS or a kubeconfig", () => {
    assert.deepEqual(
      [flannelSystemdNeedsCerts(etcdTls), flannelSystemdNeedsCerts(kube), flannelSystemdNeedsCerts(etcdHttp)],
      [true, true, false],
    );
  });

  test("flannelSystemdEtcdWriteConfig: a script with etcd, none without", () => {
    assert.equal(flannelSystemdEtcdWriteConfig(kube), undefined);
    const script = flannelSystemdEtcdWriteConfig(etcdTls);
    assert.ok(script?.includes("/kubernetes/network/config"), "writes <prefix>/config");
    assert.ok(script?.includes(etcdTls.certPaths.cert), "uses the client certificate path");
  });

  test("flannelSystemdMaterial drops absent fields only", () => {
    assert.deepEqual(flannelSystemdMaterial({ etcdCa: "CA", etcdCert: undefined, kubeCa: "", kubeToken: undefined }), {
      etcdCa: "CA",
      kubeCa: "",
    });
  });

  const states: NodeState[] = [
    {
      node: "node1",
      units: [
        { id: "flannel/secrets", description: "stage", files: [], commands: [] },
        {
          id: "flannel/certs",
          description: "certs",
          files: [
            { path: "/etc/other", content: "x", mode: "0600" },
            { path: "/etc/kubernetes/flannel.conf", content: "kubeconfig-1", mode: "0600" },
          ],
          commands: [],
        },
      ],
    },
    { node: "node2", units: [{ id: "flannel/certs", description: "certs", files: [], commands: [] }] },
  ];

  test("flannelRemoteState drops flannel/secrets; an unknown node has no units", () => {
    assert.deepEqual(
      flannelRemoteState(states, "node1").units.map((u) => u.id),
      ["flannel/certs"],
    );
    assert.deepEqual(flannelRemoteState(states, "node9"), { node: "node9", units: [] });
  });

  test("flannelSystemdKubeconfig: the first node's kubeconfig file, else empty", () => {
    assert.equal(flannelSystemdKubeconfig(kube, states), "kubeconfig-1");
    assert.equal(flannelSystemdKubeconfig(kube, undefined), "");
    assert.equal(flannelSystemdKubeconfig(etcdTls, states), "");
  });
});

describe("flannelOptionsWithLatePsk", () => {
  const PSK = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";
  const late = (backend: FlannelNetworkOptions["backend"] | undefined, message: string) => ({ backend, message });
  const rows = [
    late(
      { type: "vxlan" },
      'psk: applies to backend type "wireguard" without backend.psk, but backend is {"type":"vxlan"}; give the key once, with type "wireguard"',
    ),
    late(
      undefined,
      'psk: applies to backend type "wireguard" without backend.psk, but backend is {}; give the key once, with type "wireguard"',
    ),
    late(
      { type: "wireguard", psk: PSK },
      'psk: applies to backend type "wireguard" without backend.psk, but backend is {"type":"wireguard","psk":"(secret)"}; give the key once, with type "wireguard"',
    ),
  ];
  for (const row of rows) {
    test(`rejects backend ${JSON.stringify(row.backend ?? null)} at path psk, never showing the key`, () => {
      const e = planError(() => flannelOptionsWithLatePsk(row.backend ? { backend: row.backend } : {}));
      assert.deepEqual(triple(e.problems), [["psk", "flannel.psk-late", row.message]]);
      assert.ok(!e.message.includes(PSK));
    });
  }

  test("wireguard without psk: the placeholder, other fields kept, input unchanged", () => {
    const options: FlannelNetworkOptions = { iface: ["eth0"], backend: { type: "wireguard", mode: "auto" } };
    const out = flannelOptionsWithLatePsk(options);
    assert.equal(FLANNEL_PSK_PLACEHOLDER, `${"A".repeat(43)}=`);
    assert.deepEqual(out, { iface: ["eth0"], backend: { type: "wireguard", mode: "auto", psk: FLANNEL_PSK_PLACEHOLDER } });
    assert.deepEqual(options, { iface: ["eth0"], backend: { type: "wireguard", mode: "auto" } });
  });

  test("the placeholder passes the core's PSK validation", () => {
    const r = renderFlannelNetwork(flannelOptionsWithLatePsk({ backend: { type: "wireguard" } }), planOf(V4, lanNodes(2)));
    assert.ok(r.value.objects.some((o) => o.kind === "DaemonSet"));
  });
});

describe("flannelApplyDependencies", () => {
  const rows: Array<[string, string[]]> = [
    ["Namespace", []],
    ["ClusterRole", []],
    ["ClusterRoleBinding", ["ClusterRole"]],
    ["ServiceAccount", ["Namespace"]],
    ["ConfigMap", ["Namespace"]],
    ["Secret", ["Namespace"]],
    ["DaemonSet", ["Namespace", "ServiceAccount", "ClusterRoleBinding", "ConfigMap", "Secret"]],
    ["Unknown", []],
  ];
  for (const [kind, want] of rows) test(kind, () => assert.deepEqual(flannelApplyDependencies(kind), want));

  test("every dependency of a rendered object comes before it (the front end creates them in render order)", () => {
    const PSK = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";
    const { value: network } = renderFlannelNetwork({ backend: { type: "wireguard", psk: PSK } }, planOf(V4, lanNodes(2)));
    const kinds = network.objects.map((o) => o.kind);
    assert.ok(kinds.includes("Secret") && kinds.includes("Namespace"), kinds.join(","));
    kinds.forEach((kind, i) => {
      for (const dep of flannelApplyDependencies(kind))
        if (kinds.includes(dep)) assert.ok(kinds.indexOf(dep) < i, `${kind} depends on ${dep}, rendered after it: ${kinds.join(",")}`);
    });
  });
});

describe("calicoOptionsWithEtcd", () => {
  const base: Omit<CalicoNetworkOptions, "etcd"> = { install: "manifest", datastore: "etcd" };
  const endpoints = ["https://10.0.0.1:2379"];
  const rows: Array<{ name: string; etcd: Parameters<typeof calicoOptionsWithEtcd>[1]; want: CalicoNetworkOptions }> = [
    { name: "no etcd", etcd: undefined, want: { install: "manifest", datastore: "etcd" } },
    { name: "endpoints only: no tls key", etcd: { endpoints }, want: { ...base, etcd: { endpoints } } },
    {
      name: "all three parts given",
      etcd: { endpoints, tls: { ca: true, cert: true, key: true } },
      want: { ...base, etcd: { endpoints, tls: { ca: CALICO_TLS_GIVEN, cert: CALICO_TLS_GIVEN, key: CALICO_TLS_GIVEN } } },
    },
    {
      name: "missing parts stay undefined",
      etcd: { endpoints, tls: { ca: true, cert: false, key: false } },
      want: { ...base, etcd: { endpoints, tls: { ca: CALICO_TLS_GIVEN, cert: undefined, key: undefined } } },
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const out = calicoOptionsWithEtcd(base, row.etcd);
      assert.deepEqual(out, row.want);
      assert.notEqual(out, base, "a copy");
      if (!row.etcd) assert.equal(Object.hasOwn(out, "etcd"), false);
      if (row.etcd && !row.etcd.tls) assert.equal(Object.hasOwn(out.etcd ?? {}, "tls"), false);
    });
  }

  const plan = calicoPlanOf(CALICO_V4, calicoLanNodes(2));
  test("with all three parts the core renders", () => {
    const r = renderCalicoNetwork(calicoOptionsWithEtcd(base, { endpoints, tls: { ca: true, cert: true, key: true } }), plan);
    assert.deepEqual(r.value.resolved.etcd, { endpoints, tls: true });
  });

  test("a missing part is the core's tls-partial error, at its spec path", () => {
    const e = planError(() =>
      renderCalicoNetwork(calicoOptionsWithEtcd(base, { endpoints, tls: { ca: true, cert: true, key: false } }), plan),
    );
    assert.deepEqual(triple(e.problems), [
      [
        "calico.etcd.tls",
        "calico.etcd.tls-partial",
        "calico.etcd.tls: has ca and cert but not key; etcd TLS needs the CA, the client certificate and its key, all three or none",
      ],
    ]);
  });
});

describe("pinnedManifestMismatch", () => {
  const m: PinnedManifest = {
    name: "x.yaml",
    url: "https://example.invalid/v1/x.yaml",
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  };
  test("matching text: undefined", () => assert.equal(pinnedManifestMismatch(m, "abc"), undefined));
  test("other text: names the file, the URL, both sums and that nothing was applied", () => {
    assert.equal(
      pinnedManifestMismatch(m, ""),
      "x.yaml from https://example.invalid/v1/x.yaml has sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, expected ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad; nothing applied",
    );
  });
  test("text is hashed as UTF-8", () => {
    // sha256 of the two UTF-8 bytes c3 a9 ("é"), from `printf 'é' | sha256sum`.
    const e: PinnedManifest = { ...m, sha256: "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c" };
    assert.equal(pinnedManifestMismatch(e, "é"), undefined);
  });
  test("a real pin: the release's operator-crds.yaml entry", () => {
    const crds = CALICO_VERSIONS["v3.30.7"]?.crds as PinnedManifest;
    assert.equal(
      pinnedManifestMismatch(crds, "tampered"),
      `operator-crds.yaml from https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/operator-crds.yaml has sha256 ${flannelStepTrigger("tampered")}, expected 53b2e2791915809db8016b72d4ceac9d1dd529d053984eb203c06b94c6639ee3; nothing applied`,
    );
  });
});

describe("spec checks and apply order edge cases", () => {
  test("flannel.systemd.etcd.configNode must name a node of the spec", () => {
    const spec = {
      cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21 } },
      nodes: [
        { name: "node1", roles: ["etcd"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }], podCidrs: ["172.30.72.0/21"] },
      ],
      flannel: {
        mode: "systemd",
        subnetLen: 21,
        systemd: {
          datastore: "etcd",
          etcd: { endpoints: ["http://192.168.1.31:2379"], configNode: "nodeX" },
          release: { sha256: { amd64: "a".repeat(64) } },
        },
      },
    };
    const r = checkSpec(spec);
    const hit = r.errors.find((e) => e.code === "flannel.etcd.config-node-unknown");
    assert.ok(hit, JSON.stringify(r.errors));
    assert.equal(hit.path, "flannel.systemd.etcd.configNode");
    assert.equal(
      hit.message,
      'flannel.systemd.etcd.configNode: "nodeX" is not a node of the spec ("node1"); name the node that has etcdctl and reaches etcd, or leave it out to use the first etcd member',
    );
  });

  test("flannelApplyDependencies ignores names of Object's own members", () => {
    assert.deepEqual(flannelApplyDependencies("constructor"), []);
    assert.deepEqual(flannelApplyDependencies("toString"), []);
  });
});
