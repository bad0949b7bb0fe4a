// What the simulated contact centre is made of: queues and their traffic, agents and their skills,
// and how people behave. `demoCentre` is the one `npm start` shows: five queues, three teams and
// forty agents, sized so that service level hovers around 80/20 and sometimes slips.
import type { Channel } from '../../../shared/events.js'

export interface QueueConfig {
  id: string
  team: string
  channel: Channel
  /** arrivals per hour at the top of the daily curve */
  peakPerHour: number
  talkMeanSec: number
  acwMeanSec: number
  /** mean patience of callers who are prepared to wait at all */
  patienceMeanSec: number
  /** a call still waiting this long leaves with `call.overflowed` reason `timeout` */
  timeoutSec: number
  /** where a timed-out call goes next (a new visit there); without it the caller leaves */
  overflowTo?: string
  /** ACD priority of its calls (`call.queued` priority); higher is served first */
  priority: number
  /** queues its agents may transfer a call to */
  transferTo: string[]
  /** contact reasons used in dispositions */
  topics: string[]
}

export interface AgentConfig {
  id: string
  name: string
  team: string
  queues: string[]
  /** a part-timer's fixed local hours [from, to); others follow the team rota (see Behaviour) */
  shiftHours?: [from: number, to: number]
}

export interface Behaviour {
  /** how long a call rings before the agent picks up */
  ringSec: { voice: [min: number, max: number]; other: [min: number, max: number] }
  /** share of ring attempts nobody picks up; the call then rings the next agent */
  ringNoAnswerShare: number
  ringNoAnswerSec: number
  /** callers with no patience at all, who hang up within a few seconds */
  impatientShare: number
  /** sigma of the logarithm of lognormal handling and patience times */
  talkSigma: number
  acwSigma: number
  patienceSigma: number
  transferShare: number
  /** share of answered calls the caller ends (the rest the agent ends) */
  callerEndsShare: number
  dispositionShare: number
  resolvedShare: number
  /** share of unresolved callers who call the same queue again later the same day */
  repeatCallShare: number
  surveyShare: number
  /** share of all agents on shift at the top of the traffic curve and at its bottom */
  onShiftShare: { peak: number; night: number }
  /** agents of one team who may be paused at the same time (a team lead's rule) */
  maxPausedShare: number
  /** how often an agent reconsiders shift and pauses */
  checkEveryMin: [min: number, max: number]
  breakEveryMin: [min: number, max: number]
  breakMin: [min: number, max: number]
  lunchWindowHour: [from: number, to: number]
  lunchMin: [min: number, max: number]
  /** chance per check, during office hours, of a training session or a meeting */
  trainingChance: number
  meetingChance: number
  /** how much each queue's traffic wanders from the curve (sigma of a log random walk) */
  burstiness: number
}

export interface CentreConfig {
  timezone: string
  /** the `source` field of every event */
  source: string
  queues: QueueConfig[]
  agents: AgentConfig[]
  behaviour: Behaviour
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  ringSec: { voice: [2, 9], other: [1, 3] },
  ringNoAnswerShare: 0.03,
  ringNoAnswerSec: 15,
  impatientShare: 0.06,
  talkSigma: 0.6,
  acwSigma: 0.45,
  patienceSigma: 0.8,
  transferShare: 0.04,
  callerEndsShare: 0.45,
  dispositionShare: 0.7,
  resolvedShare: 0.82,
  repeatCallShare: 0.35,
  surveyShare: 0.25,
  onShiftShare: { peak: 0.92, night: 0.3 },
  maxPausedShare: 0.25,
  checkEveryMin: [3, 8],
  breakEveryMin: [80, 150],
  breakMin: [8, 18],
  lunchWindowHour: [11.25, 13.75],
  lunchMin: [30, 50],
  trainingChance: 0.003,
  meetingChance: 0.003,
  burstiness: 0.18,
}

const QUEUES: QueueConfig[] = [
  {
    id: 'Sales',
    team: 'Sales',
    channel: 'voice',
    peakPerHour: 115,
    talkMeanSec: 180,
    acwMeanSec: 20,
    patienceMeanSec: 80,
    timeoutSec: 300,
    priority: 0,
    transferTo: ['Billing'],
    topics: ['new contract', 'upgrade', 'pricing', 'promotion', 'device order'],
  },
  {
    id: 'VIP',
    team: 'Sales',
    channel: 'voice',
    peakPerHour: 24,
    talkMeanSec: 270,
    acwMeanSec: 35,
    patienceMeanSec: 110,
    timeoutSec: 120,
    overflowTo: 'Support',
    priority: 5,
    transferTo: ['Billing'],
    topics: ['account review', 'upgrade', 'complaint', 'retention'],
  },
  {
    id: 'Support',
    team: 'Care',
    channel: 'voice',
    peakPerHour: 110,
    talkMeanSec: 300,
    acwMeanSec: 40,
    patienceMeanSec: 100,
    timeoutSec: 300,
    priority: 0,
    transferTo: ['Billing', 'Sales'],
    topics: ['no service', 'slow connection', 'device setup', 'password reset', 'outage'],
  },
  {
    id: 'Billing',
    team: 'Care',
    channel: 'voice',
    peakPerHour: 45,
    talkMeanSec: 240,
    acwMeanSec: 30,
    patienceMeanSec: 90,
    timeoutSec: 300,
    priority: 0,
    transferTo: ['Support'],
    topics: ['invoice question', 'refund', 'payment failed', 'direct debit', 'dispute'],
  },
  {
    id: 'Chat',
    team: 'Digital',
    channel: 'chat',
    peakPerHour: 36,
    talkMeanSec: 330,
    acwMeanSec: 15,
    patienceMeanSec: 150,
    timeoutSec: 600,
    priority: 0,
    transferTo: [],
    topics: ['order status', 'password reset', 'invoice question', 'plan change'],
  },
]

