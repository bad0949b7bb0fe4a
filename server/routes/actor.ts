// Who did it, for the audit log.
import type { FastifyRequest } from 'fastify'
import { type Actor, SYSTEM } from '../admin/audit.js'

export function actorOf(req: FastifyRequest): Actor {
  const p = req.principal
  if (p?.kind === 'user') return { type: 'user', id: p.user.id, name: p.user.username }
  return SYSTEM
}
