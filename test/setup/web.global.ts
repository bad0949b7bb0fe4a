// Builds the browser app once per test run, as `npm start` does, so end-to-end tests load the
// same bundle a TV would.
import { build } from 'vite'

export default async function setup() {
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' })
}
