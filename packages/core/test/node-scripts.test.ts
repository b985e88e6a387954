/**
 * The node layer's renderer: structure, determinism, embedding, and every
 * validation rule with its exact problem (hostile values never reach a script).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NetworkPlanError, type NodeState, renderNodeScripts } from "../src/index.js";
import {
  checkNodeState,
  downloadArchiveCommand,
  downloadFileCommand,
  nodeScriptCommand,
  shQuote,
  unitDigest,
} from "../src/internal/index.js";

const base: NodeState = {
  node: "worker-1",
  units: [
    {
      id: "demo/files",
      description: "two files and a command",
      files: [
        { path: "/etc/demo/a.conf", content: "a = 1\n", mode: "0644" },
        { path: "/etc/demo/key.pem", content: "-----BEGIN KEY-----\nsecret-material\n", mode: "0600", secret: true },
      ],
      commands: [{ name: "apply demo", create: "podnet_log created", delete: "podnet_log deleted" }],
    },
  ],
};

/** The base64 bodies of the script's here-documents, decoded. */
function embedded(script: string): string[] {
  return [...script.matchAll(/<<'PODNET_EOF'\n([\s\S]*?)PODNET_EOF\n/g)].map((m) =>
    Buffer.from((m[1] ?? "").replaceAll("\n", ""), "base64").toString("utf8"),
  );
}

describe("renderNodeScripts", () => {
  test("bash with strict mode; the main call is the last line and reads /dev/null", () => {
    const s = renderNodeScripts(base);
    for (const script of [s.install, s.uninstall]) {
      const lines = script.split("\n");
      assert.equal(lines[0], "#!/usr/bin/env bash");
      assert.ok(lines.includes("set -euo pipefail"));
      assert.ok(script.includes("readonly PODNET_NODE='worker-1'"));
      assert.ok(script.includes("readonly PODNET_SCOPE='default'"));
    }
    assert.equal(s.install.trimEnd().split("\n").at(-1), 'podnet_main "$@" </dev/null');
    assert.equal(s.uninstall.trimEnd().split("\n").at(-1), 'podnet_uninstall "$@" </dev/null');
  });

  test("same input, byte-identical output", () => {
    assert.equal(renderNodeScripts(base).install, renderNodeScripts(structuredClone(base)).install);
    assert.equal(renderNodeScripts(base).uninstall, renderNodeScripts(structuredClone(base)).uninstall);
  });

  test("file contents travel base64-encoded and come back exactly; secrets never appear in clear", () => {
    const s = renderNodeScripts(base);
    assert.deepEqual(embedded(s.install), ["a = 1\n", "-----BEGIN KEY-----\nsecret-material\n"]);
    assert.ok(!s.install.includes("secret-material"));
    assert.ok(!s.uninstall.includes("secret-material"));
    assert.ok(s.install.includes("podnet_file '/etc/demo/key.pem' '0600' 'root:root' '"));
  });

  test("a content with quotes, $() and the delimiter itself stays data", () => {
    const content = "PODNET_EOF\n'$(touch /tmp/pwned)'\n`id`\n";
    const s = renderNodeScripts({
      node: "n1",
      units: [{ id: "x", description: "x", files: [{ path: "/etc/x", content, mode: "0644" }], commands: [] }],
    });
    assert.deepEqual(embedded(s.install), [content]);
    assert.ok(!s.install.includes("touch /tmp/pwned"));
  });

  test("units run in order, each with create/update branches; delete commands become a stored function", () => {
    const s = renderNodeScripts(base).install;
    assert.match(s, /podnet_unit_1_delete\(\) \{\npodnet_step 'apply demo'\npodnet_log deleted\n\}/);
    assert.match(
      s,
      /case "\$PODNET_MODE" in\ncreate\)\npodnet_step 'apply demo'\npodnet_log created\n;;\nupdate\)\npodnet_step 'apply demo'\npodnet_log created\n;;\nesac/,
    );
    assert.ok(s.includes("podnet_unit_store_delete 'podnet_unit_1_delete'"));
    assert.ok(s.includes("  podnet_prune -- 'demo.files'\n  podnet_unit_1\n  podnet_install_finish 1\n"));
  });

  test("the scope names the state directory", () => {
    const s = renderNodeScripts({ ...base, scope: "prep" });
    assert.ok(s.install.includes("readonly PODNET_SCOPE='prep'"));
    assert.ok(s.install.includes(`readonly PODNET_STATE="$PODNET_ROOT/$PODNET_SCOPE"`));
  });

  test("the unit digest follows content, mode and commands", () => {
    const unit = base.units[0];
    assert.ok(unit);
    const d = unitDigest(unit);
    assert.equal(d, unitDigest(structuredClone(unit)));
    assert.notEqual(d, unitDigest({ ...unit, files: [{ ...(unit.files[0] as (typeof unit.files)[0]), content: "a = 2\n" }] }));
    assert.notEqual(d, unitDigest({ ...unit, files: [{ ...(unit.files[0] as (typeof unit.files)[0]), mode: "0640" }] }));
    assert.notEqual(d, unitDigest({ ...unit, commands: [{ name: "apply demo", create: "true" }] }));
  });

  test("runs as `bash -s`, with sudo -n for non-root users", () => {
    assert.equal(nodeScriptCommand(), "bash -s");
    assert.equal(nodeScriptCommand({ sudo: true }), "sudo -n bash -s");
  });
});

