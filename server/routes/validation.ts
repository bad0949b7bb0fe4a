// Route validation: bodies are taken strictly (no type coercion, unknown fields refused), while
// query strings and path parameters, which are text by nature, have numbers and booleans coerced.
// Errors come out as a person can act on them: every problem, each naming its field
// (`body.teams[0]: must not contain control characters; body.colour: unknown field`).
import { Ajv } from 'ajv'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'

const common = { allErrors: true, verbose: true, removeAdditional: false, useDefaults: true, strict: false } as const
const strictAjv = new Ajv({ ...common, coerceTypes: false })
const textAjv = new Ajv({ ...common, coerceTypes: 'array' })

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strictAjv : textAjv).compile(schema as object)

type AjvError = FastifySchemaValidationError & { parentSchema?: { description?: string } }

function path(dataVar: string, instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean)
  if (extra !== undefined) parts.push(extra)
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : `${out}.${p}`), dataVar)
}

function describe(e: AjvError): string {
  const params = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties':
      return 'unknown field'
    case 'required':
      return 'is required'
    case 'enum':
      return `expected one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    case 'type':
      return `expected ${String(params['type'])}`
    case 'minLength':
      return params['limit'] === 1 ? 'must not be empty' : `shorter than ${String(params['limit'])} characters`
    case 'maxLength':
      return `longer than ${String(params['limit'])} characters`
    case 'pattern':
      return e.parentSchema?.description ? `expected ${e.parentSchema.description}` : 'has characters that are not allowed'
    case 'minProperties':
      return 'names nothing to change'
    case 'uniqueItems':
      return 'has the same item twice'
    default:
      return e.message ?? 'is not valid'
  }
}

export function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const seen = new Set<string>()
  const messages: string[] = []
  for (const e of errors as AjvError[]) {
    // An anyOf reports each branch, then itself: keep the first message per field.
    const params = e.params as Record<string, unknown>
    const extra =
      e.keyword === 'additionalProperties'
        ? String(params['additionalProperty'])
        : e.keyword === 'required'
          ? String(params['missingProperty'])
          : undefined
    const field = path(dataVar, e.instancePath, extra)
    if (seen.has(field)) continue
    seen.add(field)
    messages.push(`${field}: ${describe(e)}`)
  }
  const err = new Error(messages.join('; ')) as Error & { statusCode: number }
  err.statusCode = 400
  return err
}
