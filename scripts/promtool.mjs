#!/usr/bin/env node
// Obtains Prometheus's promtool (it checks and unit-tests deploy/prometheus/) at one pinned
// version, built from its Go module: `go install github.com/prometheus/prometheus/cmd/promtool`.
//
//   node scripts/promtool.mjs [--quiet] [--print]
//
// Sources, in order (scripts/go-tool-cache.mjs): PROMTOOL (a binary; used as it is); the project cache
// .tools/promtool-<version>/ (HERALD_TOOLS_DIR moves it); the machine cache
// ${XDG_CACHE_HOME:-~/.cache}/herald-tools/promtool-<version>/ (HERALD_TOOLS_CACHE moves it), so a
// fresh clone in CI copies the binary instead of building it again; `go install` (needs Go; a
// cold build takes minutes, Go's own module and build caches in ~ make a rebuild quicker).
// A promtool on PATH is not used: its version would decide what the rules tests accept.
import { goInstalledTool, toolMain } from './go-tool-cache.mjs';

// The one place where the version is pinned (a tag of github.com/prometheus/prometheus).
export const PROMTOOL_VERSION = process.env.PROMTOOL_VERSION ?? '0.316.0';
const MODULE = 'github.com/prometheus/prometheus/cmd/promtool';

/** Returns the path of a working promtool at the pinned version, building it if needed. */
export const ensurePromtool = goInstalledTool({
  name: 'promtool',
  version: PROMTOOL_VERSION,
  module: MODULE,
  envVar: 'PROMTOOL',
});

toolMain(import.meta.url, 'promtool', ensurePromtool);
