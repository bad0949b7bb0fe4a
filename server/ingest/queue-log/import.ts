// Backfills history from queue_log files (the pipe file, or the table exported as CSV): reads each
// file line by line, sends the events in batches until acknowledged, and sums up what happened.
// Ids are hashed from each line, so importing the same file again stores nothing new.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { WallboardEvent } from '../../../shared/events.js'
import type { WallboardClient } from '../client.js'
import { type QueueLogOptions, type QueueLogStats, QueueLogParser } from './parse.js'

export interface ImportOptions {
  files: string[]
  client: WallboardClient
  parser: QueueLogOptions
  /** most events per request; default 1000 */
  batchEvents?: number
  signal?: AbortSignal
  /** after each acknowledged batch */
  onProgress?: (summary: ImportSummary) => void
  /** each delivery failure, before its retry */
  onRetry?: (failures: number, why: string, delayMs: number) => void
}

export interface ImportSummary {
  files: number
  accepted: number
  duplicates: number
  /** events the wallboard refused, with its reasons (the first 20) */
  refused: number
  refusals: string[]
  stats: QueueLogStats
}

export async function importQueueLog(opts: ImportOptions): Promise<ImportSummary> {
  const batchEvents = opts.batchEvents ?? 1000
  // One parser across the files: give them oldest first, so agent states carry over.
  const parser = new QueueLogParser(opts.parser)
  const summary: ImportSummary = { files: 0, accepted: 0, duplicates: 0, refused: 0, refusals: [], stats: parser.stats }
  let batch: WallboardEvent[] = []

  const flush = async () => {
    if (batch.length === 0) return
    const result = await opts.client.deliver(batch, opts.signal, opts.onRetry)
    summary.accepted += result.accepted
    summary.duplicates += result.duplicates
    summary.refused += result.rejected.length
    for (const r of result.rejected) if (summary.refusals.length < 20) summary.refusals.push(r.error)
    batch = []
    summary.stats = parser.stats
    opts.onProgress?.(summary)
  }

  for (const file of opts.files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
    for await (const line of lines) {
      batch.push(...parser.parseLine(line))
      if (batch.length >= batchEvents) await flush()
    }
    summary.files++
  }
  await flush()
  summary.stats = parser.stats
  return summary
}
