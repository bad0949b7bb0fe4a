// The configuration an administrator manages: users, boards, display tokens, API keys, queue
// settings, teams, and the audit log of every change. One declaration per shape gives the TypeScript type,
// the route's validation (unknown fields rejected) and the OpenAPI description.
import Type from 'typebox'
import { API_KEY_SCOPES, Name, Password, ROLES, TeamId, TeamIds, Username } from './auth.js'
import { ActiveHoursSchema } from './hours.js'
import { ThresholdOverridesSchema } from './thresholds.js'

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

/**
 * The tiles a board's queue card can show, and where each sits: the hero (service level today,
 * the largest figure), the large figures of now beside it, a grid of small figures, the strip of
 * agents by state below, and the staffing estimate in the card's header. A board lists the tiles
 * it shows; their order is the order within each place.
 */
export const BOARD_TILES = {
  serviceLevel: 'hero',
  waiting: 'large',
  longestWait: 'large',
  asa: 'small',
  answerRate: 'small',
  abandonRate: 'small',
  offered: 'small',
  answered: 'small',
  abandoned: 'small',
  serviceLevelRolling: 'small',
  avgAbandonWait: 'small',
  aht: 'small',
  occupancy: 'small',
  csat: 'small',
  nps: 'small',
  agents: 'strip',
  staffing: 'header',
} as const
export type BoardTile = keyof typeof BOARD_TILES
export type TilePlace = (typeof BOARD_TILES)[BoardTile]
export const BOARD_TILE_IDS = Object.keys(BOARD_TILES) as BoardTile[]
export const DEFAULT_BOARD_TILES: readonly BoardTile[] = [
  'serviceLevel',
  'waiting',
  'longestWait',
  'asa',
  'answerRate',
  'abandonRate',
  'offered',
  'answered',
  'abandoned',
  'agents',
  'staffing',
]

export const BOARD_LANGUAGES = ['auto', 'en', 'zh-CN'] as const

const BoardDisplayFields = {
  theme: Type.Enum(['dark', 'light'], { description: 'dark for dim rooms (default), light for bright ones' }),
  pageSize: Type.Union([Type.Integer({ minimum: 1, maximum: 24 }), Type.Null()], {
    description: 'queues per page; null: every queue on one page',
  }),
  rotateSec: Type.Integer({ minimum: 5, maximum: 600, description: 'seconds per page when there are several' }),
  language: Type.Enum([...BOARD_LANGUAGES], {
    description: "auto: the screen's own language; a `?lang=` in the TV's address wins over both",
  }),
  tiles: Type.Array(Type.Enum(BOARD_TILE_IDS), {
    minItems: 1,
    uniqueItems: true,
    description: 'the tiles of each queue card, in order within their place (hero, large, small, strip, header)',
  }),
  thresholds: ThresholdOverridesSchema,
}

/** How a board looks on its screens: palette, language, tiles and their thresholds, paging. */
export const BoardDisplaySchema = Type.Object(BoardDisplayFields, strict)
export type BoardDisplay = Type.Static<typeof BoardDisplaySchema>
export const DEFAULT_BOARD_DISPLAY: BoardDisplay = {
  theme: 'dark',
  pageSize: null,
  rotateSec: 20,
  language: 'auto',
  tiles: [...DEFAULT_BOARD_TILES],
  thresholds: {},
}
/** A change of display settings names only what changes; the rest stays. */
export const BoardDisplayInputSchema = Type.Partial(BoardDisplaySchema, {
  ...strict,
  description: 'display settings to change; the others keep their value',
})
export type BoardDisplayInput = Type.Static<typeof BoardDisplayInputSchema>

export const BoardInputSchema = Type.Object(
  {
    name: Name('shown as the board title', 200),
    allQueues: Type.Optional(Type.Boolean({ description: 'show every queue (default false)' })),
    queues: Type.Optional(Ids('queue')),
    teams: Type.Optional(Ids('team')),
    display: Type.Optional(BoardDisplayInputSchema),
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
    display: Type.Optional(BoardDisplayInputSchema),
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
    team: Type.Optional(Type.Union([TeamId, Type.Null()], { description: 'null: no team' })),
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

/** A team's opening hours on the centre's clock; alert rules with `activeHours: "team"` are active within them. */
const TeamHours = Type.Union([ActiveHoursSchema, Type.Null()], {
  description:
    "opening hours on the centre's clock (`to` before `from`: past midnight); null (or absent from a PUT): open around the clock",
})

/** A team's own record (PUT replaces it whole): the name views show for it, its site and its opening hours. */
export const TeamInputSchema = Type.Object(
  {
    name: Name('name views show for the team', 200),
    site: Type.Optional(
      Type.Union([Name('site the team works from', 200), Type.Null()], { description: 'null or absent: no site' }),
    ),
    hours: Type.Optional(TeamHours),
  },
  strict,
)
export type TeamInput = Type.Static<typeof TeamInputSchema>

export const TeamSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  site: Type.Union([Type.String(), Type.Null()]),
  hours: TeamHours,
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
})
export type Team = Type.Static<typeof TeamSchema>

/** A team as the configuration and the events know it, with or without its own record. */
export const TeamSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()], { description: 'null: no record, views show the id' }),
  site: Type.Union([Type.String(), Type.Null()]),
  hours: TeamHours,
  record: Type.Boolean({ description: 'an admin saved a record for this team' }),
  queues: Type.Array(Type.String(), { description: 'queues whose settings name the team' }),
  leads: Type.Array(Type.String(), { description: 'usernames of the team leads of the team' }),
  boards: Type.Array(Type.String(), { description: 'boards that name the team' }),
  agents: Type.Integer({ description: 'agents whose events name the team' }),
})
export type TeamSummary = Type.Static<typeof TeamSummarySchema>

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
