// People who log in: admins, supervisors and team leads (bound to teams). Usernames are unique,
// case-insensitively (HSETNX on the lower-case name makes two processes agree). The last active
// admin can be neither demoted, disabled nor deleted, so the centre never locks itself out.
import { randomUUID } from 'node:crypto'
import type { RedisClient } from '../store/redis.js'
import type { UserCreate, UserUpdate } from '../../shared/admin.js'
import type { User } from '../../shared/auth.js'
import type { Keys } from '../store/keys.js'
import { hashPassword } from './passwords.js'

export interface StoredUser extends User {
  passwordHash: string
  /** sessions that began before this are ended: a password change logs out everywhere */
  passwordChangedAt: number
}

/** A request the configuration refuses; the message names the field and the reason. */
export class ConflictError extends Error {
  override name = 'ConflictError'
  readonly statusCode = 409
}

export class InvalidInputError extends Error {
  override name = 'InvalidInputError'
  readonly statusCode = 400
}

export function publicUser(u: StoredUser): User {
  const { passwordHash: _hash, passwordChangedAt: _changed, ...user } = u
  return user
}

function teamsFor(role: User['role'], teams: string[] | undefined): string[] {
  if (role !== 'teamlead') return []
  if (!teams || teams.length === 0) throw new InvalidInputError('body.teams: a team lead needs at least one team')
  return [...new Set(teams)].sort()
}

export class Users {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async list(): Promise<User[]> {
    const all = await this.redis.hvals(this.keys.users)
    return all.map((raw) => publicUser(JSON.parse(raw) as StoredUser)).sort((a, b) => a.username.localeCompare(b.username))
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.keys.users)
  }

  async get(id: string): Promise<StoredUser | null> {
    const raw = await this.redis.hget(this.keys.users, id)
    return raw ? (JSON.parse(raw) as StoredUser) : null
  }

  async byUsername(username: string): Promise<StoredUser | null> {
    const id = await this.redis.hget(this.keys.usernames, username.toLowerCase())
    return id ? this.get(id) : null
  }

  async create(input: UserCreate): Promise<User> {
    const user: StoredUser = {
      id: randomUUID(),
      username: input.username,
      name: input.name ?? input.username,
      role: input.role,
      teams: teamsFor(input.role, input.teams),
      disabled: false,
      createdAt: Date.now(),
      passwordHash: await hashPassword(input.password),
      passwordChangedAt: Date.now(),
    }
    const claimed = await this.redis.hsetnx(this.keys.usernames, input.username.toLowerCase(), user.id)
    if (claimed === 0) throw new ConflictError(`body.username: ${input.username} is taken`)
    await this.redis.hset(this.keys.users, user.id, JSON.stringify(user))
    return publicUser(user)
  }

  async update(id: string, patch: UserUpdate): Promise<{ before: User; after: User } | null> {
    const current = await this.get(id)
    if (!current) return null
    const role = patch.role ?? current.role
    const next: StoredUser = {
      ...current,
      name: patch.name ?? current.name,
      role,
      teams: patch.teams !== undefined || patch.role !== undefined ? teamsFor(role, patch.teams ?? current.teams) : current.teams,
      disabled: patch.disabled ?? current.disabled,
      passwordHash: patch.password !== undefined ? await hashPassword(patch.password) : current.passwordHash,
      passwordChangedAt: patch.password !== undefined ? Date.now() : current.passwordChangedAt,
    }
    if (current.role === 'admin' && !current.disabled && (next.role !== 'admin' || next.disabled)) await this.keepOneAdmin(id)
    await this.redis.hset(this.keys.users, id, JSON.stringify(next))
    return { before: publicUser(current), after: publicUser(next) }
  }

  async remove(id: string): Promise<User | null> {
    const current = await this.get(id)
    if (!current) return null
    if (current.role === 'admin' && !current.disabled) await this.keepOneAdmin(id)
    await this.redis.multi().hdel(this.keys.users, id).hdel(this.keys.usernames, current.username.toLowerCase()).exec()
    return publicUser(current)
  }

  private async keepOneAdmin(leaving: string): Promise<void> {
    const others = (await this.list()).filter((u) => u.id !== leaving && u.role === 'admin' && !u.disabled)
    if (others.length === 0) throw new ConflictError('this is the last active admin: make another admin first')
  }
}
