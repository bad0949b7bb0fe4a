// The words of a notification: an alert's transition rendered in English or Chinese, naming the
// queue or agent, the figure with its value and threshold, since when (in the centre's time zone),
// what happened and a link to the supervisor view. Pure: names, zone and address come in; each
// channel type (payloads.ts) lays the same message out in its own format.
import type { Alert, EscalationLevel, Severity, Transition } from '../../shared/alerts.js'
import type { ChannelLanguage } from '../../shared/channels.js'
import { wallClock } from '../../shared/figures/calendar.js'

export interface MessageContext {
  language: ChannelLanguage
  /** IANA zone the times are shown in: the centre's */
  timezone: string
  /** the wallboard's address (no trailing slash): the link is `<publicUrl>/supervisor?alert=<id>` */
  publicUrl: string
  /** display names of the alert's subject, as the views show them (null: none) */
  names: { queue: string | null; agent: string | null; team: string | null }
  /** a test alert sent from the admin view: the message says so */
  test?: boolean
}

export interface MessageFact {
  label: string
  value: string
}

export interface AlertMessage {
  language: ChannelLanguage
  severity: Severity
  transition: Transition
  /** one line: what happened, to which rule and subject */
  title: string
  /** what the reader needs, in order: subject, figure, value, threshold, since, … */
  facts: MessageFact[]
  link: string
  linkText: string
  /** the whole message as plain text: title, facts and link, one per line */
  text: string
}

type Words = Record<ChannelLanguage, string>

const FIGURES: Record<string, Words> = {
  waiting: { en: 'Calls waiting', 'zh-CN': '排队数' },
  longestWaitSec: { en: 'Longest wait', 'zh-CN': '最长等待' },
  agentsLoggedIn: { en: 'Agents logged in', 'zh-CN': '在线坐席' },
  agentsAvailable: { en: 'Agents available', 'zh-CN': '空闲坐席' },
  staffingGap: { en: 'Staffing gap (need − have)', 'zh-CN': '人力缺口（需要 − 现有）' },
  serviceLevelPct: { en: 'Service level', 'zh-CN': '服务水平' },
  answerRatePct: { en: 'Answer rate', 'zh-CN': '接通率' },
  abandonRatePct: { en: 'Abandon rate', 'zh-CN': '放弃率' },
  asaSec: { en: 'Average speed of answer', 'zh-CN': '平均应答时长' },
  avgAbandonWaitSec: { en: 'Average abandon wait', 'zh-CN': '平均放弃等待' },
  maxWaitSec: { en: 'Longest wait', 'zh-CN': '最长等待' },
  ahtSec: { en: 'Average handling time', 'zh-CN': '平均处理时长' },
  occupancyPct: { en: 'Occupancy', 'zh-CN': '占用率' },
  utilizationPct: { en: 'Utilization', 'zh-CN': '利用率' },
  fcrPct: { en: 'First-contact resolution', 'zh-CN': '首次解决率' },
  csatPct: { en: 'CSAT', 'zh-CN': '满意度' },
  dsatPct: { en: 'Dissatisfied', 'zh-CN': '不满意率' },
  nps: { en: 'NPS', 'zh-CN': 'NPS' },
  offered: { en: 'Calls offered', 'zh-CN': '呼入量' },
  answered: { en: 'Calls answered', 'zh-CN': '接通量' },
  abandoned: { en: 'Calls abandoned', 'zh-CN': '放弃量' },
}

/** Event rules watch one survey response: its score. */
const SURVEY_SCORES: Record<string, Words> = {
  nps: { en: 'NPS score (0–10)', 'zh-CN': 'NPS 评分（0–10）' },
  csat: { en: 'CSAT score (1–5)', 'zh-CN': '满意度评分（1–5）' },
}

const STATES: Record<string, Words> = {
  available: { en: 'available', 'zh-CN': '空闲' },
  ringing: { en: 'ringing', 'zh-CN': '振铃' },
  onCall: { en: 'on a call', 'zh-CN': '通话' },
  acw: { en: 'in after-call work', 'zh-CN': '话后' },
  paused: { en: 'paused', 'zh-CN': '示忙' },
  offline: { en: 'offline', 'zh-CN': '离线' },
}

