// Boards: what a TV shows (every queue, or named queues plus the queues of named teams).
import { randomBytes } from 'node:crypto'
import type { RedisClient } from '../store/redis.js'
import { type Board, type BoardCreate, type BoardUpdate, DEFAULT_BOARD_DISPLAY } from '../../shared/admin.js'
import { ConflictError } from '../auth/users.js'
import type { Keys } from '../store/keys.js'
import { HashMirror } from './hash-mirror.js'

export const DEFAULT_BOARD_ID = 'floor'

export class Boards {
  private readonly rows: HashMirror<Board>

  constructor(redis: RedisClient, keys: Keys) {
    this.rows = new HashMirror(redis, keys.boards)
  }

  refresh(): Promise<void> {
    return this.rows.refresh()
  }

  get(id: string): Board | undefined {
    return withDisplay(this.rows.get(id))
  }

  list(): Board[] {
    return this.rows
      .values()
      .map((b) => withDisplay(b)!)
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  async create(input: BoardCreate): Promise<Board> {
    const now = Date.now()
    const board: Board = {
      id: input.id ?? randomBytes(4).toString('hex'),
      name: input.name,
      allQueues: input.allQueues ?? false,
      queues: [...new Set(input.queues ?? [])],
      teams: [...new Set(input.teams ?? [])],
      display: { ...DEFAULT_BOARD_DISPLAY, ...input.display },
      createdAt: now,
      updatedAt: now,
    }
    if (!(await this.rows.add(board.id, board))) throw new ConflictError(`body.id: a board ${board.id} exists`)
    return board
  }

  async update(id: string, patch: BoardUpdate): Promise<{ before: Board; after: Board } | null> {
    await this.rows.refresh()
    const before = withDisplay(this.rows.get(id))
    if (!before) return null
    const after: Board = {
      ...before,
      name: patch.name ?? before.name,
      allQueues: patch.allQueues ?? before.allQueues,
      queues: patch.queues ? [...new Set(patch.queues)] : before.queues,
      teams: patch.teams ? [...new Set(patch.teams)] : before.teams,
      display: { ...before.display, ...patch.display },
      updatedAt: Date.now(),
    }
    await this.rows.set(id, after)
    return { before, after }
  }

  async remove(id: string): Promise<Board | null> {
    await this.rows.refresh()
    const board = this.rows.get(id)
    if (!board) return null
    await this.rows.delete(id)
    return board
  }
}

/** Boards saved before a display setting existed get its default. */
function withDisplay(b: Board | undefined): Board | undefined {
  return b && { ...b, display: { ...DEFAULT_BOARD_DISPLAY, ...b.display } }
}
