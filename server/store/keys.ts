// Every Redis key name is built here and nowhere else.
// All keys of one centre share the hash tag `{c}`, so that the ingest script and the aggregator's
// transaction touch a single slot on Redis Cluster.

import { ARCHIVE_TABLES, type ArchiveTable, SAVED_TABLES, type SavedTable } from '../../shared/figures/aggregate.js'

/** The tables kept in one hash each and loaded at start; the write-only archives (history, calls) are kept per day. */
export type StateTable = Exclude<SavedTable, ArchiveTable>
export const STATE_TABLES = SAVED_TABLES.filter((t): t is StateTable => !(ARCHIVE_TABLES as readonly string[]).includes(t))

export interface Keys {
  /** stream: the append-only event log; one entry per accepted event, field `e` = event JSON */
  events: string
  /** set of every accepted event id: the idempotency check */
  eventIds: string
  /** hash: the last stream id the saved state includes (the exactly-once marker), with the count, definitions and writer */
  position: string
  /** string with a TTL: the process that is the active aggregator (server/store/lease.ts) */
  aggregatorLease: string
  /** string: this store's epoch (JSON id and start), written once into an empty store: its loss is a data reset (server/store/epoch.ts) */
  epoch: string
  /** string: the data reset this store came out of (JSON), until an admin acknowledges it */
  dataReset: string
  /** the socket.io Redis Streams adapter's stream and connection-state sessions */
  socketStream: string
  socketSessions: string
  /** one hash per state table: row key → row JSON */
  state: Record<StateTable, string>
  /** one hash per UTC day (YYYY-MM-DD) of archived intervals: interval key → counters JSON; expires after the retention */
  historyDay(date: string): string
  /** one hash per UTC day (YYYY-MM-DD) of the outcome and queue: call id → archived call for the drill-down; expires 3 days after its day */
  callsDay(date: string, queue: string): string
  /** string: epoch ms from which every call forgotten from memory is archived (set once, at the first start with the archive) */
  callsArchivedSince: string
  /** secrets shown once and kept as SHA-256 hashes: `records` id → JSON (with the hash), `hashes` hash → id */
  apiKeys: SecretKeys
  displayTokens: SecretKeys
  /** hash: user id → user JSON (with the password hash); `usernames`: lower-case username → id */
  users: string
  usernames: string
  /** string per session, with a TTL: the session's JSON */
  session(id: string): string
  /** counter per username, with a TTL: recent failed logins */
  loginFailures(username: string): string
  /** hash: board id → board JSON */
  boards: string
  /** hash: queue id → queue settings JSON (name, team) */
  queueSettings: string
  /** hash: agent id → display name an admin gave it */
  agentNames: string
  /** hash: event source → its settings JSON (how long it may stay silent) */
  sourceSettings: string
  /** hash: source → its connector's latest link report (JSON) */
  sourceLinks: string
  /** hash: team id → team record JSON (name, site) */
  teams: string
  /** hash: definition-set version → the set's JSON (every version is kept: figures name theirs) */
  definitions: string
  /** stream: the audit log of configuration changes */
  audit: string
  /** hash: generated secrets the processes share (the session-cookie key) */
  secrets: string
  /** prefix of @fastify/rate-limit's counters */
  rateLimit: string
  /** the alert engine's rules, alerts and tracking (server/alerts/store.ts) */
  alerts: AlertKeys
  /** hash: channel id → channel JSON, secrets included (never sent to a browser) */
  channels: string
  /** hash per channel: how its deliveries go (failures in a row, last error, since when, last delivered) */
  channelStatus(id: string): string
  /** hash: notification id → notification JSON (state, attempts, last error, the alert as it was) */
  notifications: string
  /** sorted sets of notification ids: pending by creation (the bounded queue), due by next attempt, every one by creation (the delivery log) */
  notificationsPending: string
  notificationsDue: string
  notificationsLog: string
  /** string per queued notification, with a TTL: the dedupe marker of (alert, transition, channel) */
  notificationQueued(id: string): string
}

export interface AlertKeys {
  /** hash: rule id → alert rule JSON */
  rules: string
  /** hash: alert id → alert JSON, of the alerts still open (firing or acknowledged) */
  open: string
  /** hash: alert id → alert JSON of resolved alerts; `resolvedAt` (zset: id → resolvedAt) bounds it */
  resolved: string
  resolvedAt: string
  /** hash: `<rule id>|q:<queue>` or `<rule id>|a:<agent>` → tracking JSON (timers, cooldown, its open alert) */
  tracks: string
  /** hash: `<alert id>:<history index>` → channel ids JSON: transitions saved but not yet handed to the notifier */
  unnotified: string
  /** string: the log position up to which survey responses were handed to the alert engine */
  surveyPosition: string
}

export interface SecretKeys {
  records: string
  hashes: string
}

export function redisKeys(prefix: string): Keys {
  const base = `${prefix}{c}:`
  return {
    events: `${base}events`,
    eventIds: `${base}event-ids`,
    position: `${base}agg:position`,
    aggregatorLease: `${base}agg:lease`,
    epoch: `${base}epoch`,
    dataReset: `${base}data-reset`,
    socketStream: `${base}socket.io`,
    socketSessions: `${base}socket.io-session:`,
    state: Object.fromEntries(STATE_TABLES.map((t) => [t, `${base}agg:${t}`])) as Record<StateTable, string>,
    historyDay: (date) => `${base}agg:history:${date}`,
    callsDay: (date, queue) => `${base}agg:calls:${date}:${queue}`,
    callsArchivedSince: `${base}agg:calls-archived-since`,
    apiKeys: { records: `${base}api-keys`, hashes: `${base}api-key-hashes` },
    displayTokens: { records: `${base}display-tokens`, hashes: `${base}display-token-hashes` },
    users: `${base}users`,
    usernames: `${base}usernames`,
    session: (id) => `${base}session:${id}`,
    loginFailures: (username) => `${base}login-failures:${username}`,
    boards: `${base}boards`,
    queueSettings: `${base}queue-settings`,
    agentNames: `${base}agent-names`,
    sourceSettings: `${base}source-settings`,
    sourceLinks: `${base}source-links`,
    teams: `${base}teams`,
    definitions: `${base}definitions`,
    audit: `${base}audit`,
    secrets: `${base}secrets`,
    rateLimit: `${base}rate:`,
    alerts: {
      rules: `${base}alert-rules`,
      open: `${base}alerts:open`,
      resolved: `${base}alerts:resolved`,
      resolvedAt: `${base}alerts:resolved-at`,
      tracks: `${base}alerts:tracks`,
      unnotified: `${base}alerts:unnotified`,
      surveyPosition: `${base}alerts:survey-position`,
    },
    channels: `${base}channels`,
    channelStatus: (id) => `${base}channel-status:${id}`,
    notifications: `${base}notifications`,
    notificationsPending: `${base}notifications:pending`,
    notificationsDue: `${base}notifications:due`,
    notificationsLog: `${base}notifications:log`,
    notificationQueued: (id) => `${base}notification-queued:${id}`,
  }
}
