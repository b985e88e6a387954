#!/usr/bin/env node
/**
 * podnet: validate, plan and render a network spec.
 * Exit codes: 0 ok, 1 invalid spec (or findings), 2 unreadable file or bad usage,
 * 141 (128 + SIGPIPE, what a shell shows for `yes | head`) when the reader of the
 * output went away (`podnet diff a b | head`).
 *
 * This file imports nothing statically: the Node version is checked before any module
 * that could fail on an older Node is loaded.
 */
const MIN_NODE_MAJOR = 22;
const major = Number(process.versions.node.split(".")[0]);
if (!(major >= MIN_NODE_MAJOR)) {
  process.stderr.write(`podnet needs Node.js >= ${MIN_NODE_MAJOR}; this is v${process.versions.node}\n`);
  process.exit(2);
}

/** 128 + SIGPIPE (13). */
const EXIT_PIPE_CLOSED = 141;
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    // the reader closed the pipe: stop quietly, as a process killed by SIGPIPE would
    if (e.code === "EPIPE") process.exit(EXIT_PIPE_CLOSED);
    throw e;
  });
}

const { run } = await import("./cli.js");
process.exitCode = await run(process.argv.slice(2));
