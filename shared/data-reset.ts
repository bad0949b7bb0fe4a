// A data reset: the store came back empty (Redis restarted without its data), so what it held is
// gone. The figures continue from the aggregator's memory, re-saved into the new store; events
// stored but not yet applied when the store was lost are lost with it. One schema for the routes
// that show it and the type boards and views read (shared/socket.ts).
import Type from 'typebox'

export const DataResetSchema = Type.Object({
  at: Type.Number({ description: 'epoch ms the reset was noticed' }),
  previousEpoch: Type.String({ description: "the lost store's epoch (server/store/epoch.ts)" }),
  epoch: Type.String({ description: "the new store's epoch" }),
  logEntriesBefore: Type.Union([Type.Integer(), Type.Null()], {
    description: 'log entries the lost store held, as last read (at most a moment before it was lost); null: unknown',
  }),
  eventsKeptFromMemory: Type.Union([Type.Integer(), Type.Null()], {
    description:
      'of those, the entries the figures had applied and keep from memory; the rest are lost; null: no memory was kept',
  }),
  figuresKept: Type.Boolean({ description: 'the figures continue from memory (true), or start again from nothing (false)' }),
})

export type DataReset = Type.Static<typeof DataResetSchema>
