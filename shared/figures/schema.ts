// The shape of the figures every consumer sees (API, socket, board), field names as in metrics.md.
// One declaration: the TypeScript types, the API response schema and the OpenAPI description.
import { BoardDisplaySchema } from '../admin.js'
import Type from 'typebox'
import { DefinitionSchema } from '../definitions.js'

const Pct = (description: string) =>
  Type.Union([Type.Number(), Type.Null()], { description: `${description}; null when the denominator is 0` })
const Sec = Pct
const Count = (description: string) => Type.Integer({ description })

export const AGENT_LIVE_STATES = ['available', 'ringing', 'onCall', 'acw', 'paused', 'offline'] as const
export type AgentLiveState = (typeof AGENT_LIVE_STATES)[number]

/** The counters and ratios of a stretch of time: a window (today, rolling) or a history interval. */
export const FigureFields = {
  arrived: Count('calls that entered the queue'),
  offered: Count('answered + abandoned + overflowed'),
  offeredNet: Count('offered − shortAbandoned'),
  answered: Count('answered'),
  answeredWithin: Count('answered with wait ≤ slThresholdSec'),
  abandoned: Count('caller hung up while waiting'),
  shortAbandoned: Count('abandoned with wait < shortAbandonSec'),
  abandonedWithin: Count('abandoned (not short) with wait ≤ slThresholdSec'),
  overflowed: Count('left unanswered for another reason'),
  handled: Count('answered calls that ended'),
  waitUnknown: Count('calls whose queue entry never arrived: left out of every figure that needs a wait'),
  answeredWaitUnknown: Count('answered calls among waitUnknown'),
  overflowedWaitUnknown: Count('overflowed calls among waitUnknown'),
  answeredWaitMs: Count('sum of waits of answered calls with known wait'),
  abandonWaitCount: Count('abandoned calls (not short) with known wait'),
  abandonWaitMs: Count('sum of their waits'),
  talkMs: Count('talk time of handled calls'),
  acwMs: Count("agents' after-call work for this queue's calls, in the window"),
  onCallMs: Count("agents' time on this queue's calls, in the window"),
  availableMs: Count('time member agents were available, in the window'),
  loggedInMs: Count('time member agents were logged in, in the window'),
  pausedMs: Type.Record(Type.String(), Type.Integer(), { description: 'time member agents were paused, by reason' }),
  fcrEligible: Count('handled calls with a known caller'),
  fcrRepeat: Count('of those: the caller came back within the FCR window, or the call was marked unresolved'),
  csatResponses: Count('survey responses with csat'),
  csatSatisfied: Count('csat ≥ csatTopBox'),
  csatDissatisfied: Count('csat ≤ csatLowBox'),
  npsResponses: Count('survey responses with nps'),
  npsPromoters: Count('nps 9–10'),
  npsDetractors: Count('nps 0–6'),
  serviceLevelPct: Pct('service level under the definition'),
  answerRatePct: Pct('answered / offeredNet'),
  abandonRatePct: Pct('abandoned (not short) / offeredNet'),
  asaSec: Sec('average speed of answer'),
  avgAbandonWaitSec: Sec('mean wait of abandoned calls (not short)'),
  maxWaitSec: Sec('longest wait of a call with outcome in the window, whole seconds'),
  avgTalkSec: Sec('mean talk time of handled calls'),
  avgAcwSec: Sec('ACW time / handled'),
  ahtSec: Sec('(talk + ACW) / handled'),
  occupancyPct: Pct('(on call + ACW) / (on call + ACW + available) agent time'),
  utilizationPct: Pct('(on call + ACW) / (logged in − paused for excluded reasons) agent time'),
  callsPerAgent: Sec('handled / agents who handled at least one call'),
  fcrPct: Pct('resolved at first contact / handled calls whose FCR window has closed'),
  fcrPending: Count('handled calls still inside their FCR window (provisional)'),
  csatPct: Pct('satisfied / responses'),
  dsatPct: Pct('dissatisfied / responses'),
  nps: Pct('net promoter score, −100…100'),
}