describe("hostile values are problems, never script text", () => {
  const withFile = (f: Partial<NodeState["units"][0]["files"][0]>): NodeState => ({
    node: "n1",
    units: [{ id: "u", description: "d", files: [{ path: "/etc/ok", content: "", mode: "0644", ...f }], commands: [] }],
  });
  const rows: Array<[string, NodeState, string, string, RegExp]> = [
    ["node name with a command", { node: "a;rm -rf /", units: [] }, "node.node", "node.name", /"a;rm -rf \/" is not a safe node name/],
    [
      "path with a space",
      withFile({ path: "/etc/my file.conf" }),
      "node.units[0].files[0].path",
      "node.path",
      /"\/etc\/my file.conf" is not a safe absolute path/,
    ],
    ["relative path", withFile({ path: "etc/x" }), "node.units[0].files[0].path", "node.path", /not a safe absolute path/],
    [
      "path with ..",
      withFile({ path: "/etc/../root/.ssh/authorized_keys" }),
      "node.units[0].files[0].path",
      "node.path",
      /not a safe absolute path/,
    ],
    ["path with $()", withFile({ path: "/etc/$(id)" }), "node.units[0].files[0].path", "node.path", /not a safe absolute path/],
    ["mode with a command", withFile({ mode: "0644; reboot" }), "node.units[0].files[0].mode", "node.mode", /is not a safe file mode/],
    ["setuid mode", withFile({ mode: "4755" }), "node.units[0].files[0].mode", "node.mode", /is not a safe file mode/],
    ["owner with $()", withFile({ owner: "root:$(id)" }), "node.units[0].files[0].owner", "node.owner", /is not a safe owner/],
    [
      "readable secret",
      withFile({ secret: true, mode: "0644" }),
      "node.units[0].files[0].mode",
      "node.secret-mode",
      /lets group or others read a secret file; use "0600" or "0400"/,
    ],
    [
      "podnet's own state",
      withFile({ path: "/var/lib/podnet/default/units.list" }),
      "node.units[0].files[0].path",
      "node.reserved-path",
      /inside \/var\/lib\/podnet/,
    ],
    [
      "unit id with a quote",
      { node: "n1", units: [{ id: "prep/x'y", description: "d", files: [], commands: [] }] },
      "node.units[0].id",
      "node.unit-id",
      /is not a safe unit id/,
    ],
    [
      "description with a newline",
      { node: "n1", units: [{ id: "u", description: "ok\nrm -rf /", files: [], commands: [] }] },
      "node.units[0].description",
      "node.description",
      /is not a safe description/,
    ],
    [
      "command name with a quote",
      { node: "n1", units: [{ id: "u", description: "d", files: [], commands: [{ name: "it's", create: "true" }] }] },
      "node.units[0].commands[0].name",
      "node.label",
      /is not a safe label/,
    ],
    [
      "empty create",
      { node: "n1", units: [{ id: "u", description: "d", files: [], commands: [{ name: "x", create: " " }] }] },
      "node.units[0].commands[0].create",
      "node.command",
      /must be a non-empty shell snippet/,
    ],
    ["scope with a slash", { node: "n1", scope: "../x", units: [] }, "node.scope", "node.scope", /is not a safe scope name/],
  ];
  for (const [name, state, path, code, message] of rows) {
    test(name, () => {
      const problems = checkNodeState(state);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.path, path);
      assert.equal(problems[0]?.code, code);
      assert.match(problems[0]?.message ?? "", message);
      assert.ok(problems[0]?.message.startsWith(`${path}: `));
      assert.throws(() => renderNodeScripts(state), NetworkPlanError);
    });
  }

  test("two units placing one path, and a file where another needs a directory", () => {
    const state: NodeState = {
      node: "n1",
      units: [
        { id: "a", description: "a", files: [{ path: "/etc/x", content: "", mode: "0644" }], commands: [] },
        {
          id: "b",
          description: "b",
          files: [
            { path: "/etc/x", content: "", mode: "0644" },
            { path: "/etc/x/y", content: "", mode: "0644" },
          ],
          commands: [],
        },
        { id: "a", description: "again", files: [], commands: [] },
      ],
    };
    assert.deepEqual(
      checkNodeState(state).map((p) => [p.path, p.code]),
      [
        ["node.units[1].files[0].path", "node.duplicate-path"],
        ["node.units[2].id", "node.duplicate-unit"],
        ["node.units[1].files[1].path", "node.path-conflict"],
      ],
    );
  });
});

