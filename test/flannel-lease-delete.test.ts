/**
 * The uninstall step of flannel in systemd mode with the etcd datastore
 * deletes the node's subnet key, with etcdctl or, without it, with curl over
 * each etcd endpoint in turn. The rendered bundle passes the real shellcheck
 * with one endpoint and with several, and the curl fallback under bash tries
 * the endpoints in order until one answers.
 *
 * Run: node --import tsx --test test/flannel-lease-delete.test.ts
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { leaseDeleteSnippet } from "@podnet/core/internal";
import { stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { needs } from "./support/real.js";
import { tempDir } from "./support/temp-dir.js";

const spec = (endpoints: readonly string[]) => ({
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [1, 2].map((i) => ({
    name: `n${i}`,
    interfaces: [{ name: "eth0", addresses: [`192.168.1.3${i}/24`] }],
    podCidrs: [`10.244.${i}.0/24`],
  })),
  flannel: {
    mode: "systemd",
    systemd: {
      datastore: "etcd",
      etcd: { endpoints },
      release: { sha256: { amd64: "0".repeat(64) } },
      containerRuntime: "docker",
    },
  },
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe("flannel systemd uninstall: the etcd key deletion loop", { skip: needs("shellcheck", "bash") }, () => {
  const dir = tempDir("lease-delete");
  const cases: Record<string, string[]> = {
    "one endpoint": ["http://192.168.1.31:2379"],
    "three endpoints": ["http://192.168.1.31:2379", "http://192.168.1.32:2379", "http://192.168.1.33:2379"],
  };
  for (const [name, endpoints] of Object.entries(cases)) {
    test(`${name}: the rendered scripts pass shellcheck`, async () => {
      const base = join(dir, name.replaceAll(" ", "-"));
      mkdirSync(base, { recursive: true });
      writeFileSync(join(base, "cluster.yaml"), stringify(spec(endpoints)));
      const r = await podnet("render", join(base, "cluster.yaml"), "--out", join(base, "out"));
      assert.equal(r.code, 0, r.err);
      const scripts = walk(join(base, "out")).filter((f) => f.endsWith(".sh"));
      const loops = scripts.filter((f) => readFileSync(f, "utf8").includes("for ep in"));
      assert.ok(loops.length > 0, "no script holds the endpoint loop");
      const sc = spawnSync("shellcheck", ["-s", "bash", ...scripts], { encoding: "utf8" });
      assert.equal(sc.status, 0, sc.stdout + sc.stderr);
    });
  }

  test("without etcdctl, curl tries each endpoint in order until one deletes the key", () => {
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    // curl stand-in: logs the URL; the first endpoint is down.
    writeFileSync(
      join(bin, "curl"),
      `#!/bin/bash\nfor a in "$@"; do url=$a; done\nprintf '%s\\n' "$url" >>"${dir}/curl.log"\n[[ $url != http://192.168.1.31:2379/* ]]\n`,
    );
    chmodSync(join(bin, "curl"), 0o755);
    for (const [name, endpoints] of Object.entries(cases)) {
      writeFileSync(join(dir, "curl.log"), "");
      const snippet = leaseDeleteSnippet({
        api: "v3",
        endpoints,
        prefix: "/coreos.com/network",
        key: "/coreos.com/network/subnets/10.244.1.0-24",
        subnetFile: "/run/flannel/subnet.env",
      });
      const script = `set -euo pipefail\npodnet_log() { printf '%s\\n' "$*"; }\n${snippet}\n`;
      const r = spawnSync("bash", ["-c", script], {
        encoding: "utf8",
        env: { PATH: `${bin}:/usr/bin:/bin` },
      });
      assert.equal(r.status, 0, r.stderr);
      const tried = readFileSync(join(dir, "curl.log"), "utf8").trim().split("\n");
      if (endpoints.length === 1) {
        assert.deepEqual(tried, ["http://192.168.1.31:2379/v3/kv/deleterange"], name);
        assert.match(r.stdout, /WARNING: could not delete etcd key/);
      } else {
        assert.deepEqual(tried, ["http://192.168.1.31:2379/v3/kv/deleterange", "http://192.168.1.32:2379/v3/kv/deleterange"], name);
        assert.match(r.stdout, /^deleted etcd key \/coreos\.com\/network\/subnets\/10\.244\.1\.0-24$/m);
      }
    }
  });
});
