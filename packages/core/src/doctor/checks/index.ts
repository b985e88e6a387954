/** the checks. */

export { checkAddress } from "./address.js";
export { checkCni, cniConfigOrder } from "./cni.js";
export { checkDevices } from "./devices.js";
export {
  checkFirewalld,
  checkMasquerade,
  checkModules,
  checkNetworkManager,
  checkSysctls,
  nmLeavesAlone,
  nmSpecListMatches,
} from "./host.js";
export type { RouteState } from "./net.js";
export { checkRoutes, lookupRoute } from "./net.js";
export type { SubnetState } from "./subnet.js";
export { checkSubnet, observedSubnets, parseEnvFile } from "./subnet.js";
