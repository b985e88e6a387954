/**
 * `cdk8s synth` writes dist/flannel.k8s.yaml: the kube-flannel objects with
 * `Network`/`IPv6Network` taken from the plan, checked against the nodes
 * (interface, MTU, addresses) before anything is written.
 */
import { FlannelNetwork, PodCidrPlan } from "@podnet/cdk8s";
import { App, Chart } from "cdk8s";
import { cluster, flannel } from "./cluster.js";

const app = new App();
const chart = new Chart(app, "flannel");
const plan = new PodCidrPlan(chart, "plan", cluster);
const network = new FlannelNetwork(chart, "flannel", { plan, ...flannel });
for (const [node, mtu] of Object.entries(network.podMtu)) console.error(`pod MTU on ${node}: ${mtu}`);
app.synth();
