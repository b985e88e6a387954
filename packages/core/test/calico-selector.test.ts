/**
 * Calico's selector grammar: the documented forms are accepted, anything
 * else (unbalanced parentheses, unterminated quotes, control characters,
 * unknown operators, keys that are no label key) is rejected with where.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calicoSelectorError } from "../src/calico/selector.js";
import { isLabelKey, isLabelValue } from "../src/shared/names.js";

const ACCEPT = [
  "all()",
  " all() ",
  "has(rack)",
  "!has(projectcalico.org/edge)",
  "zone == 'eu-west-1a'",
  'zone == "eu-west-1a"',
  "zone != ''",
  "rack in {'r1', 'r2'}",
  "rack in {}",
  "rack not in {'r3'}",
  "kubernetes.io/hostname contains 'node'",
  "kubernetes.io/hostname starts with 'edge-'",
  "kubernetes.io/hostname ends with '-1'",
  "route-reflector == 'true' && !(zone == 'b' || has(drain))",
  "(a == 'x') && (b == 'y') || c in {\"z\"}",
  "!!has(a)",
  "a == 'value with spaces, commas && operators'",
];

const REJECT: ReadonlyArray<readonly [string, string]> = [
  ["", "it is empty"],
  ["   ", "it is empty"],
  ["all", "expected an operator (==, !=, in, not in, contains, starts with, ends with) after the label key, found the end"],
  ["all(", 'expected ")" to close all(, found the end'],
  ["has()", 'expected a label key, found ")" at 5'],
  ["has(a", 'expected ")" to close has(, found the end'],
  ["(a == 'x'", 'unbalanced "(" at 1: expected ")", found the end'],
  ["a == 'x')", 'unbalanced ")" at 9'],
  ["a == 'x", "unterminated string starting at 6"],
  ['a == "x', "unterminated string starting at 6"],
  ["a = 'x'", 'unexpected "=" at 3'],
  ["a == x", 'expected a quoted string after "==", found "x" at 6'],
  ["a =~ 'x'", 'unexpected "=" at 3'],
  ["a > 'x'", 'unexpected ">" at 3'],
  ["a == 'x' & b == 'y'", 'unexpected "&" at 10'],
  ["a == 'x' and b == 'y'", 'unexpected "and" at 10'],
  ["a == 'x' b == 'y'", 'unexpected "b" at 10'],
  ["a in ('x')", 'expected "{" to open the set, found "(" at 6'],
  ["a in {'x',}", 'expected a quoted string after "{" or ",", found "}" at 11'],
  ["a in {'x' 'y'}", 'expected "," or "}" in the set, found "y" at 11'],
  ["a not 'x'", 'expected "in" after "not", found "x" at 7'],
  ["a starts 'x'", 'expected "with" after "starts", found "x" at 10'],
  ["a == 'x'\n|| b == 'y'", "control character U+000a at 9"],
  ["a == 'x\ty'", "control character in the string starting at 6"],
  ["-a == 'x'", '"-a" at 1 is not a label key ([prefix/]name)'],
  ["a/b/c == 'x'", '"a/b/c" at 1 is not a label key ([prefix/]name)'],
  ["global()", "global() at 1 selects namespaces, not nodes"],
  ["a == 'x' &&", "expected a label key, found the end"],
  ["!", "expected a label key, found the end"],
  ["$(reboot)", 'unexpected "$" at 1'],
];

describe("Calico selectors", () => {
  for (const s of ACCEPT) {
    test(`accepts ${JSON.stringify(s)}`, () => assert.equal(calicoSelectorError(s), undefined));
  }
  for (const [s, why] of REJECT) {
    test(`rejects ${JSON.stringify(s)}`, () => assert.equal(calicoSelectorError(s), why));
  }
  test("rejects a selector over 1024 characters", () => {
    const long = Array.from({ length: 120 }, (_, i) => `k${i} == 'v'`).join(" && ");
    assert.match(calicoSelectorError(long) ?? "", /^it is \d+ characters long \(at most 1024\)$/);
  });
});

describe("label keys and values", () => {
  const keys: ReadonlyArray<readonly [string, boolean]> = [
    ["app", true],
    ["node-role.kubernetes.io/control-plane", true],
    ["a.b_c-d", true],
    ["x".repeat(63), true],
    ["x".repeat(64), false],
    ["Example.com/x", false],
    ["/x", false],
    ["x/", false],
    ["-x", false],
    ["x y", false],
    ["", false],
  ];
  for (const [k, ok] of keys) test(`key ${JSON.stringify(k)} ${ok ? "ok" : "bad"}`, () => assert.equal(isLabelKey(k), ok));
  const values: ReadonlyArray<readonly [string, boolean]> = [
    ["", true],
    ["v1.2_3-x", true],
    ["x".repeat(63), true],
    ["x".repeat(64), false],
    ["x-", false],
    ["a b", false],
    ["a/b", false],
  ];
  for (const [v, ok] of values) test(`value ${JSON.stringify(v)} ${ok ? "ok" : "bad"}`, () => assert.equal(isLabelValue(v), ok));
});
