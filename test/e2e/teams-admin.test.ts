// Teams from the admin page, in a real headless Chromium: a team is created, listed with the queue
// assigned to it and the agents its events name, renamed in its row, given opening hours; bad input
// is refused next to its field, and deleting a team still in use is refused with the server's reason
// in its row.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TeamSummary } from '../../shared/admin.js'
import { ADMIN_PASSWORD, type Browser, auth, login, postEvents, testApp } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let app: FastifyInstance
let base: string
let admin: Browser
let chromium: Awaited<ReturnType<typeof launchBrowser>>
let page: Page

beforeAll(async () => {
  app = await testApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  admin = await login(app)
  await postEvents(app, [
    { id: 'e1', type: 'call.queued', ts: Date.now() - 5_000, callId: 'e1', queue: 'q-east' },
    { id: 'e2', type: 'agent.state', ts: Date.now() - 5_000, agent: 'li', state: 'available', team: 'east' },
  ])
  chromium = await launchBrowser()
  page = await chromium.context.newPage()
  // Through the login page, which sends the browser on to the teams page.
  await page.goto(`${base}/login?next=/admin/teams`)
  await page.getByTestId('login-username').fill('admin')
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD)
  await page.getByTestId('login-password').press('Enter')
  await page.waitForURL((u) => u.pathname === '/admin/teams', { timeout: 10_000 })
  // The agent's events already name the team: it is listed, without a record.
  await page.getByTestId('team-east').waitFor({ timeout: 10_000 })
})
afterAll(async () => {
  await chromium?.close()
  await app?.close()
})

async function teamOf(id: string): Promise<TeamSummary | undefined> {
  const res = await app.inject({ url: '/api/v1/teams', headers: auth })
  return (res.json().teams as TeamSummary[]).find((t) => t.id === id)
}

describe('teams', () => {
  const row = (id: string) => page.getByTestId(`team-${id}`)
  const create = (id: string) => page.getByTestId('create-team').getByTestId(id)

  it('creates a team with a name and a site', async () => {
    expect(await row('east').getByTestId('record').textContent()).toBe('none (shows its id)')
    await create('new-id').fill('east')
    await create('new-name').fill('East 东区')
    await create('new-site').fill('Wuhan')
    await create('create').click()
    await expect.poll(() => row('east').getByTestId('record').textContent(), { timeout: 5_000 }).toBe('saved')
    expect(await row('east').getByTestId('input-name').inputValue()).toBe('East 东区')
    expect(await row('east').getByTestId('input-site').inputValue()).toBe('Wuhan')
    expect(await row('east').getByTestId('agents').textContent()).toBe('1')
    expect(await teamOf('east')).toMatchObject({ name: 'East 东区', site: 'Wuhan', record: true })
  })

  it('lists the queue assigned to the team', async () => {
    const res = await app.inject({
      method: 'PATCH',
      url: '/api/v1/queues/q-east',
      headers: admin.headers,
      payload: { team: 'east' },
    })
    expect(res.statusCode).toBe(200)
    await page.reload()
    await expect.poll(() => row('east').getByTestId('queues').textContent(), { timeout: 10_000 }).toBe('q-east')
  })

  it('renames the team in its row', async () => {
    await row('east').getByTestId('input-name').fill('East floor')
    await row('east').getByTestId('save').click()
    await row('east').getByTestId('saved').waitFor({ timeout: 5_000 })
    await expect.poll(async () => (await teamOf('east'))?.name, { timeout: 5_000 }).toBe('East floor')
    expect((await teamOf('east'))?.site).toBe('Wuhan')
  })

  it('sets opening hours in its row, and opens the team around the clock again', async () => {
    const hours = row('east').getByTestId('hours-open')
    expect(await hours.isChecked()).toBe(true)
    await hours.uncheck()
    // Weekdays 08:00–20:00 to start from: Saturday too, and a night that runs past midnight.
    await row('east').getByTestId('day-6').check()
    await row('east').getByTestId('hours-from').fill('22:00')
    await row('east').getByTestId('hours-to').fill('06:00')
    await row('east').getByTestId('save').click()
    await expect
      .poll(async () => (await teamOf('east'))?.hours, { timeout: 5_000 })
      .toEqual({ days: [1, 2, 3, 4, 5, 6], from: '22:00', to: '06:00' })
    // What the server kept is what the row shows after a reload.
    await page.reload()
    await row('east').getByTestId('hours-from').waitFor({ timeout: 10_000 })
    expect(await row('east').getByTestId('hours-open').isChecked()).toBe(false)
    expect(await row('east').getByTestId('hours-to').inputValue()).toBe('06:00')
    expect(await row('east').getByTestId('day-0').isChecked()).toBe(false)
    expect(await row('east').getByTestId('day-6').isChecked()).toBe(true)

    // The same from and to: refused, with the server's reason next to the hours.
    await row('east').getByTestId('hours-to').fill('22:00')
    await row('east').getByTestId('save').click()
    await expect.poll(() => row('east').getByTestId('error-hours').textContent(), { timeout: 5_000 }).toMatch(/must differ/)
    expect((await teamOf('east'))?.hours?.to).toBe('06:00')

    await row('east').getByTestId('hours-open').check()
    await row('east').getByTestId('save').click()
    await expect.poll(async () => (await teamOf('east'))?.hours, { timeout: 5_000 }).toBeNull()
    expect((await teamOf('east'))?.name).toBe('East floor')
    // Reloaded, so that the row's own reload after saving cannot overwrite what the next test types.
    await page.reload()
    await row('east').getByTestId('input-name').waitFor({ timeout: 10_000 })
    expect(await row('east').getByTestId('hours-open').isChecked()).toBe(true)
  })

  it("shows the server's reason next to the field for bad input", async () => {
    await row('east').getByTestId('input-name').fill('x'.repeat(201))
    await row('east').getByTestId('save').click()
    await expect.poll(() => row('east').getByTestId('error-name').textContent(), { timeout: 5_000 }).toMatch(/200/)
    expect((await teamOf('east'))?.name).toBe('East floor')
    // A new team needs an id: the path's reason shows next to the id field.
    await create('new-name').fill('No id')
    await create('create').click()
    await expect.poll(() => create('create-error-id').textContent(), { timeout: 5_000 }).toBe('must not be empty')
  })

  it('refuses to delete a team still in use, saying what uses it', async () => {
    await row('east').getByTestId('delete').click()
    await expect.poll(() => row('east').getByTestId('delete-error').textContent(), { timeout: 5_000 }).toMatch(/q-east/)
    expect((await teamOf('east'))?.record).toBe(true)
  })

  it('deletes the record of a team nothing uses', async () => {
    await create('new-id').fill('spare')
    await create('new-name').fill('Spare')
    await create('create').click()
    await row('spare').waitFor({ timeout: 5_000 })
    await row('spare').getByTestId('delete').click()
    await page.getByTestId('notice').waitFor({ timeout: 5_000 })
    await expect.poll(() => row('spare').count(), { timeout: 5_000 }).toBe(0)
    expect(await teamOf('spare')).toBeUndefined()
  })
})
