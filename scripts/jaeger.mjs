#!/usr/bin/env node
// Obtains Jaeger (the trace backend test/integration/tracing.test.ts exports to and queries) at
// one pinned version, built from its Go module. Jaeger's go.mod has a replace directive, so
// `go install …@version` refuses it: the build runs in a scratch module that requires it as a
// tool (`go get -tool`) with the same replace, then `go install`s cmd/jaeger from there
// (goInstall with goMod, scripts/go-tool-cache.mjs).
//
//   node scripts/jaeger.mjs [--quiet] [--print]
//
// Sources, in order (scripts/go-tool-cache.mjs): JAEGER (a binary; used as it is); the project
// cache .tools/jaeger-<version>/; the machine cache ~/.cache/herald-tools/jaeger-<version>/, so a
// fresh clone in CI copies the binary instead of building it again; a Go build (cold: about
// 8 minutes on 2 cores, see docs/operations.md#tracing).
import { goInstalledTool, toolMain } from './go-tool-cache.mjs';

// The one place where the version is pinned (a tag of github.com/jaegertracing/jaeger: Jaeger v2).
export const JAEGER_VERSION = process.env.JAEGER_VERSION ?? '1.75.0';
const MODULE = 'github.com/jaegertracing/jaeger/cmd/jaeger';
// Jaeger's own go.mod replaces it; a replace applies only in the main module, so it is repeated.
const GO_MOD = `module herald.local/jaeger-build

go 1.24.6

replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0
`;

/** Returns the path of a working Jaeger at the pinned version, building it if needed. */
export const ensureJaeger = goInstalledTool({
  name: 'jaeger',
  version: JAEGER_VERSION,
  module: MODULE,
  envVar: 'JAEGER',
  versionArgs: ['version'],
  goMod: GO_MOD,
});

toolMain(import.meta.url, 'jaeger', ensureJaeger);
