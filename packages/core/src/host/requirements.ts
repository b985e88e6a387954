/**
 * What a network component needs from the hosts it runs on, as data:
 * NodeNetworkPrep turns this into firewalld rules, NetworkManager config and
 * kernel modules, so host preparation always follows the network chosen.
 */

/** Transport of a firewall opening. `ipip` is IP protocol 4, `esp` IP protocol 50. */
export const FirewallProtocol = { TCP: "tcp", UDP: "udp", IPIP: "ipip", ESP: "esp" } as const;
export type FirewallProtocol = (typeof FirewallProtocol)[keyof typeof FirewallProtocol];

/** Which nodes need an opening. */
export const NodeScope = { ALL: "all", CONTROL_PLANE: "control-plane", ETCD: "etcd" } as const;
export type NodeScope = (typeof NodeScope)[keyof typeof NodeScope];

/** One firewall opening a component needs: protocol, port or port range, the nodes it applies to, and why. */
export interface FirewallNeed {
  readonly protocol: FirewallProtocol;
  /** First port (tcp/udp only). */
  readonly port?: number;
  /** Last port of a range, inclusive (tcp/udp only). @default - same as port */
  readonly portEnd?: number;
  /** Why the opening exists, e.g. "flannel vxlan overlay". */
  readonly purpose: string;
  /** @default "all" */
  readonly nodes?: NodeScope;
}

/** Host-side needs of a network component. */
export interface HostRequirements {
  readonly component: string;
  readonly firewall: readonly FirewallNeed[];
  /** Interface-name patterns NetworkManager must leave alone (`cali*`, `flannel*`). */
  readonly unmanagedDevices: readonly string[];
  /** Interface patterns to put in the trusted firewalld zone (`flannel.+`, `cni0`). */
  readonly trustedInterfaces: readonly string[];
  /** Kernel modules the data plane uses (`vxlan`, `ipip`, `wireguard`, `ip_set`). */
  readonly kernelModules: readonly string[];
  /**
   * The network NATs pod egress to the node's address (flannel `--ip-masq`,
   * Calico natOutgoing), so with firewalld the node's zone needs masquerade
   * (NodeNetworkPrep's default for `masquerade`).
   * @default false
   */
  readonly masquerade?: boolean;
}

/** Short text for a firewall need: `8472/udp`, `179/tcp`, `ipip`. */
export function firewallNeedText(n: FirewallNeed): string {
  if (n.protocol === "ipip" || n.protocol === "esp") return n.protocol;
  const range = n.portEnd !== undefined && n.portEnd !== n.port ? `${n.port}-${n.portEnd}` : `${n.port}`;
  return `${range}/${n.protocol}`;
}
