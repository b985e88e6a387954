#!/usr/bin/env node
/**
 * podnet: validate, plan and render a network spec.
 * Exit codes: 0 ok, 1 invalid spec (or findings), 2 unreadable file or bad usage.
 */
import { run } from "./cli.js";

process.exitCode = await run(process.argv.slice(2));
