/**
 * What flannel needs from every host, as data for NodeNetworkPrep: firewall
 * openings for the backend and healthz, devices NetworkManager must leave
 * alone, interfaces to trust, kernel modules.
 */

import type { FirewallNeed, HostRequirements } from "../host/requirements.js";
import { backendDevices, backendFirewallNeeds, backendKernelModules } from "./backend.js";
import type { FlannelBackendConfig } from "./options.js";

/** What `flannelHostRequirements` needs: the backend, the families, and the ports flanneld listens on. */
export interface FlannelHostInput {
  readonly backend: FlannelBackendConfig;
  readonly ipv4: boolean;
  readonly ipv6: boolean;
  /** 0 = healthz off. */
  readonly healthzPort: number;
  readonly enableNFTables: boolean;
  /** flanneld `--ip-masq` (flannel.ipMasq): pod egress leaves NATed to the node's address. @default false */
  readonly ipMasq?: boolean;
}

/** What flannel needs from the hosts, for NodeNetworkPrep: firewall openings for the backend and healthz, devices NetworkManager must leave alone, interfaces to trust, kernel modules. */
export function flannelHostRequirements(input: FlannelHostInput): HostRequirements {
  const firewall: FirewallNeed[] = backendFirewallNeeds(input.backend, input.ipv6);
  if (input.healthzPort > 0) {
    firewall.push({ protocol: "tcp", port: input.healthzPort, purpose: "flannel healthz (liveness and readiness probes)" });
  }
  return {
    component: "flannel",
    firewall,
    // flannel.<VNI>, flannel-v6.<VNI>, flannel-wg(-v6), flannel.ipip, flannel0, and the CNI bridge
    unmanagedDevices: ["flannel*", "cni0"],
    trustedInterfaces: [...backendDevices(input.backend, { ipv4: input.ipv4, ipv6: input.ipv6 }), "cni0"],
    // flanneld exits without br_netfilter's bridge-nf-call-iptables unless it runs in nftables mode (v0.26.0+)
    kernelModules: [...backendKernelModules(input.backend.type), ...(input.enableNFTables ? [] : ["br_netfilter"])],
    masquerade: input.ipMasq === true,
  };
}
