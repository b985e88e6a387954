/**
 * `cdk8s synth` writes dist/calico.k8s.yaml: Calico's Installation and
 * APIServer for the plan's pod CIDR, checked against the nodes first. Set
 * TIGERA_OPERATOR_MANIFEST to a downloaded copy of the release's
 * tigera-operator.yaml to include it (its sha256 is checked); the CRDs
 * (operator-crds.yaml) are applied first, server-side, in any case.
 */
import { CalicoNetwork, PodCidrPlan } from "@podnet/cdk8s";
import { App, Chart } from "cdk8s";
import { calico, cluster } from "./cluster.js";

const app = new App();
const chart = new Chart(app, "calico");
const plan = new PodCidrPlan(chart, "plan", cluster);
const operatorManifest = process.env.TIGERA_OPERATOR_MANIFEST;
const network = new CalicoNetwork(chart, "calico", { plan, ...calico, ...(operatorManifest ? { operatorManifest } : {}) });
for (const m of network.prerequisites) console.error(`apply first (kubectl apply --server-side): ${m.url} sha256 ${m.sha256}`);
app.synth();