export const WindowFiguresSchema = Type.Object({
  window: Type.Enum(['today', 'rolling']),
  from: Type.Number({ description: 'window start, epoch ms' }),
  to: Type.Number({ description: 'window end (now), epoch ms' }),
  ...FigureFields,
})
export type WindowFigures = Type.Static<typeof WindowFiguresSchema>

export const StaffingSchema = Type.Object(
  {
    arrivalsPerHour: Type.Union([Type.Number(), Type.Null()], {
      description: 'calls that entered the queue in the last 30 minutes, per hour',
    }),
    ahtSec: Type.Union([Type.Number(), Type.Null()], {
      description: 'AHT of the last 30 minutes (of today when none ended in them)',
    }),
    trafficErlangs: Type.Union([Type.Number(), Type.Null()]),
    needed: Type.Union([Type.Integer(), Type.Null()], {
      description: 'fewest agents whose Erlang C service level meets the target',
    }),
    neededCapped: Type.Boolean({ description: 'the search stopped at its cap: more than `needed` agents are needed' }),
    have: Count('member agents logged in now'),
    predictedSlPct: Type.Union([Type.Number(), Type.Null()], { description: 'Erlang C service level with the agents logged in' }),
    predictedAsaSec: Type.Union([Type.Number(), Type.Null()], {
      description: 'Erlang C ASA with the agents logged in (null: unbounded)',
    }),
  },
  { description: 'Erlang C estimate: null figures when there is no arrival or handle-time estimate' },
)
export type Staffing = Type.Static<typeof StaffingSchema>

const AgentCountsSchema = Type.Object({
  available: Count('members available'),
  ringing: Count('members being offered a call'),
  onCall: Count('members on a call'),
  acw: Count('members in after-call work'),
  paused: Count('members paused'),
  offline: Count('members logged out'),
  pausedByReason: Type.Record(Type.String(), Type.Integer(), { description: 'paused members by pause reason' }),
})
export type AgentCounts = Type.Static<typeof AgentCountsSchema>

/** A definition as figures carry it: every option, its version, and its label. */
export const LabelledDefinitionSchema = Type.Object({
  ...DefinitionSchema.properties,
  label: Type.String({ description: 'human label of the definition, e.g. SL 80/20 · abandons < 5 s ignored · v1' }),
})

export const QueueFiguresSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  definition: LabelledDefinitionSchema,
  staffing: StaffingSchema,
  live: Type.Object({
    waiting: Count('calls queued now'),
    longestWaitSec: Type.Integer({ description: 'wait so far of the oldest waiting call, at asOf' }),
    oldestQueuedAt: Type.Union([Type.Number(), Type.Null()], {
      description: 'epoch ms the oldest waiting call entered; clients tick from it',
    }),
    agents: AgentCountsSchema,
    agentsLoggedIn: Count('members not offline'),
  }),
  windows: Type.Object({
    today: Type.Optional(WindowFiguresSchema),
    rolling: Type.Optional(WindowFiguresSchema),
  }),
})
export type QueueFigures = Type.Static<typeof QueueFiguresSchema>
export type LabelledDefinition = Type.Static<typeof LabelledDefinitionSchema>

export const AgentFiguresSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  team: Type.Union([Type.String(), Type.Null()]),
  state: Type.Enum([...AGENT_LIVE_STATES]),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'pause reason when paused' }),
  since: Type.Union([Type.Number(), Type.Null()], { description: 'epoch ms the current state began' }),
  callQueue: Type.Union([Type.String(), Type.Null()], { description: 'queue of the current or ringing call' }),
  callId: Type.Union([Type.String(), Type.Null()]),
  queues: Type.Array(Type.String(), { description: 'queue membership' }),
  handledToday: Count('calls handled today'),
  talkMsToday: Count('talk time of those calls'),
  today: Type.Object(
    {
      handled: Count('calls handled'),
      avgTalkSec: Type.Union([Type.Number(), Type.Null()], { description: 'talk time / handled' }),
      acwMs: Count('time in after-call work'),
      onCallMs: Count('time on calls'),
      availableMs: Count('time available'),
      loggedInMs: Count('time logged in'),
      pausedMs: Type.Record(Type.String(), Type.Integer(), { description: 'time paused, by reason' }),
      csatPct: Type.Union([Type.Number(), Type.Null()]),
      csatResponses: Count('survey responses with csat'),
    },
    { description: 'the business day so far, the current stretch included up to now' },
  ),
})
export type AgentFigures = Type.Static<typeof AgentFiguresSchema>

