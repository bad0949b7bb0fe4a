// A TV as the tests see it: an admin session, a display token for a board, and a socket.io
// client that keeps the board's figures from its snapshot and updates, and the latest health.
import { type Socket, io } from 'socket.io-client'
import type { FiguresSnapshot, QueueFigures } from '../../shared/figures/schema.js'
import type { ClientToServerEvents, FiguresUpdate, Health, ServerToClientEvents } from '../../shared/socket.js'
import { until } from './wait.js'

/** An admin session's cookie and CSRF token. */
export async function login(base: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  })
  if (res.status !== 200) throw new Error(`admin login: ${res.status}`)
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: csrfToken }
}

export async function displayToken(base: string, password: string, board = 'floor'): Promise<string> {
  const { cookie, csrf } = await login(base, password)
  const res = await fetch(`${base}/api/v1/boards/${board}/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'test TV' }),
  })
  if (res.status !== 201) throw new Error(`display token: ${res.status}`)
  return ((await res.json()) as { secret: string }).secret
}

export interface Tv {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>
  /** every update received, in order */
  updates: FiguresUpdate[]
  /** the board's queues as the TV holds them: its snapshot with every update since */
  queues: Map<string, QueueFigures>
  health: Health | null
  /** epoch ms of each change of `health.ok`, with its new value */
  healthChanges: Array<{ at: number; ok: boolean }>
}

/** A TV of `board`, connected to `base` over WebSocket, once it has its snapshot. */
export async function openTv(base: string, token: string): Promise<Tv> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    forceNew: true,
    auth: { token },
  })
  const tv: Tv = { socket, updates: [], queues: new Map(), health: null, healthChanges: [] }
  let snapshots = 0
  socket.on('snapshot', (s: FiguresSnapshot) => {
    snapshots++
    tv.queues = new Map(s.queues.map((q) => [q.id, q]))
  })
  socket.on('update', (u: FiguresUpdate) => {
    tv.updates.push(u)
    for (const q of u.queues) tv.queues.set(q.id, q)
  })
  socket.on('health', (h: Health) => {
    if (tv.health?.ok !== h.ok) tv.healthChanges.push({ at: Date.now(), ok: h.ok })
    tv.health = h
  })
  await until('the TV has its snapshot', () => socket.connected && snapshots > 0 && tv.health !== null, 10_000)
  return tv
}
