/** the checks. */
export { checkCni, cniConfigOrder } from "./cni.js";
export {
  checkFirewalld,
  checkMasquerade,
  checkModules,
  checkNetworkManager,
  checkSysctls,
  nmLeavesAlone,
  nmSpecListMatches,
} from "./host.js";
export type { RouteState, SubnetState } from "./net.js";
export { checkAddress, checkDevices, checkRoutes, checkSubnet, lookupRoute, observedSubnets, parseEnvFile } from "./net.js";
