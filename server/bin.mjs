#!/usr/bin/env node
// The `wallboard` command (package.json "bin"): runs server/cli.ts, compiled on the fly by tsx.
import { register } from 'tsx/esm/api'

register()
await import('./cli.ts')
