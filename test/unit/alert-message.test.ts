// The words of an alert notification, in English and Chinese: subject, figure, value and
// threshold, since when in the centre's zone, the transition, and the link.
import { describe, expect, it } from 'vitest'
import type { Alert } from '../../shared/alerts.js'
import { type MessageContext, formatDuration, renderAlertMessage } from '../../server/alerts/message.js'
import { firingAlert } from '../support/alerts.js'

// 2026-11-23 09:30:00 in Shanghai
const SINCE = Date.UTC(2026, 10, 23, 1, 30, 0)
const at = (sec: number) => SINCE + sec * 1000

const alert = (over: Partial<Alert> = {}): Alert =>
  firingAlert('r1:q:support', at(60), {
    ruleName: 'SL below target',
    subject: { queue: 'support', agent: null, team: 'A', callId: null },
    figure: 'serviceLevelPct',
    value: 72.46,
    threshold: 80,
    since: SINCE,
    ...over,
  })

const context = (language: MessageContext['language'], names: Partial<MessageContext['names']> = {}): MessageContext => ({
  language,
  timezone: 'Asia/Shanghai',
  publicUrl: 'https://wallboard.example.com',
  names: { queue: language === 'en' ? 'Support' : '售后', agent: null, team: language === 'en' ? 'Team A' : 'A 组', ...names },
})

const factsOf = (m: { facts: Array<{ label: string; value: string }> }) =>
  Object.fromEntries(m.facts.map((f) => [f.label, f.value]))

