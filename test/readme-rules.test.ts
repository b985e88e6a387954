/**
 * The README's table of validation rules quotes exact messages: each one must
 * be a message the rule tests assert, so the README cannot drift from the code.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("every example message in the README's rules table is asserted by the rule tests", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Validation rules"), readme.indexOf("\n## ", readme.indexOf("## Validation rules") + 5));
  const messages = [...section.matchAll(/^\|[^|]+\|\s*`(.+)`\s*\|\s*$/gm)].map((m) => m[1] as string);
  assert.ok(messages.length >= 20, `found only ${messages.length} messages`);
  const tests = [
    "packages/core/test/pod-cidr-plan.rules.test.ts",
    "packages/core/test/flannel-validation.test.ts",
    "test/flannel-certificate.frontends.test.ts",
  ]
    .map((f) => readFileSync(join(root, f), "utf8"))
    .join("\n");
  // the test file writes messages as JS string literals: compare with quotes unescaped
  const asserted = tests
    .replaceAll('\\"', '"')
    .replaceAll("\\'", "'")
    .replace(/'\s*\+\s*'/g, "");
  for (const m of messages) assert.ok(asserted.includes(m), `README message not asserted by a rule test:\n${m}`);
});

test("code blocks marked `<!-- file: PATH -->` in the README are that file, byte for byte", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/<!-- file: ([^ ]+) -->\s*```[a-z]*\n([\s\S]*?)\n```/g)];
  assert.ok(blocks.length >= 3, `found ${blocks.length} embedded files`);
  for (const [, path, body] of blocks) {
    assert.equal(body, readFileSync(join(root, path as string), "utf8").replace(/\n$/, ""), `README copy of ${path} is stale`);
  }
});