describe("download commands", () => {
  const sha = "1a28a0506bfe5bcdc981caf1a49eeab7e72da8321f1119b7be85f22621013098";
  test("a single binary: URL, sha256, destination and mode, all quoted", () => {
    assert.deepEqual(
      downloadFileCommand({
        name: "install flanneld",
        url: "https://example.com/flanneld-amd64",
        sha256: sha,
        dest: "/usr/local/bin/flanneld",
      }),
      {
        name: "install flanneld",
        create: `podnet_download_file 'https://example.com/flanneld-amd64' '${sha}' '/usr/local/bin/flanneld' '0755'`,
      },
    );
  });

  test("an archive: every member named", () => {
    const c = downloadArchiveCommand({
      name: "cni",
      url: "http://10.0.0.1:8080/v1/x.tgz",
      sha256: sha,
      destDir: "/opt/cni/bin",
      members: ["bridge", "host-local"],
    });
    assert.equal(c.create, `podnet_download_archive 'http://10.0.0.1:8080/v1/x.tgz' '${sha}' '/opt/cni/bin' '0755' 'bridge' 'host-local'`);
  });

  const bad: Array<[string, Parameters<typeof downloadFileCommand>[0], string]> = [
    ["URL with $()", { name: "x", url: "https://example.com/$(id)", sha256: sha, dest: "/usr/bin/x" }, "download.url"],
    ["URL with a query", { name: "x", url: "https://example.com/x?a=b", sha256: sha, dest: "/usr/bin/x" }, "download.url"],
    ["URL with credentials", { name: "x", url: "https://user:pw@example.com/x", sha256: sha, dest: "/usr/bin/x" }, "download.url"],
    ["ftp URL", { name: "x", url: "ftp://example.com/x", sha256: sha, dest: "/usr/bin/x" }, "download.url"],
    ["short sha256", { name: "x", url: "https://example.com/x", sha256: "abc", dest: "/usr/bin/x" }, "download.sha256"],
    ["uppercase sha256", { name: "x", url: "https://example.com/x", sha256: sha.toUpperCase(), dest: "/usr/bin/x" }, "download.sha256"],
    ["relative destination", { name: "x", url: "https://example.com/x", sha256: sha, dest: "bin/x" }, "download.dest"],
  ];
  for (const [name, o, path] of bad) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => downloadFileCommand(o),
        (e: NetworkPlanError) => e.problems.length === 1 && e.problems[0]?.path === path,
      );
    });
  }

  test("rejects archive members with a directory", () => {
    assert.throws(
      () =>
        downloadArchiveCommand({
          name: "x",
          url: "https://example.com/x.tgz",
          sha256: sha,
          destDir: "/opt/cni/bin",
          members: ["../bridge"],
        }),
      (e: NetworkPlanError) => e.problems[0]?.path === "download.members[0]",
    );
  });
});

describe("shQuote", () => {
  const rows: Array<[string, string]> = [
    ["plain", "'plain'"],
    ["it's", `'it'\\''s'`],
    ['$(id) `id` "x"', `'$(id) \`id\` "x"'`],
    ["", "''"],
  ];
  for (const [input, out] of rows) test(JSON.stringify(input), () => assert.equal(shQuote(input), out));
});
