// The configuration an administrator manages: users, boards, display tokens, API keys, queue
// settings, and the audit log of every change. One declaration per shape gives the TypeScript type,
// the route's validation (unknown fields rejected) and the OpenAPI description.
import Type from 'typebox'
import { API_KEY_SCOPES, Name, Password, ROLES, TeamIds, Username } from './auth.js'

const Ids = (what: string) => Type.Array(Name(`${what} id`), { maxItems: 1000, uniqueItems: true })
const Slug = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9-]*$',
  description: 'lower-case letters, digits and -',
})
const strict = { additionalProperties: false } as const

export const UserCreateSchema = Type.Object(
  {
    username: Username,
    name: Type.Optional(Name('display name', 200)),
    password: Password,
    role: Type.Enum([...ROLES]),
    teams: Type.Optional(TeamIds),
  },
  strict,
)
export type UserCreate = Type.Static<typeof UserCreateSchema>

export const UserUpdateSchema = Type.Object(
  {
    name: Type.Optional(Name('display name', 200)),
    password: Type.Optional(Password),
    role: Type.Optional(Type.Enum([...ROLES])),
    teams: Type.Optional(TeamIds),
    disabled: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
)
export type UserUpdate = Type.Static<typeof UserUpdateSchema>

/** How a board looks on its screens: the palette, and the queues shown at once (then it rotates). */
export const BoardDisplaySchema = Type.Object(
  {
    theme: Type.Enum(['dark', 'light'], { description: 'dark for dim rooms (default), light for bright ones' }),
    pageSize: Type.Union([Type.Integer({ minimum: 1, maximum: 24 }), Type.Null()], {
      description: 'queues per page; null: every queue on one page',
    }),
    rotateSec: Type.Integer({ minimum: 5, maximum: 600, description: 'seconds per page when there are several' }),
  },
  strict,
)
export type BoardDisplay = Type.Static<typeof BoardDisplaySchema>
export const DEFAULT_BOARD_DISPLAY: BoardDisplay = { theme: 'dark', pageSize: null, rotateSec: 20 }

export const BoardInputSchema = Type.Object(
  {
    name: Name('shown as the board title', 200),
    allQueues: Type.Optional(Type.Boolean({ description: 'show every queue (default false)' })),
    queues: Type.Optional(Ids('queue')),
    teams: Type.Optional(Ids('team')),
    display: Type.Optional(BoardDisplaySchema),
  },
  strict,
)
export type BoardInput = Type.Static<typeof BoardInputSchema>

export const BoardCreateSchema = Type.Object(
  { ...BoardInputSchema.properties, id: Type.Optional(Slug) },
  { ...strict, description: 'a board shows every queue, or the queues it names plus the queues of the teams it names' },
)
export type BoardCreate = Type.Static<typeof BoardCreateSchema>

export const BoardUpdateSchema = Type.Object(
  {
    name: Type.Optional(BoardInputSchema.properties.name),
    allQueues: Type.Optional(Type.Boolean()),
    queues: Type.Optional(Ids('queue')),
    teams: Type.Optional(Ids('team')),
    display: Type.Optional(BoardDisplaySchema),
  },
  { ...strict, minProperties: 1 },
)
export type BoardUpdate = Type.Static<typeof BoardUpdateSchema>

export const BoardSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  allQueues: Type.Boolean(),
  queues: Type.Array(Type.String()),
  teams: Type.Array(Type.String()),
  display: BoardDisplaySchema,
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
})
export type Board = Type.Static<typeof BoardSchema>

/** A secret's record: what is kept of an API key or display token (its hash is never shown). */
const SecretFields = {
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.Number(),
  createdBy: Type.String({ description: 'who issued it' }),
  revokedAt: Type.Union([Type.Number(), Type.Null()]),
}

export const ApiKeySchema = Type.Object({ ...SecretFields, scopes: Type.Array(Type.Enum([...API_KEY_SCOPES])) })
export type ApiKey = Type.Static<typeof ApiKeySchema>
export const ApiKeyCreateSchema = Type.Object(
  {
    name: Name('what the key is for', 200),
    scopes: Type.Array(Type.Enum([...API_KEY_SCOPES]), { minItems: 1, uniqueItems: true }),
  },
  strict,
)

export const DisplayTokenSchema = Type.Object({ ...SecretFields, boardId: Type.String() })
export type DisplayToken = Type.Static<typeof DisplayTokenSchema>
export const DisplayTokenCreateSchema = Type.Object({ name: Type.Optional(Name('where the screen hangs', 200)) }, strict)

export const QueueSettingsInputSchema = Type.Object(
  {
    name: Type.Optional(Type.Union([Name('display name', 200), Type.Null()], { description: 'null: show the id' })),
    team: Type.Optional(Type.Union([Name('team id'), Type.Null()], { description: 'null: no team' })),
    site: Type.Optional(Type.Union([Name('site the queue is served from', 200), Type.Null()], { description: 'null: no site' })),
  },
  { ...strict, minProperties: 1 },
)
export const QueueSettingsSchema = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  team: Type.Union([Type.String(), Type.Null()]),
  site: Type.Union([Type.String(), Type.Null()]),
  seen: Type.Boolean({ description: 'an event has named this queue' }),
})
export type QueueSettings = Type.Static<typeof QueueSettingsSchema>

export const AuditEntrySchema = Type.Object({
  id: Type.String({ description: 'position in the audit log; pass as `before` to page back' }),
  at: Type.Number(),
  actor: Type.Object({ type: Type.Enum(['user', 'system']), id: Type.String(), name: Type.String() }),
  action: Type.String({ description: 'e.g. user.create, token.revoke' }),
  target: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
})
export type AuditEntry = Type.Static<typeof AuditEntrySchema>

/** A connected screen: a TV on its display token, or a logged-in browser watching a view. */
export const ScreenSchema = Type.Object({
  id: Type.String({ description: 'the connection' }),
  kind: Type.Enum(['tv', 'browser']),
  board: Type.Union([Type.String(), Type.Null()], { description: 'the board it shows; null for a team or every queue' }),
  view: Type.String({ description: '`board:<id>`, `team:<id>` or `all`' }),
  user: Type.Union([Type.String(), Type.Null()], { description: 'the logged-in user; null for a TV' }),
  address: Type.String({ description: "the client's address (X-Forwarded-For behind a trusted proxy)" }),
  userAgent: Type.String(),
  connectedAt: Type.Number(),
  lastSeenAt: Type.Number({ description: 'the last packet from it (pings included), epoch ms' }),
  version: Type.Union([Type.String(), Type.Null()], { description: 'the board app version it runs' }),
})
export type Screen = Type.Static<typeof ScreenSchema>

export const ScreenReloadSchema = Type.Object(
  {
    screen: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'one connection' })),
    board: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'every screen of a board' })),
  },
  { additionalProperties: false, description: 'nothing: every screen' },
)
export type ScreenReload = Type.Static<typeof ScreenReloadSchema>

/** An agent's display name, given by an admin; null goes back to the name its events carry. */
export const AgentNameSchema = Type.Object(
  { name: Type.Union([Name('display name', 200), Type.Null()], { description: 'null: the name from the events' }) },
  strict,
)
