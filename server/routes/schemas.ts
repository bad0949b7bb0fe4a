// Response schemas shared by several routes.
import Type from 'typebox'

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String({ description: 'what went wrong, naming the field or header when there is one' }),
})

export const authErrors = { 401: ErrorSchema, 403: ErrorSchema }

/** Path parameters that name a configured thing. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false })

/** Every role that logs in. */
export const ANY_USER = ['admin', 'supervisor', 'teamlead'] as const
export const ADMIN = ['admin'] as const
