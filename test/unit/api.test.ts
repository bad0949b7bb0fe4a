// How a refused change's message is split into reasons by field, for the form.
import { describe, expect, it } from 'vitest'
import { fieldErrors } from '../../web/lib/api.js'

describe('fieldErrors', () => {
  it('gives each option its reason, and keeps the rest apart', () => {
    expect(
      fieldErrors('body.slTargetPct: must be <= 100; body.timezone: unknown time zone "Mars/Base"; names nothing to change'),
    ).toEqual({
      fields: { slTargetPct: 'must be <= 100', timezone: 'unknown time zone "Mars/Base"' },
      paths: { slTargetPct: 'must be <= 100', timezone: 'unknown time zone "Mars/Base"' },
      other: ['names nothing to change'],
    })
  })

  it('names the list for an error about one of its items', () => {
    expect(fieldErrors('body.utilizationExcludedReasons[1]: must not be empty').fields).toEqual({
      utilizationExcludedReasons: 'must not be empty',
    })
  })

  it('gives a nested field to its object, saying which part', () => {
    expect(fieldErrors('body.display.pageSize: must be <= 24').fields).toEqual({ display: 'pageSize: must be <= 24' })
  })

  it('keeps a message that names no field whole', () => {
    expect(fieldErrors('Forbidden')).toEqual({ fields: {}, paths: {}, other: ['Forbidden'] })
  })

  it('keeps every reason of a field, and each by its whole path', () => {
    const r = fieldErrors(
      'body.display.thresholds.asaFactor: red (0.2) must be at least amber (0.5); body.display.tiles[2]: expected one of "waiting"',
    )
    expect(r.fields).toEqual({
      display: 'thresholds.asaFactor: red (0.2) must be at least amber (0.5); tiles[2]: expected one of "waiting"',
    })
    expect(r.paths).toEqual({
      'display.thresholds.asaFactor': 'red (0.2) must be at least amber (0.5)',
      'display.tiles[2]': 'expected one of "waiting"',
    })
    expect(r.other).toEqual([])
  })
})
