#!/usr/bin/env node
// Obtains the Prometheus server (test/integration/ops-dashboard.test.ts scrapes Herald with it
// and runs every dashboard query) at the version promtool is pinned to (scripts/promtool.mjs),
// built from its Go module: `go install github.com/prometheus/prometheus/cmd/prometheus`.
// Built without the `builtinassets` tag: the web UI is not embedded (its pages answer with an
// error), the HTTP API the test and scripts/dashboard-preview.mjs use is all there.
//
//   node scripts/prometheus.mjs [--quiet] [--print]
//
// Sources, in order (scripts/go-tool-cache.mjs): PROMETHEUS (a binary; used as it is); the
// project cache .tools/prometheus-<version>/ (HERALD_TOOLS_DIR moves it); the machine cache
// ${XDG_CACHE_HOME:-~/.cache}/herald-tools/prometheus-<version>/ (HERALD_TOOLS_CACHE moves it),
// so a fresh clone in CI copies the binary; `go install` (needs Go; a cold build takes minutes).
import { goInstalledTool, toolMain } from './go-tool-cache.mjs';
import { PROMTOOL_VERSION } from './promtool.mjs';

// One pin for both: the server that runs the rules is the release whose promtool tests them.
export const PROMETHEUS_VERSION = PROMTOOL_VERSION;
const MODULE = 'github.com/prometheus/prometheus/cmd/prometheus';

/** Returns the path of a working Prometheus at the pinned version, building it if needed. */
export const ensurePrometheus = goInstalledTool({
  name: 'prometheus',
  version: PROMETHEUS_VERSION,
  module: MODULE,
  envVar: 'PROMETHEUS',
});

toolMain(import.meta.url, 'prometheus', ensurePrometheus);
