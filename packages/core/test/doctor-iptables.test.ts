/**
 * The nat rule walk behind doctor's masquerade probes: quoting, negation,
 * user chains, RETURN to the caller, goto, marks, and rules doctor cannot
 * evaluate. The rule sets are the ones flannel, Docker and kube-proxy write.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluateNat, type IptablesTable, parseAddress, parseIptablesSave, splitIptablesWords } from "@podnet/core/internal";

const ip = (a: string) => {
  const r = parseAddress(a);
  assert.ok(r.ok);
  return r.value.value;
};

function nat(rules: string): IptablesTable {
  const t = parseIptablesSave(`*nat\n:POSTROUTING ACCEPT [0:0]\n${rules}\nCOMMIT\n`).get("nat");
  assert.ok(t);
  return t;
}

const FLANNEL = `:FLANNEL-POSTRTG - [0:0]
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`;

const podToPod = { family: "ipv4" as const, src: ip("10.244.1.2"), dst: ip("10.244.2.2"), out: "flannel.1" };
const podOut = { family: "ipv4" as const, src: ip("10.244.1.2"), dst: ip("192.0.2.1"), out: "eth0" };

describe("iptables-save words", () => {
  test("double quotes hold spaces and escaped quotes", () => {
    assert.deepEqual(splitIptablesWords('-A X -m comment --comment "a \\"b\\" c" -j RETURN'), [
      "-A",
      "X",
      "-m",
      "comment",
      "--comment",
      'a "b" c',
      "-j",
      "RETURN",
    ]);
  });
});

describe("nat walk", () => {
  test("flannel alone: pod to pod is not NATed, pod to outside is", () => {
    const t = nat(FLANNEL);
    assert.equal(evaluateNat(t, podToPod).nat, false);
    const out = evaluateNat(t, podOut);
    assert.equal(out.nat, true);
    assert.equal(out.rule?.chain, "FLANNEL-POSTRTG");
  });

  test("Docker's rule after flannel's: RETURN goes back to POSTROUTING, which masquerades (seed 004)", () => {
    const t = nat(`${FLANNEL}\n-A POSTROUTING -s 10.244.1.0/24 ! -o docker0 -j MASQUERADE`);
    const v = evaluateNat(t, podToPod);
    assert.equal(v.nat, true);
    assert.equal(v.rule?.spec, "-s 10.244.1.0/24 ! -o docker0 -j MASQUERADE");
    // Its fixed form leaves the cluster alone.
    assert.equal(
      evaluateNat(nat(`${FLANNEL}\n-A POSTROUTING -s 10.244.1.0/24 ! -d 10.244.0.0/16 ! -o docker0 -j MASQUERADE`), podToPod).nat,
      false,
    );
    // Traffic through docker0 itself is not masqueraded by it.
    assert.equal(evaluateNat(t, { ...podToPod, out: "docker0" }).nat, false);
  });

  test("interface wildcards, protocols, marks", () => {
    assert.equal(evaluateNat(nat("-A POSTROUTING -o flannel+ -j MASQUERADE"), podToPod).nat, true);
    assert.equal(evaluateNat(nat("-A POSTROUTING -o cali+ -j MASQUERADE"), podToPod).nat, false);
    assert.equal(evaluateNat(nat("-A POSTROUTING -p udp -j MASQUERADE"), podToPod).nat, false);
    assert.equal(evaluateNat(nat("-A POSTROUTING -p 6 -j MASQUERADE"), podToPod).nat, true);
    // kube-proxy: unmarked packets RETURN before its MASQUERADE.
    const kube =
      ":KUBE-POSTROUTING - [0:0]\n-A POSTROUTING -j KUBE-POSTROUTING\n-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n-A KUBE-POSTROUTING -j MASQUERADE --random-fully";
    assert.equal(evaluateNat(nat(kube), podToPod).nat, false);
    assert.equal(evaluateNat(nat(kube), { ...podToPod, mark: 0x4000 }).nat, true);
  });

  test("goto: a RETURN ends the calling chain too", () => {
    const t = nat(":A - [0:0]\n-A POSTROUTING -g A\n-A POSTROUTING -j MASQUERADE\n-A A -j RETURN");
    assert.equal(evaluateNat(t, podToPod).nat, false);
    const j = nat(":A - [0:0]\n-A POSTROUTING -j A\n-A POSTROUTING -j MASQUERADE\n-A A -j RETURN");
    assert.equal(evaluateNat(j, podToPod).nat, true);
  });

  test("conditions doctor cannot evaluate skip the rule and are recorded", () => {
    const t = nat("-A POSTROUTING -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE");
    const v = evaluateNat(t, podToPod);
    assert.equal(v.nat, false);
    assert.equal(v.skipped.length, 1);
  });

  test("IPv6 rules and families that do not match", () => {
    const t = parseIptablesSave(
      "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s fd00:10:244::/56 ! -d ff00::/8 -j MASQUERADE\nCOMMIT\n",
    ).get("nat") as IptablesTable;
    assert.equal(evaluateNat(t, { family: "ipv6", src: ip("fd00:10:244:1::2"), dst: ip("2001:db8::1"), out: "eth0" }).nat, true);
    assert.equal(evaluateNat(t, podToPod).nat, false);
  });

  test("a loop of jumps ends", () => {
    const t = nat(":A - [0:0]\n:B - [0:0]\n-A POSTROUTING -j A\n-A A -j B\n-A B -j A");
    assert.equal(evaluateNat(t, podToPod).nat, false);
  });
});
