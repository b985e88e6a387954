/**
 * The Service IPs the plan fixes: the `kubernetes` Service IP of each service CIDR and the
 * cluster DNS Service IP (given, or kubeadm's default), with the checks of a given one.
 */
import { containsAddress, type IpFamily, ipv4MappedAddress, nthAddress, parseAddress } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import type { FamilyCidrs } from "./cidrs.js";
import type { PerFamily } from "./types.js";

/** The `kubernetes` Service IP per family and the DNS Service IP (undefined after an error). */
export function serviceIps(
  services: FamilyCidrs,
  families: readonly IpFamily[],
  dnsText: string | undefined,
  p: Problems,
): { kubernetesServiceIp: PerFamily<string>; dnsServiceIp: string | undefined } {
  const kubernetesServiceIp: Record<string, string> = {};
  for (const [f, v] of services) kubernetesServiceIp[f] = nthAddress(v.cidr, 1n);
  const primary = families.map((f) => services.get(f)).find((x) => x !== undefined);
  if (dnsText === undefined) {
    // kubeadm's choice: the tenth address of the (first) service CIDR.
    return { kubernetesServiceIp, dnsServiceIp: primary ? nthAddress(primary.cidr, 10n) : undefined };
  }
  const path = "cluster.dnsServiceIp";
  const r = parseAddress(dnsText);
  if (!r.ok) {
    p.error(path, "dns.invalid", `${path}: ${show(dnsText)} is not a valid IPv4 or IPv6 address`);
    return { kubernetesServiceIp, dnsServiceIp: undefined };
  }
  const mapped = ipv4MappedAddress(r.value.family, r.value.value);
  if (mapped !== undefined) {
    p.error(
      path,
      "dns.ipv4-mapped",
      `${path}: ${show(dnsText)} is an IPv4-mapped IPv6 address, an alias of ${mapped}; write the IPv4 address ${mapped} itself, or an address of the IPv6 service CIDR`,
    );
    return { kubernetesServiceIp, dnsServiceIp: undefined };
  }
  const svc = services.get(r.value.family);
  if (!svc || !containsAddress(svc.cidr, r.value.family, r.value.value)) {
    p.error(
      path,
      "dns.outside",
      `${path}: ${r.value.text} is not inside the service CIDR${svc ? ` "${svc.cidr.text}"` : "s"}; pick an address of the service CIDR, e.g. ${primary ? nthAddress(primary.cidr, 10n) : "10.96.0.10"}`,
    );
  } else if (r.value.value === svc.cidr.first) {
    p.error(
      path,
      "dns.network",
      `${path}: ${r.value.text} is the network address of "${svc.cidr.text}"; use e.g. ${nthAddress(svc.cidr, 10n)}`,
    );
  } else if (r.value.value === svc.cidr.first + 1n) {
    p.error(
      path,
      "dns.kubernetes",
      `${path}: ${r.value.text} is the first address of "${svc.cidr.text}", which the kubernetes Service takes; use e.g. ${nthAddress(svc.cidr, 10n)}`,
    );
  } else if (r.value.family === "ipv4" && r.value.value === svc.cidr.last) {
    p.error(
      path,
      "dns.broadcast",
      `${path}: ${r.value.text} is the broadcast address of "${svc.cidr.text}"; use e.g. ${nthAddress(svc.cidr, 10n)}`,
    );
  }
  return { kubernetesServiceIp, dnsServiceIp: r.value.text };
}
