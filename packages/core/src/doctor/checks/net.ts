/**
 * Doctor check of the routes to every other node's subnet (the subnet,
 * interface and overlay checks are in subnet.ts, address.ts and devices.ts).
 */

import { type Cidr, contains, FAMILY_LABEL, type IpFamily, nthAddress, parseCidr } from "../../shared/cidr.js";
import type { DiagnosisBuilder } from "../builder.js";
import type { NodeFacts, RouteFact } from "../facts.js";
import { doctorHints } from "../hints.js";
import type { DiagnoseContext, ExpectedNodeState, ExpectedRoute } from "../model.js";

/** The route the kernel uses for a block: longest prefix that contains it. */
export function lookupRoute(routes: readonly RouteFact[], block: Cidr): RouteFact | undefined {
  let best: RouteFact | undefined;
  for (const r of routes) {
    if (r.type === "local" || r.type === "broadcast" || r.type === "multicast" || r.type === "anycast") continue;
    if (!contains(r.dst, block)) continue;
    if (!best || r.dst.prefix > best.dst.prefix) best = r;
  }
  return best;
}

function routeText(r: ExpectedRoute, subnet: Cidr): string {
  const gw = r.gateway === "subnet" ? nthAddress(subnet, 0n) : r.gateway === "peer" ? r.peerAddress : undefined;
  return `${subnet.text}${gw ? ` via ${gw}` : ""} dev ${r.device}${r.gateway === "subnet" || (r.gateway === "peer" && r.device.startsWith("flannel")) ? " onlink" : ""}`;
}

/** Per family, the device packets to another node's pods leave through (for the masquerade probes). */
export type RouteState = Partial<Record<IpFamily, { readonly peer: Cidr; readonly device?: string }>>;

/** Checks the route to every other node's subnet; returns the device pod traffic leaves through, per family. */
export function checkRoutes(expected: ExpectedNodeState, facts: NodeFacts, context: DiagnoseContext, d: DiagnosisBuilder): RouteState {
  const out: RouteState = {};
  if (expected.routes.length === 0) return out;
  const check = "routes";
  const unknown = new Set<string>();
  for (const r of expected.routes) {
    const observed = context.peerSubnets?.[r.peer]?.[r.family];
    if (r.predicted && observed === undefined) {
      // Only a prediction of the peer's subnet: a route judged against it would be a false alarm.
      unknown.add(r.peer);
      continue;
    }
    const parsed = parseCidr(observed ?? r.subnet);
    if (!parsed.ok) continue;
    const subnet = parsed.value;
    const routes = facts.routes[r.family];
    if (!routes.ok) {
      d.cannot(check, routes.reason);
      continue;
    }
    d.ran(check);
    const used = lookupRoute(routes.value, subnet);
    out[r.family] ??= { peer: subnet, ...(used?.device ? { device: used.device } : {}) };
    const gw = r.gateway === "subnet" ? nthAddress(subnet, 0n) : r.gateway === "peer" ? r.peerAddress : undefined;
    const fits = (x: RouteFact | undefined) =>
      !!x && x.type === "unicast" && x.device === r.device && (gw === undefined || x.gateway === gw);
    // A more specific route inside the subnet (a blackhole, another device) takes part of it away.
    const inside = routes.value.find(
      (x) =>
        x !== used && contains(subnet, x.dst) && x.dst.prefix > subnet.prefix && !fits(x) && x.type !== "local" && x.type !== "broadcast",
    );
    if (fits(used) && !inside) continue;
    const shown = fits(used) ? inside : used;
    const exact = routes.value.find((x) => x.dst.text === subnet.text);
    const peer = `node "${r.peer}"'s ${FAMILY_LABEL[r.family]} subnet${observed && observed !== r.subnet ? ` (it holds ${observed}, the plan says ${r.subnet})` : ""}`;
    d.find(
      check,
      exact ? "route.wrong" : "route.missing",
      `${routeText(r, subnet)} (${peer}; ${r.why})`,
      shown ? `packets to ${shown === used ? subnet.text : shown.dst.text} take "${shown.text}"` : `no route to ${subnet.text}`,
      `${doctorHints(expected).routeFix(expected, r.peer)}; by hand: ip route replace ${routeText(r, subnet)}`,
    );
  }
  if (unknown.size > 0) {
    const names = [...unknown].map((n) => `"${n}"`).join(", ");
    d.inform(
      check,
      "routes.peer-unknown",
      `routes to the subnets of ${names}`,
      "not checked: kube-controller-manager assigns those subnets at registration and they were not read (the node was not checked, or could not be reached)",
      "check all nodes in one run, or give doctor the Node objects: --kube, --kubeconfig FILE or --nodes-json FILE",
    );
  }
  return out;
}
