/**
 * The `etcd:` section of flannel's systemd mode: endpoints, key prefix, TLS files and the
 * reservation switches. Kept apart from etcd.ts so the option schemas need no planning code.
 */
import { z } from "zod";

/** flanneld's default `--etcd-prefix`. @see flannel main.go, notes/flannel.md §3 */
export const FLANNEL_ETCD_DEFAULT_PREFIX = "/coreos.com/network";

/** The `etcd:` settings of systemd mode. */
export const flannelEtcdSchema = z.strictObject({
  /** etcd client URLs (`--etcd-endpoints`), e.g. `https://192.168.1.31:2379`. */
  endpoints: z.array(z.string()).min(1),
  /** Key prefix (`--etcd-prefix`); the config lives at `<prefix>/config`. @default "/coreos.com/network" */
  prefix: z.string().default(FLANNEL_ETCD_DEFAULT_PREFIX),
  /**
   * Mutual TLS with etcd (needed for https endpoints). The CLI takes the three files and reads
   * the CA and the certificate (never the key); Pulumi takes `tls: {}` and the PEM material
   * through the component's `hosts` (or creates the client certificate).
   * @default - none (plain http; flannel warns that this is insecure)
   */
  tls: z
    .strictObject({
      /** CLI: CA that signed the etcd server certificate (`--etcd-cafile` on the nodes). */
      caFile: z.string().optional(),
      /** CLI: flanneld's client certificate (`--etcd-certfile`). */
      certFile: z.string().optional(),
      /** CLI: its private key (`--etcd-keyfile`); copied to the nodes by push-secrets.sh, never into the render output. */
      keyFile: z.string().optional(),
    })
    .optional(),
  /** Reserve each node's plan subnet in etcd (keys without a lease) so flanneld always gets it back. @default true */
  reserveSubnets: z.boolean().default(true),
  /**
   * Let the config-writing script replace a config whose Network, IPv6Network, SubnetLen,
   * backend Type or VNI differ from the one in etcd. The plan then lists the node cleanup.
   * @default false
   */
  allowNetworkChange: z.boolean().default(false),
  /** Node that runs the config-writing script in Pulumi (needs etcdctl). @default - the first etcd node, else the first node */
  configNode: z.string().optional(),
});
/** flannel's etcd datastore settings as a user writes them (`flannel.systemd.etcd`). */
export type FlannelEtcdOptions = z.input<typeof flannelEtcdSchema>;
/** flannel's etcd datastore settings, parsed with defaults filled in. */
export type FlannelEtcdConfig = z.output<typeof flannelEtcdSchema>;
