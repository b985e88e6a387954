/**
 * Messages for mistakes of shape, as a newcomer makes them: each says what to write instead.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkSpec } from "../src/index.js";

const cluster = { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"] };
const nodes = [{ name: "m1", interfaces: [{ name: "eth1", addresses: ["172.27.137.240/24"] }] }];
const messages = (spec: unknown) => checkSpec(spec).errors.map((p) => p.message);

describe("shape mistakes say what to write", () => {
  test("a single value where a list is expected: write it as a list", () => {
    assert.deepEqual(messages({ cluster, nodes, flannel: { iface: "eth1" } }), [
      'flannel.iface: expected array, got string "eth1"; write it as a list: ["eth1"]',
    ]);
  });

  test("a missing section names the keys it must have, and the optional ones", () => {
    const spec = {
      cluster,
      nodes,
      flannel: { mode: "systemd", systemd: { datastore: "etcd", etcd: { endpoints: ["https://172.27.137.240:2379"] } } },
    };
    assert.ok(
      messages(spec).includes('flannel.systemd.release: is required (object); give an object with "sha256" (optional: "baseUrl")'),
      messages(spec).join("\n"),
    );
  });

  test("a missing list stays a plain requirement; a missing object lists its keys", () => {
    assert.deepEqual(messages({ cluster: { podCidrs: ["10.244.0.0/16"] }, nodes: [] }), ["cluster.serviceCidrs: is required (array)"]);
    assert.deepEqual(messages({ nodes }), [
      'cluster: is required (object); give an object with "podCidrs", "serviceCidrs" (optional: "nodeMaskSize", "maxPodsPerNode", "reservedCidrs", "dnsServiceIp", "clusterDomain")',
    ]);
  });
});