// [name, team, queues, part-time hours]. The order matters: within a team, agents nearer the top
// keep longer shifts, so skills that few people have are spread down each list and some cover
// stays at night. Part-timers come and go in the middle of the day, so agent counts move then too.
const ROSTER: Array<[name: string, team: string, queues: string[], shiftHours?: [number, number]]> = [
  ['王芳', 'Sales', ['Sales', 'VIP']],
  ['Emma Wilson', 'Sales', ['Sales']],
  ['李娜', 'Sales', ['Sales', 'Billing']],
  ['张伟', 'Sales', ['Sales', 'VIP']],
  ['Liam Chen', 'Sales', ['Sales', 'VIP']],
  ['刘洋', 'Sales', ['Sales']],
  ['Olivia Martin', 'Sales', ['Sales', 'VIP']],
  ['陈静', 'Sales', ['Sales', 'VIP']],
  ['Noah Patel', 'Sales', ['Sales', 'Billing']],
  ['杨磊', 'Sales', ['Sales', 'VIP']],
  ['Sophia Nguyen', 'Sales', ['Sales']],
  ['赵敏', 'Sales', ['Sales']],
  ['James O’Brien', 'Sales', ['Sales', 'VIP']],
  ['黄婷', 'Sales', ['Sales'], [9.5, 13.5]],
  ['周杰', 'Care', ['Support', 'Billing']],
  ['Ava Thompson', 'Care', ['Support']],
  ['吴昊', 'Care', ['Support', 'Billing', 'VIP']],
  ['徐丽', 'Care', ['Billing']],
  ['Lucas Garcia', 'Care', ['Support']],
  ['孙强', 'Care', ['Support', 'Billing']],
  ['Mia Rossi', 'Care', ['Support']],
  ['马超', 'Care', ['Support']],
  ['朱琳', 'Care', ['Support', 'Billing']],
  ['Ethan Clarke', 'Care', ['Support']],
  ['胡斌', 'Care', ['Billing']],
  ['Grace Kim', 'Care', ['Support', 'Billing', 'VIP']],
  ['郭晶', 'Care', ['Support']],
  ['Daniel Wong', 'Care', ['Support', 'Billing']],
  ['何欢', 'Care', ['Support']],
  ['Chloe Dubois', 'Care', ['Support'], [12.5, 18]],
  ['林峰', 'Care', ['Support', 'Billing']],
  ['Ryan Murphy', 'Care', ['Support'], [11, 15.5]],
  ['高洁', 'Digital', ['Chat', 'Support']],
  ['Zoe Fischer', 'Digital', ['Chat']],
  ['罗宇', 'Digital', ['Chat']],
  ['Hannah Schmidt', 'Digital', ['Chat', 'Support']],
  ['谢雨婷', 'Digital', ['Chat']],
  ['Oscar Lindqvist', 'Digital', ['Chat']],
  ['韩梅', 'Digital', ['Chat', 'Support']],
  ['Amelia Singh', 'Digital', ['Chat'], [13, 21]],
]

/** The centre `npm start` shows, in the given IANA time zone. */
export function demoCentre(timezone: string): CentreConfig {
  return {
    timezone,
    source: 'simulator',
    queues: QUEUES.map((q) => ({ ...q, transferTo: [...q.transferTo], topics: [...q.topics] })),
    agents: ROSTER.map(([name, team, queues, shiftHours], i) => ({
      id: `a${1001 + i}`,
      name,
      team,
      queues: [...queues],
      ...(shiftHours ? { shiftHours: [...shiftHours] } : {}),
    })),
    behaviour: { ...DEFAULT_BEHAVIOUR },
  }
}

/** Configuration mistakes a person can act on; an empty list when the centre is coherent. */
export function checkCentre(config: CentreConfig): string[] {
  const problems: string[] = []
  const queueIds = new Set(config.queues.map((q) => q.id))
  if (queueIds.size !== config.queues.length) problems.push('queue ids must be unique')
  for (const q of config.queues) {
    for (const target of [...q.transferTo, ...(q.overflowTo === undefined ? [] : [q.overflowTo])]) {
      if (!queueIds.has(target)) problems.push(`queue ${q.id}: unknown target queue ${target}`)
      if (target === q.id) problems.push(`queue ${q.id}: transfers or overflows to itself`)
    }
    if (!config.agents.some((a) => a.queues.includes(q.id))) problems.push(`queue ${q.id}: no agent is a member`)
  }
  if (new Set(config.agents.map((a) => a.id)).size !== config.agents.length) problems.push('agent ids must be unique')
  for (const a of config.agents) {
    for (const q of a.queues) if (!queueIds.has(q)) problems.push(`agent ${a.id}: unknown queue ${q}`)
  }
  return problems
}
