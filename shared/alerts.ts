// Alerts: the rules an admin (or a team lead, for their teams) defines, the alerts they raise and
// the channels that carry them. One declaration per shape gives the TypeScript type, the routes'
// validation and the OpenAPI description. The evaluation itself is pure (shared/alert-engine.ts);
// the server stores, routes and delivers.
import Type from 'typebox'
import { AGENT_LIVE_STATES } from './figures/schema.js'
import { ActiveHoursSchema } from './hours.js'

const strict = { additionalProperties: false } as const
const Id = (what: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: what })
const Seconds = (description: string, max = 7 * 86_400) => Type.Integer({ minimum: 0, maximum: max, description })

/** Figures a rule may watch. `today` and `rolling` take any ratio or count of metrics.md; `live` the figures of now. */
export const LIVE_ALERT_FIGURES = ['waiting', 'longestWaitSec', 'agentsLoggedIn', 'agentsAvailable', 'staffingGap'] as const
export const WINDOW_ALERT_FIGURES = [
  'serviceLevelPct',
  'answerRatePct',
  'abandonRatePct',
  'asaSec',
  'avgAbandonWaitSec',
  'maxWaitSec',
  'ahtSec',
  'occupancyPct',
  'utilizationPct',
  'fcrPct',
  'csatPct',
  'dsatPct',
  'nps',
  'offered',
  'answered',
  'abandoned',
] as const
export type LiveAlertFigure = (typeof LIVE_ALERT_FIGURES)[number]
export type WindowAlertFigure = (typeof WINDOW_ALERT_FIGURES)[number]

export const AlertScopeSchema = Type.Union(
  [
    Type.Object({ queue: Id('one queue') }, strict),
    Type.Object({ team: Id("a team's queues (or agents)") }, strict),
    Type.Object({ all: Type.Literal(true) }, strict),
  ],
  { description: 'what the rule watches: each queue (or agent) in scope is its own alert' },
)
export type AlertScope = Type.Static<typeof AlertScopeSchema>

const Routing = {
  channels: Type.Array(Id('channel id'), {
    maxItems: 20,
    uniqueItems: true,
    description: 'channels notified at each transition',
  }),
  banner: Type.Boolean({ description: 'show on the boards and supervisor views of the scope' }),
  sound: Type.Boolean({ description: 'the supervisor view plays a sound when it fires' }),
}

const RuleCommon = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  enabled: Type.Boolean(),
  activeHours: Type.Union([ActiveHoursSchema, Type.Literal('team'), Type.Null()], {
    description:
      "when the rule is active (quiet outside), on the centre's clock. null: always; \"team\": within the opening hours of each subject's team (a queue's team from its settings, an agent's from its events, a call-back task's from its agent or else its queue); a subject with no team, or whose team has no record or no hours, is active around the clock",
  }),
  cooldownSec: Seconds('after an alert resolves, the same rule and subject stay quiet this long'),
  ...Routing,
}

export const FigureRuleInputSchema = Type.Object(
  {
    kind: Type.Literal('figure'),
    ...RuleCommon,
    scope: AlertScopeSchema,
    window: Type.Enum(['live', 'today', 'rolling']),
    figure: Type.Union([Type.Enum([...LIVE_ALERT_FIGURES]), Type.Enum([...WINDOW_ALERT_FIGURES])]),
    comparator: Type.Enum(['above', 'below']),
    warn: Type.Union([Type.Number(), Type.Null()], { description: 'warning level; null: critical only' }),
    critical: Type.Union([Type.Number(), Type.Null()], { description: 'critical level; null: warning only' }),
    forSec: Seconds('the condition must hold this long before the alert fires', 86_400),
    clearAt: Type.Union([Type.Number(), Type.Null()], {
      description:
        'hysteresis: the alert resolves only once the figure is back past this level; null: the warning (or critical) level',
    }),
  },
  strict,
)
export type FigureRuleInput = Type.Static<typeof FigureRuleInputSchema>

export const AgentRuleInputSchema = Type.Object(
  {
    kind: Type.Literal('agent'),
    ...RuleCommon,
    scope: AlertScopeSchema,
    state: Type.Enum([...AGENT_LIVE_STATES]),
    reason: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
      description: 'pause reason (state paused); null: any',
    }),
    overSec: Type.Integer({ minimum: 1, maximum: 86_400, description: 'fires once an agent has been in the state this long' }),
  },
  strict,
)
export type AgentRuleInput = Type.Static<typeof AgentRuleInputSchema>

export const ESCALATION_LEVELS = ['teamlead', 'supervisor', 'manager'] as const
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number]