const LEVELS: Record<EscalationLevel, Words> = {
  teamlead: { en: 'team lead', 'zh-CN': '组长' },
  supervisor: { en: 'supervisor', 'zh-CN': '主管' },
  manager: { en: 'manager', 'zh-CN': '经理' },
}

const LABELS = {
  queue: { en: 'Queue', 'zh-CN': '队列' },
  agent: { en: 'Agent', 'zh-CN': '坐席' },
  team: { en: 'Team', 'zh-CN': '团队' },
  call: { en: 'Call', 'zh-CN': '通话' },
  figure: { en: 'Figure', 'zh-CN': '指标' },
  value: { en: 'Value', 'zh-CN': '当前值' },
  threshold: { en: 'Threshold', 'zh-CN': '阈值' },
  severity: { en: 'Severity', 'zh-CN': '级别' },
  since: { en: 'Since', 'zh-CN': '开始于' },
  due: { en: 'Call back by', 'zh-CN': '回访截止' },
  status: { en: 'Status', 'zh-CN': '状态' },
  rule: { en: 'Rule', 'zh-CN': '规则' },
  link: { en: 'Open in the wallboard', 'zh-CN': '在监控页查看' },
  test: { en: '[Test] ', 'zh-CN': '【测试】' },
  testRule: { en: 'Test alert', 'zh-CN': '测试告警' },
} satisfies Record<string, Words>

const SEVERITY: Record<Severity, Words> = {
  warning: { en: 'Warning', 'zh-CN': '警告' },
  critical: { en: 'Critical', 'zh-CN': '严重' },
}

/**
 * The figure's label: a figure of metrics.md, an agent state (`paused` or `paused:lunch`: time in
 * it), a survey's score, or as given.
 */
export function figureLabel(alert: Pick<Alert, 'kind' | 'figure'>, lang: ChannelLanguage): string | null {
  const f = alert.figure
  if (f === null) return null
  if (alert.kind === 'agent') {
    const [state = f, reason] = f.split(':')
    const name = STATES[state]?.[lang] ?? state
    const why = reason ? (lang === 'zh-CN' ? `（${reason}）` : ` (${reason})`) : ''
    return lang === 'zh-CN' ? `${name}${why}时长` : `Time ${name}${why}`
  }
  if (alert.kind === 'event') return SURVEY_SCORES[f]?.[lang] ?? f
  return FIGURES[f]?.[lang] ?? f
}

function formatNumber(n: number): string {
  const rounded = Math.round(n * 10) / 10
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1)
}

/** Seconds as people read them: `45 s`, `2 min 15 s`, `1 h 5 min` (or 秒, 分, 小时). */
export function formatDuration(totalSec: number, lang: ChannelLanguage): string {
  const zh = lang === 'zh-CN'
  const sec = Math.max(0, Math.round(totalSec))
  const h = Math.floor(sec / 3600)
  const m = Math.floor((sec % 3600) / 60)
  const s = sec % 60
  const unit = (n: number, en: string, cn: string) => (zh ? `${n} ${cn}` : `${n} ${en}`)
  if (h > 0) return [unit(h, 'h', '小时'), m > 0 ? unit(m, 'min', '分') : ''].filter(Boolean).join(' ')
  if (m > 0) return [unit(m, 'min', '分'), s > 0 ? unit(s, 's', '秒') : ''].filter(Boolean).join(' ')
  return unit(s, 's', '秒')
}

/** A figure's value with its unit: `72.5 %`, `2 min 15 s`, `12`. Agent rules measure time in the state. */
export function formatFigureValue(
  alert: Pick<Alert, 'kind' | 'figure'>,
  value: number | null,
  lang: ChannelLanguage,
): string | null {
  if (value === null) return null
  const f = alert.figure ?? ''
  if (alert.kind === 'agent' || f.endsWith('Sec')) return formatDuration(value, lang)
  if (f.endsWith('Pct')) return `${formatNumber(value)} %`
  return formatNumber(value)
}

