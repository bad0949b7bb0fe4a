// Entry point: reads the route, picks the language, and on the board opens the socket with the
// page's credential and creates the live store once; then mounts the app.
import { io } from 'socket.io-client'
import { mount } from 'svelte'
import type { SocketAuth } from '../shared/socket.js'
import App from './App.svelte'
import './app.css'
import { appContext } from './lib/context.js'
import { createI18n } from './lib/i18n.js'
import { pickLang } from './lib/lang.js'
import { type BoardSocket, LiveBoard } from './lib/live.svelte.js'
import { parseRoute } from './lib/route.js'

const route = parseRoute(location.pathname, location.search, location.origin)
const i18n = createI18n(pickLang(location.search, navigator.languages.length > 0 ? navigator.languages : [navigator.language]))
document.documentElement.lang = i18n.lang
const TITLES = {
  login: 'login.title',
  supervisor: 'supervisor.title',
  adminDefinitions: 'admin.definitions.title',
  adminScreens: 'admin.screens.title',
} as const
document.title = i18n.t(route.view in TITLES ? TITLES[route.view as keyof typeof TITLES] : 'board.title')

let live: LiveBoard | null = null
if (route.view === 'board' || route.view === 'supervisor') {
  // A TV sends the display token from its URL and the board id; a logged-in browser sends its
  // session cookie by itself (same origin) and names the board when the path does. The supervisor
  // view watches every queue the user may see.
  const auth: SocketAuth = { version: __APP_VERSION__ }
  if (route.view === 'board' && route.token !== null) auth.token = route.token
  if (route.view === 'board' && route.boardId !== null) auth.board = route.boardId
  // Same origin, default path. WebSocket first (a TV on a flaky network should not wait for the
  // long-polling upgrade dance), polling if a proxy refuses it; reconnect forever, at most 5 s apart.
  const socket: BoardSocket = io({
    auth,
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnection: true,
    reconnectionAttempts: Infinity,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
    randomizationFactor: 0.5,
    timeout: 10_000,
    autoConnect: false,
  })
  live = new LiveBoard(socket)
  live.start()
}

const target = document.getElementById('app')
if (!target) throw new Error('#app is missing from index.html')
mount(App, { target, props: { route }, context: appContext(i18n, live) })
