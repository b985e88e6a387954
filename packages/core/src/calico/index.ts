/** CalicoNetwork. */

export type { AutodetectMethod, NodeAddressChoice } from "./autodetect.js";
export { AutodetectKind, CALICO_DEFAULT_EXCLUDED_INTERFACES, parseAutodetectMethod } from "./autodetect.js";
export { resolveAutodetection } from "./autodetect-resolve.js";
export type { ResolvedBgp } from "./bgp.js";
export { BGP_DEFAULTS, checkBgp } from "./bgp.js";
export { calicoArtifacts, calicoComponent, checkCalicoBundle } from "./bundle.js";
export { calicoNetworkComponent } from "./component.js";
export type { ResolvedEtcd, ResolvedTypha } from "./datastore.js";
export { ETCD_URL } from "./datastore.js";
export type { CalicoFacts } from "./diff.js";
export { calicoChangeRules, calicoChanges, calicoFacts } from "./diff.js";
export { CALICO_CNI_CONF_DIR, CALICO_CONFLIST_NAME, CALICO_VXLAN_VNI, calicoDoctor } from "./doctor.js";
export { CALICO_UNMANAGED_DEVICES, CALICO_VXLAN_PORT, CALICO_WIREGUARD_PORT, calicoHostRequirements } from "./host.js";
export { CALICO_SECRETS_DIR, TYPHA_PORT } from "./manifest-parts.js";
export { calicoEtcdSecret, calicoManifestObjects } from "./manifests.js";
export type { CalicoEtcdTlsPresence, CalicoNetworkRender } from "./network.js";
export { CALICO_TLS_GIVEN, calicoOptionsWithEtcd, checkCalicoNetwork, renderCalicoNetwork } from "./network.js";
export type { CalicoOperatorInstall } from "./operator.js";
export {
  calicoOperatorInstall,
  calicoOperatorObjects,
  installationSpec,
  operatorEncapsulation,
  TIGERA_OPERATOR_NAMESPACE,
} from "./operator.js";
export type {
  AutodetectMethodOptions,
  CalicoNetworkConfig,
  CalicoNetworkOptions,
  CalicoPeerOptions,
  CalicoPoolOptions,
} from "./options.js";
export {
  autodetectMethodSchema,
  autodetectObjectSchema,
  CalicoBackend,
  CalicoDatastore,
  CalicoInstall,
  calicoOptionsSchema,
  calicoPeerSchema,
  calicoPoolSchema,
  EncapsulationMode,
  LinuxDataplane,
} from "./options.js";
export type { ResolvedPool } from "./pools.js";
export { DEFAULT_BLOCK_SIZE, OPERATOR_MAX_POOLS, resolvePools } from "./pools.js";
export { calicoRbac, calicoServiceAccounts } from "./rbac.js";
export { calicoResourceApiVersion, calicoResourceObjects, ipPoolResource } from "./resources.js";
export { calicoSelectorError, checkCalicoSelector } from "./selector.js";
export type { MtuPlan, ResolvedAutodetection, ResolvedCalico } from "./validation.js";
export { CALICO_OVERHEAD, resolveCalico } from "./validation.js";
export type { CalicoVersion, PinnedManifest } from "./versions.js";
export { CALICO_VERSIONS, calicoImage, calicoVersion, DEFAULT_CALICO_VERSION, pinnedManifestMismatch } from "./versions.js";