/** `2026-11-23 09:30:05 (GMT+8)` in the given zone. */
export function formatTime(ms: number, timezone: string): string {
  const w = wallClock(ms, timezone)
  const two = (n: number) => String(n).padStart(2, '0')
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  const offsetMin = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000)
  const abs = Math.abs(offsetMin)
  const zone =
    offsetMin === 0 ? 'GMT' : `GMT${offsetMin < 0 ? '-' : '+'}${Math.floor(abs / 60)}${abs % 60 ? `:${two(abs % 60)}` : ''}`
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)} (${zone})`
}

/** What happened, as the status line says it: `Fired`, `Escalated to supervisor`, `Acknowledged by li.lei`, `Resolved`. */
function transitionWords(alert: Alert, transition: Transition, by: string | null, lang: ChannelLanguage): string {
  const zh = lang === 'zh-CN'
  switch (transition) {
    case 'fired':
      return zh ? '已触发' : 'Fired'
    case 'escalated': {
      const level = alert.level ? LEVELS[alert.level][lang] : null
      if (level === null) return zh ? '已升级' : 'Escalated'
      return zh ? `已升级至${level}` : `Escalated to ${level}`
    }
    case 'acknowledged':
      if (by === null) return zh ? '已确认' : 'Acknowledged'
      return zh ? `已由 ${by} 确认` : `Acknowledged by ${by}`
    case 'resolved':
      // Resolved by the figure recovering says no more than "resolved".
      if (by === null || by === 'figure') return zh ? '已恢复' : 'Resolved'
      return zh ? `已由 ${by} 解决` : `Resolved by ${by}`
  }
}

/**
 * Renders the transition at `index` of the alert's history (default: the latest) for one reader.
 * The alert is as it was when the transition happened (the outbox keeps that copy).
 */
export function renderAlertMessage(alert: Alert, ctx: MessageContext, index = alert.history.length - 1): AlertMessage {
  const lang = ctx.language
  const entry = alert.history[index]
  const transition: Transition = entry?.transition ?? 'fired'
  const status = transitionWords(alert, transition, entry?.by ?? null, lang)
  const rule = ctx.test ? LABELS.testRule[lang] : alert.ruleName
  const subject = ctx.names.agent ?? ctx.names.queue ?? ctx.names.team
  const severity = SEVERITY[alert.severity][lang]
  const sep = lang === 'zh-CN' ? '：' : ': '
  const title =
    (ctx.test ? LABELS.test[lang] : '') + `${severity} · ${status}${sep}${rule}` + (subject !== null ? ` — ${subject}` : '')

  const facts: MessageFact[] = []
  const fact = (label: Words, value: string | null) => {
    if (value !== null && value !== '') facts.push({ label: label[lang], value })
  }
  fact(LABELS.queue, ctx.names.queue)
  fact(LABELS.agent, ctx.names.agent)
  fact(LABELS.team, ctx.names.team)
  fact(LABELS.call, alert.subject.callId)
  fact(LABELS.figure, figureLabel(alert, lang))
  fact(LABELS.value, formatFigureValue(alert, alert.value, lang))
  fact(LABELS.threshold, formatFigureValue(alert, alert.threshold, lang))
  fact(LABELS.severity, severity)
  fact(LABELS.since, formatTime(alert.since, ctx.timezone))
  if (alert.dueAt !== null) fact(LABELS.due, formatTime(alert.dueAt, ctx.timezone))
  fact(LABELS.status, entry ? `${status}${lang === 'zh-CN' ? '，' : ', '}${formatTime(entry.at, ctx.timezone)}` : status)
  fact(LABELS.rule, rule)

  const link = `${ctx.publicUrl}/supervisor?alert=${encodeURIComponent(alert.id)}`
  const linkText = LABELS.link[lang]
  const text = [title, ...facts.map((f) => `${f.label}${sep}${f.value}`), `${linkText}${sep}${link}`].join('\n')
  return { language: lang, severity: alert.severity, transition, title, facts, link, linkText, text }
}
