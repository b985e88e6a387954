/** The CIDR wrapper: strict masking, families, edge masks. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  cidr,
  contains,
  nthAddress,
  nthSubnet,
  overlaps,
  parseAddress,
  parseCidr,
  parseInterfaceAddress,
  subnetIndex,
} from "../src/shared/cidr.js";

describe("cidr", () => {
  const rows: Array<[string, string | { suggestion?: string; reason: string }]> = [
    ["10.244.0.0/16", "10.244.0.0/16"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["10.1.2.3/32", "10.1.2.3/32"],
    ["::/0", "::/0"],
    ["fd00:0010:0244:0000::/56", "fd00:10:244::/56"],
    ["::1/128", "::1/128"],
    ["10.244.0.1/16", { reason: "has host bits set", suggestion: "10.244.0.0/16" }],
    ["fd00:10:244::1/56", { reason: "has host bits set", suggestion: "fd00:10:244::/56" }],
    ["10.0.0.0/33", { reason: "has an invalid prefix length (0-32 for IPv4)" }],
    ["10.0.0.0/016", { reason: "has an invalid prefix length (0-32 for IPv4)" }],
    ["fd00::/200", { reason: "has an invalid prefix length (0-128 for IPv6)" }],
    ["10.0.0.256/24", { reason: "is not a valid IPv4 or IPv6 CIDR" }],
    ["10.0.0.0", { reason: "is not in CIDR notation (address/prefix-length)" }],
  ];
  for (const [input, want] of rows) {
    test(`parseCidr(${input})`, () => {
      const r = parseCidr(input);
      if (typeof want === "string") {
        assert.ok(r.ok);
        assert.equal(r.value.text, want);
      } else {
        assert.ok(!r.ok);
        assert.equal(r.reason, want.reason);
        assert.equal(r.suggestion, want.suggestion);
      }
    });
  }

  test("containment and overlap in both directions, never across families", () => {
    const big = cidr("10.0.0.0/8");
    const small = cidr("10.244.0.0/16");
    assert.ok(contains(big, small) && !contains(small, big));
    assert.ok(overlaps(big, small) && overlaps(small, big));
    assert.ok(!overlaps(cidr("10.0.0.0/16"), cidr("10.1.0.0/16")));
    assert.ok(!overlaps(cidr("0.0.0.0/0"), cidr("::/0")));
    assert.ok(contains(cidr("::/0"), cidr("fd00::/8")));
  });

  test("subnets and addresses", () => {
    const pod = cidr("fd00:10:244::/56");
    const s = nthSubnet(pod, 64, 255n);
    assert.equal(s.text, "fd00:10:244:ff::/64");
    assert.equal(subnetIndex(pod, s), 255n);
    assert.equal(nthSubnet(cidr("10.0.0.0/8"), 32, 16777215n).text, "10.255.255.255/32");
    assert.equal(nthAddress(cidr("10.96.0.0/12"), 10n), "10.96.0.10");
    assert.equal(nthAddress(cidr("fd00:10:96::/112"), 10n), "fd00:10:96::a");
  });

  test("interface addresses keep host bits and know their network", () => {
    const r = parseInterfaceAddress("fd00:1::31/64");
    assert.ok(r.ok);
    assert.equal(r.value.address, "fd00:1::31");
    assert.equal(r.value.network.text, "fd00:1::/64");
    assert.ok(!parseAddress("10.0.0.1/32").ok);
    // IPv4 text is kept as written, which is only safe because non-canonical forms are refused
    for (const bad of ["10.0.0.010/24", "010.0.0.1/24", " 10.0.0.1/24", "10.0.0.1 /24", "fe80::1%eth0/64"]) {
      assert.ok(!parseInterfaceAddress(bad).ok, bad);
    }
  });
});
