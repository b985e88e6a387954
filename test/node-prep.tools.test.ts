/**
 * NodeNetworkPrep output against the real tools, without SSH nodes:
 * - every generated install.sh / uninstall.sh passes shellcheck with no findings;
 * - the firewalld changes, applied with firewall-offline-cmd to a temporary
 *   copy of /etc/firewalld, pass `--check-config` and give exactly the
 *   expected zone XML;
 * - the NetworkManager conf.d file passes `NetworkManager --print-config`
 *   with no warning.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import {
  type HostRequirements,
  type NodeNetworkPrepOptions,
  type NodeState,
  type PodCidrPlanOptions,
  planNodeNetworkPrep,
  planPodCidrs,
  renderNodeScripts,
  renderSpec,
} from "@podnet/core";
import { downloadArchiveCommand, downloadFileCommand, firewalldCommands } from "@podnet/core/internal";
import { parse } from "yaml";
import { needs } from "./support/real.js";
import { tempDir } from "./support/temp-dir.js";

const exec = promisify(execFile);
const dir = tempDir("prep-tools");

const planOptions = (podCidrs: string[], serviceCidrs: string[]): PodCidrPlanOptions => ({
  cluster: { podCidrs, serviceCidrs },
  nodes: [
    { name: "cp1", roles: ["control-plane", "etcd"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:1::31/64"] }] },
    { name: "w1", arch: "arm64", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24", "fd00:1::32/64"] }] },
  ],
});
const dual = planPodCidrs(planOptions(["10.244.0.0/16", "fd00:10:244::/56"], ["10.96.0.0/12", "fd00:10:96::/112"])).value;
const v4 = planPodCidrs(planOptions(["10.244.0.0/16"], ["10.96.0.0/12"])).value;
const flannel: HostRequirements = {
  component: "flannel",
  firewall: [{ protocol: "udp", port: 8472, purpose: "vxlan" }],
  unmanagedDevices: ["flannel*", "cni0", "flannel-wg*"],
  trustedInterfaces: ["flannel.+", "cni0"],
  kernelModules: ["vxlan"],
};
const calico: HostRequirements = {
  component: "calico",
  firewall: [
    { protocol: "tcp", port: 179, purpose: "BGP" },
    { protocol: "ipip", purpose: "IPIP" },
    { protocol: "udp", port: 51820, portEnd: 51821, purpose: "WireGuard" },
  ],
  unmanagedDevices: ["cali*", "tunl*", "vxlan.calico", "vxlan-v6.calico", "wireguard.cali", "wg-v6.cali"],
  trustedInterfaces: ["cali+", "tunl0", "vxlan.calico"],
  kernelModules: ["ipip", "ip_set", "wireguard"],
};

/** Every kind of script podnet generates, by name. */
function allScripts(): Record<string, string> {
  const out: Record<string, string> = {};
  const variants: Array<[string, NodeNetworkPrepOptions, HostRequirements[], typeof dual]> = [
    ["defaults", {}, [], dual],
    ["flannel-firewalld", { firewall: "firewalld", masquerade: true, extraPorts: [{ port: 30000, portEnd: 32767 }] }, [flannel], dual],
    [
      "calico-everything",
      { firewall: "firewalld", networkManager: true, swapOff: true, conntrackMax: 1000000, kernelModules: ["nf_conntrack"] },
      [calico],
      v4,
    ],
    ["no-cni-no-nm", { cniPlugins: false, networkManager: false }, [flannel, calico], v4],
  ];
  for (const [name, options, reqs, plan] of variants) {
    for (const n of planNodeNetworkPrep({ plan, options, hostRequirements: reqs }).value.nodes) {
      const s = renderNodeScripts(n.state);
      out[`${name}-${n.node}-install.sh`] = s.install;
      // uninstall.sh depends only on the node name and the scope: one per variant is enough.
      out[`${name}-uninstall.sh`] = s.uninstall;
    }
  }
  const sha = "0".repeat(64);
  const downloads: NodeState = {
    node: "n1",
    scope: "flannel",
    units: [
      {
        id: "flannel/binary",
        description: "flanneld",
        files: [{ path: "/etc/flannel/key.pem", content: "k", mode: "0600", secret: true }],
        commands: [
          downloadFileCommand({
            name: "flanneld",
            url: "https://example.com/flanneld-amd64",
            sha256: sha,
            dest: "/usr/local/bin/flanneld",
          }),
          downloadArchiveCommand({
            name: "cni",
            url: "https://example.com/x.tgz",
            sha256: sha,
            destDir: "/opt/cni/bin",
            members: ["flannel"],
          }),
        ],
      },
    ],
  };
  out["downloads-install.sh"] = renderNodeScripts(downloads).install;
  out["empty-install.sh"] = renderNodeScripts({ node: "n1", units: [] }).install;
  // The CLI example's bundle scripts.
  const bundle = renderSpec(parse(readFileSync(new URL("../examples/cli/cluster.yaml", import.meta.url), "utf8")));
  assert.ok(bundle.value, JSON.stringify(bundle.errors));
  for (const n of bundle.value.nodes) out[`example-${n.node}-install.sh`] = renderNodeScripts(n).install;
  return out;
}

