/**
 * flanneld command-line flags, shared by the DaemonSet and the systemd unit.
 * @see https://github.com/flannel-io/flannel/blob/master/Documentation/configuration.md
 */
import { type Problems, show } from "../shared/problems.js";
import type { FlannelNetworkConfig } from "./options.js";

export interface FlanneldArgsInput {
  readonly ipMasq: boolean;
  /** `--kube-subnet-mgr` (the kube API holds node subnets instead of etcd). */
  readonly kubeSubnetMgr: boolean;
  /** `--healthz-port`; 0 or undefined leaves it off. */
  readonly healthzPort?: number;
  readonly iface?: readonly string[];
  readonly ifaceRegex?: readonly string[];
  readonly ifaceCanReach?: string;
  /** `--public-ip` (systemd mode, per node). */
  readonly publicIp?: string;
  /** `--public-ipv6` (systemd mode, per node). */
  readonly publicIpv6?: string;
  /** Appended last, already validated with checkFlanneldExtraArgs. */
  readonly extraArgs?: readonly string[];
}

/** flanneld's flags in mode `daemonset`: the kube subnet manager with the section's selectors and extra flags. */
export function flanneldDaemonSetArgs(c: FlannelNetworkConfig, healthzPort: number): string[] {
  return flanneldArgs({
    ipMasq: c.ipMasq,
    kubeSubnetMgr: true,
    healthzPort,
    iface: c.iface,
    ifaceRegex: c.ifaceRegex,
    ...(c.ifaceCanReach !== undefined ? { ifaceCanReach: c.ifaceCanReach } : {}),
    extraArgs: c.extraArgs,
  });
}

/**
 * The flags, in upstream's order (`--ip-masq --kube-subnet-mgr
 * --healthz-port=…`), then interface selection, then the extra flags.
 */
export function flanneldArgs(input: FlanneldArgsInput): string[] {
  const out: string[] = [];
  if (input.ipMasq) out.push("--ip-masq");
  if (input.kubeSubnetMgr) out.push("--kube-subnet-mgr");
  if (input.healthzPort) out.push(`--healthz-port=${input.healthzPort}`);
  for (const i of input.iface ?? []) out.push(`--iface=${i}`);
  for (const r of input.ifaceRegex ?? []) out.push(`--iface-regex=${r}`);
  if (input.ifaceCanReach !== undefined) out.push(`--iface-can-reach=${input.ifaceCanReach}`);
  if (input.publicIp !== undefined) out.push(`--public-ip=${input.publicIp}`);
  if (input.publicIpv6 !== undefined) out.push(`--public-ipv6=${input.publicIpv6}`);
  out.push(...(input.extraArgs ?? []));
  return out;
}

/** Flags podnet sets from options; giving them again through extraArgs is an error naming the option. */
export const FLANNELD_MANAGED_FLAGS: Readonly<Record<string, string>> = {
  "ip-masq": "flannel.ipMasq",
  "kube-subnet-mgr": "flannel.mode",
  "healthz-port": "flannel.healthzPort",
  iface: "flannel.iface",
  "iface-regex": "flannel.ifaceRegex",
  "iface-can-reach": "flannel.ifaceCanReach",
  "public-ip": "the node inventory (the selected interface address)",
  "public-ipv6": "the node inventory (the selected interface address)",
  "net-config-path": "the rendered net-conf.json",
  "subnet-file": "the rendered subnet file path",
};

/**
 * A flag with an optional value. Values may reach a systemd unit line, so
 * they are restricted to characters that need no quoting there.
 */
export const FLANNELD_EXTRA_ARG = /^--([a-z][a-z0-9-]*)(=[A-Za-z0-9_.,:/@+%=-]*)?$/;

/** Checks `extraArgs`: the flag syntax, and no flag podnet already manages. */
export function checkFlanneldExtraArgs(args: readonly string[], path: string, p: Problems): void {
  args.forEach((arg, i) => {
    const at = `${path}[${i}]`;
    const m = FLANNELD_EXTRA_ARG.exec(arg);
    if (!m) {
      p.error(
        at,
        "flannel.extra-arg",
        `${at}: ${show(arg)} is not a flanneld flag of the form "--name" or "--name=value" (lowercase name; value of letters, digits and _ . , : / @ + % = -)`,
      );
      return;
    }
    // flanneld also accepts single-dash flags; podnet writes and compares the double-dash form.
    const owner = FLANNELD_MANAGED_FLAGS[m[1] ?? ""];
    if (owner !== undefined) {
      p.error(at, "flannel.extra-arg-managed", `${at}: "--${m[1]}" is set by podnet from ${owner}; use that instead of extraArgs`);
    }
  });
}