describe('an alert message', () => {
  it('names the queue, the figure, its value and threshold, since when and the link, in English', () => {
    const m = renderAlertMessage(alert(), context('en'))
    expect(m.title).toBe('Critical · Fired: SL below target — Support')
    expect(factsOf(m)).toMatchObject({
      Queue: 'Support',
      Team: 'Team A',
      Figure: 'Service level',
      Value: '72.5 %',
      Threshold: '80 %',
      Severity: 'Critical',
      Since: '2026-11-23 09:30:00 (GMT+8)',
      Status: 'Fired, 2026-11-23 09:31:00 (GMT+8)',
    })
    expect(m.link).toBe('https://wallboard.example.com/supervisor?alert=r1%3Aq%3Asupport')
    expect(m.text.split('\n')).toEqual([
      m.title,
      ...m.facts.map((f) => `${f.label}: ${f.value}`),
      `Open in the wallboard: ${m.link}`,
    ])
  })

  it('says the same in Chinese', () => {
    const m = renderAlertMessage(alert(), context('zh-CN'))
    expect(m.title).toBe('严重 · 已触发：SL below target — 售后')
    expect(factsOf(m)).toMatchObject({
      队列: '售后',
      团队: 'A 组',
      指标: '服务水平',
      当前值: '72.5 %',
      阈值: '80 %',
      级别: '严重',
      开始于: '2026-11-23 09:30:00 (GMT+8)',
    })
    expect(m.text).toContain(`在监控页查看：${m.link}`)
  })

  it('names who acknowledged it', () => {
    const a = alert({
      state: 'acknowledged',
      history: [
        { at: at(60), transition: 'fired', by: null },
        { at: at(120), transition: 'acknowledged', by: 'li.lei' },
      ],
    })
    expect(renderAlertMessage(a, context('en')).title).toBe('Critical · Acknowledged by li.lei: SL below target — Support')
    expect(renderAlertMessage(a, context('zh-CN')).title).toBe('严重 · 已由 li.lei 确认：SL below target — 售后')
    // An earlier transition renders as it was.
    expect(renderAlertMessage(a, context('en'), 0).transition).toBe('fired')
  })

  it('says a resolution by the figure recovering and by hand apart', () => {
    const history = [{ at: at(60), transition: 'fired' as const, by: null }]
    const byFigure = alert({ history: [...history, { at: at(300), transition: 'resolved', by: 'figure' }], value: 85 })
    const byHand = alert({ history: [...history, { at: at(300), transition: 'resolved', by: 'wang' }] })
    expect(renderAlertMessage(byFigure, context('en')).title).toBe('Critical · Resolved: SL below target — Support')
    expect(factsOf(renderAlertMessage(byFigure, context('en'))).Value).toBe('85 %')
    expect(renderAlertMessage(byHand, context('en')).title).toBe('Critical · Resolved by wang: SL below target — Support')
    expect(renderAlertMessage(byFigure, context('zh-CN')).title).toBe('严重 · 已恢复：SL below target — 售后')
    expect(renderAlertMessage(byHand, context('zh-CN')).title).toBe('严重 · 已由 wang 解决：SL below target — 售后')
  })

  it('says to whom a call-back task escalated, the score, the call and when it is due', () => {
    const a = alert({
      kind: 'event',
      ruleName: 'Detractor call-back',
      severity: 'warning',
      subject: { queue: 'support', agent: 'li', team: 'A', callId: 'c-1001' },
      figure: 'nps',
      value: 3,
      threshold: 6,
      dueAt: at(4 * 3600),
      level: 'supervisor',
      history: [
        { at: at(0), transition: 'fired', by: null },
        { at: at(4 * 3600), transition: 'escalated', by: null },
      ],
    })
    const en = renderAlertMessage(a, context('en', { agent: 'Li Lei' }))
    expect(en.title).toBe('Warning · Escalated to supervisor: Detractor call-back — Li Lei')
    expect(factsOf(en)).toMatchObject({
      Agent: 'Li Lei',
      Call: 'c-1001',
      Figure: 'NPS score (0–10)',
      Value: '3',
      Threshold: '6',
      'Call back by': '2026-11-23 13:30:00 (GMT+8)',
    })
    const zh = renderAlertMessage(a, context('zh-CN', { agent: '李雷' }))
    expect(zh.title).toBe('警告 · 已升级至主管：Detractor call-back — 李雷')
    expect(factsOf(zh)).toMatchObject({
      坐席: '李雷',
      通话: 'c-1001',
      指标: 'NPS 评分（0–10）',
      回访截止: '2026-11-23 13:30:00 (GMT+8)',
    })
  })

  it('measures an agent rule in time in the state', () => {
    const a = alert({
      kind: 'agent',
      ruleName: 'Long lunch',
      severity: 'warning',
      subject: { queue: null, agent: 'li', team: 'A', callId: null },
      figure: 'paused:lunch',
      value: 2460,
      threshold: 2100,
    })
    const en = factsOf(renderAlertMessage(a, context('en', { queue: null, agent: 'Li Lei' })))
    expect(en).toMatchObject({ Figure: 'Time paused (lunch)', Value: '41 min', Threshold: '35 min' })
    const zh = factsOf(renderAlertMessage(a, context('zh-CN', { queue: null, agent: '李雷' })))
    expect(zh).toMatchObject({ 指标: '示忙（lunch）时长', 当前值: '41 分', 阈值: '35 分' })
  })

  it('shows seconds figures as durations and counts as numbers', () => {
    const wait = factsOf(renderAlertMessage(alert({ figure: 'longestWaitSec', value: 135, threshold: 90 }), context('en')))
    expect(wait).toMatchObject({ Figure: 'Longest wait', Value: '2 min 15 s', Threshold: '1 min 30 s' })
    const waiting = factsOf(renderAlertMessage(alert({ figure: 'waiting', value: 12, threshold: 10 }), context('zh-CN')))
    expect(waiting).toMatchObject({ 指标: '排队数', 当前值: '12', 阈值: '10' })
  })

  it('marks a test alert as a test', () => {
    expect(renderAlertMessage(alert(), { ...context('en'), test: true }).title).toBe(
      '[Test] Critical · Fired: Test alert — Support',
    )
    expect(renderAlertMessage(alert(), { ...context('zh-CN'), test: true }).title).toBe('【测试】严重 · 已触发：测试告警 — 售后')
  })

  it('writes durations as people read them', () => {
    expect(formatDuration(45, 'en')).toBe('45 s')
    expect(formatDuration(60, 'en')).toBe('1 min')
    expect(formatDuration(3900, 'en')).toBe('1 h 5 min')
    expect(formatDuration(3600, 'zh-CN')).toBe('1 小时')
    expect(formatDuration(75, 'zh-CN')).toBe('1 分 15 秒')
  })
})
