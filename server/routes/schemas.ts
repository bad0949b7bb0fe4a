// Response schemas shared by several routes.
import Type from 'typebox'

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String({ description: 'what went wrong, naming the field or header when there is one' }),
})

export const authErrors = { 401: ErrorSchema, 403: ErrorSchema }
