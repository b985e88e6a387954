/**
 * The CNI conflist flannel installs as `10-flannel.conflist`: the flannel
 * plugin (which turns subnet.env into a bridge + host-local delegate) chained
 * with portmap.
 * @see https://github.com/flannel-io/cni-plugin
 */

/** File name in the CNI conf dir; `10-` sorts before most runtimes' defaults. */
export const FLANNEL_CONFLIST_NAME = "10-flannel.conflist";
/** flannel's default subnet file (`--subnet-file`, the CNI plugin's `subnetFile`). */
export const FLANNEL_SUBNET_FILE = "/run/flannel/subnet.env";

export interface FlannelCniConfOptions {
  /** Network name; the delegate inherits it. @default "cbr0" */
  readonly name?: string;
  /** CNI spec version of the list. @default "0.3.1" (upstream's) */
  readonly cniVersion?: string;
  /** Where flanneld writes subnet.env; emitted only when it differs from flannel's default. @default "/run/flannel/subnet.env" */
  readonly subnetFile?: string;
  /** Where the plugin keeps delegate configs for DEL. @default - the plugin's ("/var/lib/cni/flannel") */
  readonly dataDir?: string;
}

/** The conflist as an object (upstream's keys, in upstream's order). */
export function flannelCniConf(options: FlannelCniConfOptions = {}): Record<string, unknown> {
  const flannel: Record<string, unknown> = { type: "flannel" };
  if (options.subnetFile !== undefined && options.subnetFile !== FLANNEL_SUBNET_FILE) flannel.subnetFile = options.subnetFile;
  if (options.dataDir !== undefined) flannel.dataDir = options.dataDir;
  // The delegate is the bridge plugin: hairpin for pods reaching themselves via a Service,
  // and the bridge as the pods' default gateway.
  flannel.delegate = { hairpinMode: true, isDefaultGateway: true };
  return {
    name: options.name ?? "cbr0",
    cniVersion: options.cniVersion ?? "0.3.1",
    plugins: [flannel, { type: "portmap", capabilities: { portMappings: true } }],
  };
}

/** The file text: two-space JSON with a final newline. */
export function flannelCniConfJson(options: FlannelCniConfOptions = {}): string {
  return `${JSON.stringify(flannelCniConf(options), null, 2)}\n`;
}
