/**
 * Doctor check of the CNI configuration: the network's conflist exists, is
 * the first config the container runtime loads, and delegates to its plugin.
 */
import type { DiagnosisBuilder } from "../builder.js";
import { dirFact, fileFact, type NodeFacts } from "../facts.js";
import { doctorHints } from "../hints.js";
import type { ExpectedNodeState } from "../model.js";

/** libcni's order: file names sorted bytewise, only .conf, .conflist and .json count. */
export function cniConfigOrder(names: readonly string[]): string[] {
  return names.filter((n) => /\.(conf|conflist|json)$/.test(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Checks the network's CNI config: present, first in load order, delegating to its plugin. */
export function checkCni(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder): void {
  const cni = expected.cni;
  if (!cni) return;
  const check = "cni";
  const dir = dirFact(facts.sections, cni.confDir);
  if (!dir.ok) {
    d.cannot(check, dir.reason);
    return;
  }
  const path = `${cni.confDir}/${cni.file}`;
  const order = cniConfigOrder(dir.value ?? []);
  const hints = doctorHints(expected);
  const writer = hints.cniWriter;
  if (!order.includes(cni.file)) {
    d.find(
      check,
      "cni.missing",
      `${path} (the ${cni.pluginType} CNI config)`,
      dir.value === undefined
        ? `no directory ${cni.confDir}`
        : order.length > 0
          ? `${cni.confDir} holds ${order.join(", ")}`
          : `${cni.confDir} holds no CNI config`,
      `${writer} writes it; without it the container runtime has no pod network (pods stay ContainerCreating). Check that step's logs and restart it`,
    );
    return;
  }
  d.ran(check);
  const first = order[0] as string;
  if (first !== cni.file) {
    const before = order.slice(0, order.indexOf(cni.file));
    d.find(
      check,
      "cni.shadowed",
      `${cni.file} sorts first in ${cni.confDir} (the container runtime uses the first config by name)`,
      `${before.join(", ")} sort${before.length === 1 ? "s" : ""} before it: pods get ${first}'s network`,
      `move ${before.map((b) => `${cni.confDir}/${b}`).join(" and ")} out of ${cni.confDir} (e.g. containerd's 10-containerd-net.conflist${hints.cniShadowedTip}), then restart the container runtime`,
    );
  }
  const file = fileFact(facts.sections, path);
  if (!file.ok || file.value === undefined) return;
  let type: unknown;
  try {
    const conf = JSON.parse(file.value) as { plugins?: Array<{ type?: unknown }>; type?: unknown };
    type = Array.isArray(conf.plugins) ? conf.plugins[0]?.type : conf.type;
  } catch {
    d.find(
      check,
      "cni.invalid",
      `${path} is a JSON CNI config`,
      `${path} is not valid JSON`,
      `${writer} rewrites it: delete the file and restart that step`,
    );
    return;
  }
  if (type !== cni.pluginType) {
    d.find(
      check,
      "cni.invalid",
      `${path} delegates to the "${cni.pluginType}" plugin first`,
      `its first plugin is ${JSON.stringify(type)}`,
      `${writer} rewrites it: delete the file and restart that step`,
    );
  }
}
