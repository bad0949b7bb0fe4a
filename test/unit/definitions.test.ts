// Metric definitions (metrics.md): the product defaults, the label a board shows next to service
// level, and the formulas in words.
import { Compile } from 'typebox/compile'
import { describe, expect, it } from 'vitest'
import { definitionFormulas, definitionLabel } from '../../shared/definition-text.js'
import { DEFAULT_OPTIONS, type Definition, DefinitionSchema, defaultDefinition } from '../../shared/definitions.js'
import { RATIO_FIELDS } from '../../shared/figures/ratios.js'

const def = (overrides: Partial<Definition> = {}): Definition => ({ ...defaultDefinition('Asia/Shanghai'), ...overrides })
const schema = Compile(DefinitionSchema)

describe('defaultDefinition', () => {
  it('has the product defaults of metrics.md', () => {
    expect(defaultDefinition('Asia/Shanghai')).toEqual({
      version: 1,
      slThresholdSec: 20,
      slTargetPct: 80,
      slFormula: 'standard',
      shortAbandonSec: 5,
      overflowCounts: true,
      rollingMinutes: 30,
      timezone: 'Asia/Shanghai',
      dayStartHour: 0,
      csatScale: 5,
      csatTopBox: 4,
      csatLowBox: 2,
      fcrWindowHours: 24,
      fcrScope: 'any-queue',
      utilizationExcludedReasons: [],
      intervalMinutes: 30,
    })
  })

  it('is valid under its own schema', () => {
    expect(schema.Check(defaultDefinition('Europe/Berlin'))).toBe(true)
  })

  it('returns a fresh object each time, so changing one does not change the defaults', () => {
    const d = defaultDefinition('UTC')
    d.slThresholdSec = 10
    expect(DEFAULT_OPTIONS.slThresholdSec).toBe(20)
    expect(defaultDefinition('UTC').slThresholdSec).toBe(20)
  })

  it('rejects unknown options and out-of-range values in the schema', () => {
    expect(schema.Check({ ...def(), extra: 1 })).toBe(false)
    expect(schema.Check(def({ rollingMinutes: 10 as 5 }))).toBe(false)
    expect(schema.Check(def({ slFormula: 'generous' as 'standard' }))).toBe(false)
    expect(schema.Check(def({ slThresholdSec: 0 }))).toBe(false)
    expect(schema.Check(def({ dayStartHour: 24 }))).toBe(false)
  })
})

