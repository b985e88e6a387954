/**
 * net-conf.json: flannel's network configuration, read from a file by the
 * kube subnet manager (ConfigMap) or from `<prefix>/config` in etcd.
 * Keys follow flannel's `pkg/subnet/config.go`.
 */
import { FLANNEL_BACKEND_JSON_KEYS } from "./backend.js";
import type { FlannelBackendConfig } from "./options.js";

/** The input of the net-conf builder: networks already resolved from the plan. */
export interface FlannelNetConfInput {
  /** IPv4 `Network`; absent for IPv6-only (then `EnableIPv4: false`). */
  readonly network?: string;
  /** `IPv6Network`; present turns on `EnableIPv6`. */
  readonly ipv6Network?: string;
  readonly enableNFTables: boolean;
  readonly backend: FlannelBackendConfig;
  /** etcd mode only: subnet sizing, emitted when given. */
  readonly subnets?: {
    readonly subnetLen?: number;
    readonly subnetMin?: string;
    readonly subnetMax?: string;
    readonly ipv6SubnetLen?: number;
    readonly ipv6SubnetMin?: string;
    readonly ipv6SubnetMax?: string;
  };
}

/** net-conf.json as an object, keys in the order flannel documents them. */
export type FlannelNetConf = Readonly<Record<string, unknown>> & { readonly Backend: Readonly<Record<string, unknown>> };

/**
 * `Backend` as flannel reads it: `Type` always (an absent Backend means udp),
 * then only the keys the user set, so defaults stay flannel's own.
 */
export function flannelBackendConf(backend: FlannelBackendConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { Type: backend.type };
  for (const [key, jsonKey] of Object.entries(FLANNEL_BACKEND_JSON_KEYS)) {
    const value = backend[key as keyof typeof FLANNEL_BACKEND_JSON_KEYS];
    if (value !== undefined) out[jsonKey] = value;
  }
  return out;
}

/**
 * Builds net-conf.json. With only IPv4 the output matches upstream's
 * (`Network`, `EnableNFTables`, `Backend`); IPv6 adds `IPv6Network` and
 * `EnableIPv6: true`; IPv6-only sets `EnableIPv4: false`.
 */
export function flannelNetConf(input: FlannelNetConfInput): FlannelNetConf {
  const out: Record<string, unknown> = {};
  if (input.network !== undefined) out.Network = input.network;
  else out.EnableIPv4 = false;
  if (input.ipv6Network !== undefined) {
    out.IPv6Network = input.ipv6Network;
    out.EnableIPv6 = true;
  }
  const s = input.subnets ?? {};
  if (s.subnetLen !== undefined) out.SubnetLen = s.subnetLen;
  if (s.subnetMin !== undefined) out.SubnetMin = s.subnetMin;
  if (s.subnetMax !== undefined) out.SubnetMax = s.subnetMax;
  if (s.ipv6SubnetLen !== undefined) out.IPv6SubnetLen = s.ipv6SubnetLen;
  if (s.ipv6SubnetMin !== undefined) out.IPv6SubnetMin = s.ipv6SubnetMin;
  if (s.ipv6SubnetMax !== undefined) out.IPv6SubnetMax = s.ipv6SubnetMax;
  out.EnableNFTables = input.enableNFTables;
  out.Backend = flannelBackendConf(input.backend);
  return out as FlannelNetConf;
}

/** The file text: two-space JSON with a final newline, like upstream's ConfigMap. */
export function flannelNetConfJson(conf: FlannelNetConf): string {
  return `${JSON.stringify(conf, null, 2)}\n`;
}

/** The same net-conf with the wireguard PSK set (for front ends that receive the PSK late, as a secret). */
export function withWireguardPsk(conf: FlannelNetConf, psk: string): FlannelNetConf {
  return { ...conf, Backend: { ...conf.Backend, PSK: psk } };
}