describe("generated scripts pass shellcheck", { skip: needs("shellcheck", "bash") }, () => {
  test("every install.sh and uninstall.sh: no findings, and bash -n parses them", async () => {
    const scripts = allScripts();
    const files = Object.entries(scripts).map(([name, text]) => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    });
    assert.ok(files.length >= 16, `${files.length} scripts`);
    const r = await exec("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", ...files]).then(
      (x) => ({ code: 0, out: x.stdout + x.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    assert.equal(r.out, "");
    assert.equal(r.code, 0);
    for (const f of files) await exec("bash", ["-n", f]);
  });
});

describe("firewalld: the changes applied offline give exactly the expected zones", {
  skip: needs("firewall-offline-cmd", { ok: process.getuid?.() === 0, what: "root" }),
}, () => {
  test("control-plane node, flannel + calico, dual-stack", async () => {
    const fw = planNodeNetworkPrep({
      plan: dual,
      options: { firewall: "firewalld", masquerade: true },
      hostRequirements: [flannel, calico],
    }).value.nodes[0]?.firewall;
    assert.ok(fw);
    const etc = join(dir, "firewalld");
    cpSync("/etc/firewalld", etc, { recursive: true });
    for (const args of firewalldCommands(fw)) await exec("firewall-offline-cmd", ["--system-config", etc, ...args]);
    await exec("firewall-offline-cmd", ["--system-config", etc, "--check-config"]);
    // firewalld copies the zone from /usr/lib/firewalld and appends what was added, in order.
    const shipped = (zone: string) => readFileSync(`/usr/lib/firewalld/zones/${zone}.xml`, "utf8");
    const head = (zone: string) => shipped(zone).match(/<zone[^>]*>\n {2}<short>.*<\/short>\n {2}<description>.*<\/description>\n/)?.[0];
    assert.equal(
      readFileSync(join(etc, "zones/public.xml"), "utf8"),
      `<?xml version="1.0" encoding="utf-8"?>\n${head("public")}  <service name="ssh"/>
  <service name="dhcpv6-client"/>
  <port port="179" protocol="tcp"/>
  <port port="2379-2380" protocol="tcp"/>
  <port port="6443" protocol="tcp"/>
  <port port="10250" protocol="tcp"/>
  <port port="8472" protocol="udp"/>
  <port port="51820-51821" protocol="udp"/>
  <protocol value="4"/>
  <masquerade/>
  <forward/>
</zone>
`,
    );
    assert.equal(
      readFileSync(join(etc, "zones/trusted.xml"), "utf8"),
      `<?xml version="1.0" encoding="utf-8"?>\n${head("trusted")}  <interface name="cali+"/>
  <interface name="cni0"/>
  <interface name="flannel.+"/>
  <interface name="tunl0"/>
  <interface name="vxlan.calico"/>
  <source address="10.244.0.0/16"/>
  <source address="fd00:10:244::/56"/>
  <source address="10.96.0.0/12"/>
  <source address="fd00:10:96::/112"/>
  <forward/>
</zone>
`,
    );
    const list = await exec("firewall-offline-cmd", ["--system-config", etc, "--zone=public", "--list-ports"]);
    assert.equal(list.stdout.trim().split(" ").sort().join(" "), [...fw.ports].sort().join(" "));
  });

  test("a worker gets no API server or etcd ports", async () => {
    const fw = planNodeNetworkPrep({ plan: v4, options: { firewall: "firewalld" }, hostRequirements: [flannel] }).value.nodes[1]?.firewall;
    assert.ok(fw);
    const etc = join(dir, "firewalld-worker");
    cpSync("/etc/firewalld", etc, { recursive: true });
    for (const args of firewalldCommands(fw)) await exec("firewall-offline-cmd", ["--system-config", etc, ...args]);
    await exec("firewall-offline-cmd", ["--system-config", etc, "--check-config"]);
    const xml = readFileSync(join(etc, "zones/public.xml"), "utf8");
    assert.deepEqual(
      [...xml.matchAll(/<port port="([^"]+)" protocol="([^"]+)"\/>/g)].map((m) => `${m[1]}/${m[2]}`),
      ["10250/tcp", "8472/udp"],
    );
    assert.ok(!xml.includes("<masquerade/>"));
  });
});

describe("NetworkManager accepts the conf.d file", { skip: needs("NetworkManager") }, () => {
  test("--print-config: no warning, and the devices are unmanaged", async () => {
    const conf = planNodeNetworkPrep({ plan: dual, options: {}, hostRequirements: [flannel, calico] })
      .value.commonUnits.flatMap((u) => u.files)
      .find((f) => f.path.startsWith("/etc/NetworkManager/"));
    assert.ok(conf);
    const confDir = join(dir, "nm", "conf.d");
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, "podnet.conf"), conf.content);
    // A user's own unmanaged devices survive: podnet appends with +=.
    writeFileSync(join(confDir, "00-user.conf"), "[keyfile]\nunmanaged-devices=interface-name:docker0\n");
    const main = join(dir, "nm", "NetworkManager.conf");
    writeFileSync(main, "");
    const r = await exec("NetworkManager", ["--print-config", `--config=${main}`, `--config-dir=${confDir}`]);
    assert.doesNotMatch(r.stdout + r.stderr, /WARNING/);
    assert.match(
      r.stdout,
      /^unmanaged-devices=interface-name:docker0,interface-name:flannel\*,interface-name:cni0,interface-name:flannel-wg\*,interface-name:cali\*,interface-name:tunl\*,interface-name:vxlan\.calico,interface-name:vxlan-v6\.calico,interface-name:wireguard\.cali,interface-name:wg-v6\.cali$/m,
    );
  });
});
