// Boards: what a TV shows (every queue, or named queues plus the queues of named teams).
// Kept in one Redis hash and mirrored in memory, refreshed every few seconds so that every
// server process agrees within seconds; a change made here applies at once in this process.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Board, BoardCreate, BoardUpdate } from '../../shared/admin.js'
import type { Keys } from '../store/keys.js'
import { ConflictError } from '../auth/users.js'

export const DEFAULT_BOARD_ID = 'floor'

export class Boards {
  private cache = new Map<string, Board>()

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async refresh(): Promise<void> {
    const all = await this.redis.hgetall(this.keys.boards)
    this.cache = new Map(Object.entries(all).map(([id, raw]) => [id, JSON.parse(raw) as Board]))
  }

  get(id: string): Board | undefined {
    return this.cache.get(id)
  }

  list(): Board[] {
    return [...this.cache.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  async create(input: BoardCreate): Promise<Board> {
    const now = Date.now()
    const board: Board = {
      id: input.id ?? randomBytes(4).toString('hex'),
      name: input.name,
      allQueues: input.allQueues ?? false,
      queues: [...new Set(input.queues ?? [])],
      teams: [...new Set(input.teams ?? [])],
      createdAt: now,
      updatedAt: now,
    }
    if ((await this.redis.hsetnx(this.keys.boards, board.id, JSON.stringify(board))) === 0) {
      throw new ConflictError(`body.id: a board ${board.id} exists`)
    }
    this.cache.set(board.id, board)
    return board
  }

  async update(id: string, patch: BoardUpdate): Promise<{ before: Board; after: Board } | null> {
    await this.refresh()
    const before = this.cache.get(id)
    if (!before) return null
    const after: Board = {
      ...before,
      name: patch.name ?? before.name,
      allQueues: patch.allQueues ?? before.allQueues,
      queues: patch.queues ? [...new Set(patch.queues)] : before.queues,
      teams: patch.teams ? [...new Set(patch.teams)] : before.teams,
      updatedAt: Date.now(),
    }
    await this.redis.hset(this.keys.boards, id, JSON.stringify(after))
    this.cache.set(id, after)
    return { before, after }
  }

  async remove(id: string): Promise<Board | null> {
    await this.refresh()
    const board = this.cache.get(id)
    if (!board) return null
    await this.redis.hdel(this.keys.boards, id)
    this.cache.delete(id)
    return board
  }
}