export const EventRuleInputSchema = Type.Object(
  {
    kind: Type.Literal('event'),
    ...RuleCommon,
    scope: AlertScopeSchema,
    trigger: Type.Enum(['detractor', 'dissatisfied'], { description: 'detractor: NPS 0–6; dissatisfied: CSAT ≤ 2' }),
    dueMin: Type.Integer({
      minimum: 1,
      maximum: 7 * 24 * 60,
      description: 'the call-back is due within this long (default 240)',
    }),
    escalation: Type.Array(Type.Object({ level: Type.Enum([...ESCALATION_LEVELS]), channels: Routing.channels }, strict), {
      minItems: 1,
      maxItems: 3,
      description: 'who is told, level by level, each time the task is not acknowledged in time',
    }),
  },
  strict,
)
export type EventRuleInput = Type.Static<typeof EventRuleInputSchema>

export const AlertRuleInputSchema = Type.Union([FigureRuleInputSchema, AgentRuleInputSchema, EventRuleInputSchema])
export type AlertRuleInput = Type.Static<typeof AlertRuleInputSchema>
export type AlertRule = AlertRuleInput & { id: string; createdAt: number; updatedAt: number; createdBy: string }

const RuleMeta = {
  id: Type.String(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  createdBy: Type.String({ description: 'username of who created it' }),
}
/** A stored rule, as the API answers it. */
export const AlertRuleSchema = Type.Union([
  Type.Object({ ...FigureRuleInputSchema.properties, ...RuleMeta }),
  Type.Object({ ...AgentRuleInputSchema.properties, ...RuleMeta }),
  Type.Object({ ...EventRuleInputSchema.properties, ...RuleMeta }),
])

/** A change of a rule: any of its fields but `kind` (a rule keeps its kind); the result is checked whole. */
export const AlertRulePatchSchema = Type.Partial(
  Type.Object(
    {
      ...FigureRuleInputSchema.properties,
      ...AgentRuleInputSchema.properties,
      ...EventRuleInputSchema.properties,
      kind: Type.Enum(['figure', 'agent', 'event']),
    },
    strict,
  ),
  { ...strict, minProperties: 1 },
)
export type AlertRulePatch = Type.Static<typeof AlertRulePatchSchema>

export const SEVERITIES = ['warning', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]
export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const
export type AlertState = (typeof ALERT_STATES)[number]
export const TRANSITIONS = ['fired', 'escalated', 'acknowledged', 'resolved'] as const
export type Transition = (typeof TRANSITIONS)[number]

export const AlertSchema = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  kind: Type.Enum(['figure', 'agent', 'event', 'system'], {
    description: 'system: the wallboard itself (a data reset, a store that refuses writes); no rule, ruleId `system:<problem>`',
  }),
  subject: Type.Object({
    queue: Type.Union([Type.String(), Type.Null()]),
    agent: Type.Union([Type.String(), Type.Null()]),
    team: Type.Union([Type.String(), Type.Null()]),
    callId: Type.Union([Type.String(), Type.Null()]),
  }),
  severity: Type.Enum([...SEVERITIES]),
  state: Type.Enum([...ALERT_STATES]),
  figure: Type.Union([Type.String(), Type.Null()], {
    description: 'the figure (or state) watched: a figure id, an agent state (`paused:lunch` with a reason), `nps` or `csat`',
  }),
  window: Type.Optional(Type.Enum(['live', 'today', 'rolling'], { description: "figure rules: the figure's window" })),
  banner: Type.Optional(Type.Boolean({ description: 'shown as a banner on the boards and supervisor views of its scope' })),
  sound: Type.Optional(Type.Boolean({ description: 'the supervisor view plays a sound when it fires' })),
  value: Type.Union([Type.Number(), Type.Null()], { description: 'its value when the alert last changed' }),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  since: Type.Number({ description: 'epoch ms the condition began' }),
  firedAt: Type.Number(),
  dueAt: Type.Union([Type.Number(), Type.Null()], { description: 'event rules: when the call-back is due at this level' }),
  level: Type.Union([Type.Enum([...ESCALATION_LEVELS]), Type.Null()]),
  acknowledgedAt: Type.Union([Type.Number(), Type.Null()]),
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.Number(), Type.Null()]),
  resolvedBy: Type.Union([Type.String(), Type.Null()], {
    description:
      'a user; "figure" when the condition cleared (the agent left the state); "rule" when its rule was disabled, deleted or no longer covers the subject',
  }),
  history: Type.Array(
    Type.Object({ at: Type.Number(), transition: Type.Enum([...TRANSITIONS]), by: Type.Union([Type.String(), Type.Null()]) }),
  ),
})
export type Alert = Type.Static<typeof AlertSchema>

export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'dingtalk', 'wecom', 'feishu', 'email'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]
