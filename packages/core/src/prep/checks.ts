/**
 * Checks of NodeNetworkPrep's inputs that no schema can express: the host requirements
 * the network components hand over, and the firewall options that must agree.
 */
import type { FirewallNeed, HostRequirements } from "../host/requirements.js";
import { type Problems, show } from "../shared/problems.js";
import { checkShellValue, FIREWALLD_INTERFACE, FIREWALLD_ZONE, KERNEL_MODULE, NM_INTERFACE } from "../shared/shell.js";
import type { NodeNetworkPrepConfig } from "./options.js";

/** A problem path under the prep section, from its segments. */
export type PrepPath = (...segs: Array<string | number>) => string;

/** Checks every value of the components' host requirements that reaches a script or unit. */
export function checkRequirements(reqs: readonly HostRequirements[], p: Problems): void {
  reqs.forEach((r, i) => {
    const rp = `hostRequirements[${i}]`;
    r.firewall.forEach((n, j) => {
      checkNeed(p, `${rp}.firewall[${j}]`, n, r.component);
    });
    r.unmanagedDevices.forEach((d, j) => {
      checkShellValue(p, `${rp}.unmanagedDevices[${j}]`, d, NM_INTERFACE);
    });
    r.trustedInterfaces.forEach((d, j) => {
      checkShellValue(p, `${rp}.trustedInterfaces[${j}]`, d, FIREWALLD_INTERFACE);
    });
    r.kernelModules.forEach((m, j) => {
      checkShellValue(p, `${rp}.kernelModules[${j}]`, m, KERNEL_MODULE);
    });
  });
}

function checkNeed(p: Problems, path: string, n: FirewallNeed, component: string): void {
  if (n.protocol === "tcp" || n.protocol === "udp") {
    const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
    if (!ok(n.port) || (n.portEnd !== undefined && (!ok(n.portEnd) || (n.portEnd as number) < (n.port as number)))) {
      p.error(
        path,
        "prep.firewall-need",
        `${path}: ${component} asks for ${show(n)}; a tcp/udp opening needs port 1-65535 and portEnd >= port`,
      );
    }
  } else if (n.protocol !== "ipip" && n.protocol !== "esp") {
    p.error(path, "prep.firewall-need", `${path}: ${component} asks for protocol ${show(n.protocol)}; podnet knows tcp, udp, ipip and esp`);
  }
}

/** Checks the firewalld zones (valid, and not the same zone twice) and the extra port ranges. */
export function checkFirewallOptions(o: NodeNetworkPrepConfig, at: PrepPath, p: Problems): void {
  if (o.firewall === "firewalld") {
    checkShellValue(p, at("zone"), o.zone, FIREWALLD_ZONE);
    checkShellValue(p, at("trustedZone"), o.trustedZone, FIREWALLD_ZONE);
    if (o.zone === o.trustedZone) {
      p.error(
        at("trustedZone"),
        "prep.zone-conflict",
        `${at("trustedZone")}: ${show(o.trustedZone)} is also ${at("zone")}; the node's zone opens ports while the trusted zone accepts everything from pods, so they must differ (the defaults are "public" and "trusted")`,
      );
    }
  }
  o.extraPorts.forEach((e, i) => {
    if (e.portEnd !== undefined && e.portEnd < e.port) {
      p.error(
        at("extraPorts", i, "portEnd"),
        "prep.port-range",
        `${at("extraPorts", i, "portEnd")}: ${e.portEnd} is below port ${e.port}; a range runs from port to portEnd`,
      );
    }
  });
}