describe('definitionLabel', () => {
  it('labels the default definition SL 80/20 · abandons < 5 s ignored · v1', () => {
    expect(definitionLabel(def())).toBe('SL 80/20 · abandons < 5 s ignored · v1')
  })

  it('names the 90/10 preset', () => {
    expect(definitionLabel(def({ slTargetPct: 90, slThresholdSec: 10 }))).toBe('SL 90/10 · abandons < 5 s ignored · v1')
  })

  it('shows a fractional target to one decimal place', () => {
    expect(definitionLabel(def({ slTargetPct: 85.5 }))).toBe('SL 85.5/20 · abandons < 5 s ignored · v1')
  })

  it('says when abandons within the threshold leave the denominator', () => {
    expect(definitionLabel(def({ slFormula: 'abandons-neutral' }))).toBe(
      'SL 80/20 · abandons within 20 s excluded · abandons < 5 s ignored · v1',
    )
  })

  it('says when abandons within the threshold count as met', () => {
    expect(definitionLabel(def({ slFormula: 'abandons-positive' }))).toBe(
      'SL 80/20 · abandons within 20 s count as met · abandons < 5 s ignored · v1',
    )
  })

  it('says when only answered calls count', () => {
    expect(definitionLabel(def({ slFormula: 'answered-only' }))).toBe(
      'SL 80/20 · answered calls only · abandons < 5 s ignored · v1',
    )
  })

  it('says all abandons count when short abandons are disabled', () => {
    expect(definitionLabel(def({ shortAbandonSec: 0 }))).toBe('SL 80/20 · all abandons counted · v1')
  })

  it('says when overflows leave the denominator', () => {
    expect(definitionLabel(def({ overflowCounts: false }))).toBe('SL 80/20 · abandons < 5 s ignored · overflows excluded · v1')
  })

  it('does not mention overflows under answered-only, where they never count', () => {
    expect(definitionLabel(def({ overflowCounts: false, slFormula: 'answered-only' }))).toBe(
      'SL 80/20 · answered calls only · abandons < 5 s ignored · v1',
    )
  })

  it('gives different labels to definitions that give different service levels', () => {
    const variants: Partial<Definition>[] = [
      {},
      { slThresholdSec: 30 },
      { slTargetPct: 90 },
      { slFormula: 'abandons-neutral' },
      { slFormula: 'abandons-positive' },
      { slFormula: 'answered-only' },
      { shortAbandonSec: 0 },
      { shortAbandonSec: 10 },
      { overflowCounts: false },
    ]
    const labels = variants.map((v) => definitionLabel(def(v)))
    expect(new Set(labels).size).toBe(variants.length)
  })

  it('labels in Chinese', () => {
    expect(definitionLabel(def(), 'zh-CN')).toBe('SL 80/20 · 5 秒内短放弃剔除 · v1')
    expect(definitionLabel(def({ slFormula: 'abandons-neutral', shortAbandonSec: 0, overflowCounts: false }), 'zh-CN')).toBe(
      'SL 80/20 · 20 秒内放弃不计入 · 所有放弃计入 · 溢出不计入 · v1',
    )
    expect(definitionLabel(def({ slFormula: 'abandons-positive' }), 'zh-CN')).toContain('20 秒内放弃视为达标')
    expect(definitionLabel(def({ slFormula: 'answered-only' }), 'zh-CN')).toContain('仅计接通')
  })
})

describe('definitionFormulas', () => {
  it('spells out the standard service level with the threshold', () => {
    expect(definitionFormulas(def()).serviceLevelPct).toBe('answeredWithin 20 s / (offeredNet − calls with unknown wait)')
  })

  it('spells out each slFormula', () => {
    expect(definitionFormulas(def({ slFormula: 'abandons-neutral' })).serviceLevelPct).toBe(
      'answeredWithin 20 s / (offeredNet − abandonedWithin 20 s − calls with unknown wait)',
    )
    expect(definitionFormulas(def({ slFormula: 'abandons-positive' })).serviceLevelPct).toBe(
      '(answeredWithin 20 s + abandonedWithin 20 s) / (offeredNet − calls with unknown wait)',
    )
    expect(definitionFormulas(def({ slFormula: 'answered-only' })).serviceLevelPct).toBe(
      'answeredWithin 20 s / answered calls with known wait',
    )
  })

  it('takes overflows out of the denominator when they do not count', () => {
    expect(definitionFormulas(def({ overflowCounts: false })).serviceLevelPct).toBe(
      'answeredWithin 20 s / (offeredNet − overflowed − calls with unknown wait)',
    )
  })

  it('names the short-abandon limit, the CSAT boxes and the windows', () => {
    const f = definitionFormulas(def({ shortAbandonSec: 8, csatTopBox: 5, dayStartHour: 6, rollingMinutes: 15 }))
    expect(f['offeredNet']).toContain('wait < 8 s')
    expect(f['csatPct']).toContain('csat ≥ 5')
    expect(f['dsatPct']).toContain('csat ≤ 2')
    expect(f['windows']).toBe(
      'today: since 06:00 Asia/Shanghai; rolling: the last 15 minutes, to the second for calls, by whole minutes for agent time; history: 30-minute intervals',
    )
  })

  it('describes every ratio of the figures', () => {
    const keys = Object.keys(definitionFormulas(def()))
    for (const k of RATIO_FIELDS) {
      expect(keys).toContain(k)
    }
  })
})
