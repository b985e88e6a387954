/**
 * The spec's two types, as a user of @podnet/core meets them: `PodnetSpec` is what a user writes
 * (defaults left out), `PodnetConfig` what `checkSpec` returns (every default filled in). The
 * type half of this file is checked by `pnpm typecheck` (test/ is part of it).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkSpec, type PodnetConfig, type PodnetSpec } from "@podnet/core";

test("a spec written as the README shows is a PodnetSpec; checkSpec returns it as a PodnetConfig", () => {
  const spec: PodnetSpec = {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [{ name: "node1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] }],
    flannel: {},
  };
  // @ts-expect-error the parsed type requires the defaults a user leaves out
  const notParsed: PodnetConfig = spec;
  assert.ok(notParsed);
  const r = checkSpec(spec);
  assert.deepEqual(r.errors, []);
  const parsed: PodnetConfig | undefined = r.value?.spec;
  assert.equal(parsed?.flannel?.mode, "daemonset");
  assert.deepEqual(parsed?.nodes[0]?.roles, ["worker"]);
});
