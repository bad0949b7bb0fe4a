// Who may see and change what (design: architecture.md "Security model"): roles, the session API
// and the reasons a connection is refused. The browser imports only types from here, so its
// bundle carries no schema code.
import Type from 'typebox'

export const ROLES = ['admin', 'supervisor', 'teamlead'] as const
export type Role = (typeof ROLES)[number]
export const API_KEY_SCOPES = ['ingest', 'read'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

const Name = (description: string, maxLength = 128) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001F\\u007F]+$', description })
export const Username = Type.String({
  minLength: 2,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._@-]+$',
  description: 'letters, digits and . _ @ -',
})
export const Password = Type.String({ minLength: 12, maxLength: 256, description: 'at least 12 characters' })
/** A team's id, as queue settings, users, boards and agent events name it. */
export const TeamId = Name('team id')
export const TeamIds = Type.Array(TeamId, { maxItems: 100, uniqueItems: true })

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Username,
  name: Type.String({ description: 'display name' }),
  role: Type.Enum([...ROLES]),
  teams: Type.Array(Type.String(), { description: 'teams a team lead sees; empty for other roles' }),
  disabled: Type.Boolean(),
  createdAt: Type.Number(),
})
export type User = Type.Static<typeof UserSchema>

export const LoginSchema = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
)
export type Login = Type.Static<typeof LoginSchema>

export const SessionSchema = Type.Object({
  user: UserSchema,
  /** send it back in the `x-csrf-token` header on every state-changing request */
  csrfToken: Type.String(),
  /** when the session ends unless it is used again, epoch ms */
  expiresAt: Type.Number(),
})
export type SessionInfo = Type.Static<typeof SessionSchema>

export { Name }

/** Who is asking: an integrator's API key, a logged-in user, or a TV's display token. */
export type Principal =
  | { kind: 'key'; id: string; name: string; scopes: ApiKeyScope[] }
  | { kind: 'user'; user: User; sessionId: string }
  | { kind: 'display'; tokenId: string; boardId: string }

/**
 * Why a socket connection was refused (`connect_error`, `err.data`) or ended (`denied`).
 * `unauthorized`: no credential (a browser should log in); `token_invalid` / `token_revoked`: the
 * display token in the TV's URL is unknown or was revoked (a new URL is needed); `session_ended`:
 * logged out or expired; `forbidden`: the credential may not see what was asked.
 */
export const DENIAL_CODES = ['unauthorized', 'token_invalid', 'token_revoked', 'session_ended', 'forbidden'] as const
export type DenialCode = (typeof DENIAL_CODES)[number]
export interface Denial {
  code: DenialCode
  message: string
}

/** A connection the server could not check just now (Redis away): not a refusal, retry soon. */
export interface Unavailable {
  code: 'unavailable'
  message: string
}

/** The header a browser sends its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token'
/** The session cookie's name. */
export const SESSION_COOKIE = 'wb_session'