export const FiguresSnapshotSchema = Type.Object({
  asOf: Type.Union([Type.Number(), Type.Null()], {
    description: 'epoch ms up to which the event log has been applied; null before the first catch-up',
  }),
  serverNow: Type.Number({ description: 'server clock when this was computed, epoch ms' }),
  timezone: Type.String({ description: "the centre's IANA time zone (the business day, the board clock)" }),
  view: Type.Object(
    {
      kind: Type.Enum(['all', 'team', 'board']),
      id: Type.Union([Type.String(), Type.Null()], { description: 'board or team id; null for all' }),
      name: Type.String({ description: 'what a board shows as its title' }),
      display: Type.Optional(BoardDisplaySchema),
    },
    { description: 'what these figures are of; a board also says how it looks' },
  ),
  queues: Type.Array(QueueFiguresSchema),
})
export type FiguresSnapshot = Type.Static<typeof FiguresSnapshotSchema>

/** One closed interval of one queue (`GET /api/v1/history`), or a run of them under one version. */
export const HistoryRowSchema = Type.Object({
  queue: Type.String(),
  from: Type.Number({ description: 'interval start, epoch ms' }),
  to: Type.Number({ description: 'interval end, epoch ms' }),
  definition: Type.Object({ version: Type.Integer(), label: Type.String() }),
  ...FigureFields,
})
export type HistoryRow = Type.Static<typeof HistoryRowSchema>

export const HistoryDocSchema = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  rows: Type.Array(HistoryRowSchema),
  totals: Type.Array(HistoryRowSchema, {
    description: 'per queue, one row per run of intervals under the same definition version',
  }),
})
export type HistoryDoc = Type.Static<typeof HistoryDocSchema>

/** `GET /api/v1/waiting`: calls waiting in one queue at each step of the last minutes. */
export const WaitingSeriesSchema = Type.Object({
  queue: Type.String(),
  from: Type.Number({ description: 'first step, epoch ms' }),
  to: Type.Number({ description: 'last step (now), epoch ms' }),
  stepSec: Type.Integer(),
  points: Type.Array(Type.Tuple([Type.Number({ description: 'epoch ms' }), Type.Integer({ description: 'calls waiting' })])),
})
export type WaitingSeries = Type.Static<typeof WaitingSeriesSchema>

/** `GET /api/v1/calls`: the calls behind a figure of one queue, of the business day or of one interval. */
export const CallsBehindSchema = Type.Object({
  queue: Type.String(),
  kind: Type.Enum(['waiting', 'abandoned', 'missed-sl']),
  from: Type.Number({
    description: "the start of the queue's business day, or of the interval asked for: finished calls with outcome from here on",
  }),
  to: Type.Number({ description: 'now, or the end of the interval asked for (exclusive)' }),
  completeFrom: Type.Number({
    description:
      'finished calls are listed completely from here on: memory (6 h) and the call archive (per queue and UTC day) together. ' +
      'Equal to from, unless calls were forgotten before the archive existed (an upgraded store: its first start with the archive minus 6 h)',
  }),
  calls: Type.Array(
    Type.Object({
      callId: Type.String(),
      caller: Type.Union([Type.String(), Type.Null()]),
      queuedAt: Type.Union([Type.Number(), Type.Null()]),
      outcomeAt: Type.Union([Type.Number(), Type.Null()]),
      outcome: Type.Union([Type.Enum(['answered', 'abandoned', 'overflowed']), Type.Null()]),
      waitSec: Type.Union([Type.Integer(), Type.Null()]),
      position: Type.Union([Type.Integer(), Type.Null()]),
      agent: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
})
export type CallsBehindDoc = Type.Static<typeof CallsBehindSchema>
