// Entry point: picks the language, opens the socket, creates the live store once and mounts the app.
import { io } from 'socket.io-client'
import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'
import { boardContext } from './lib/context.js'
import { createI18n, pickLang } from './lib/i18n.js'
import { type BoardSocket, LiveBoard } from './lib/live.svelte.js'

const i18n = createI18n(pickLang(location.search, navigator.languages.length > 0 ? navigator.languages : [navigator.language]))
document.documentElement.lang = i18n.lang
document.title = i18n.t('board.title')

// Same origin, default path. WebSocket first (a TV on a flaky network should not wait for the
// long-polling upgrade dance), polling if a proxy refuses it; reconnect forever, at most 5 s apart.
const socket: BoardSocket = io({
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

const live = new LiveBoard(socket)
live.start()

const target = document.getElementById('app')
if (!target) throw new Error('#app is missing from index.html')
mount(App, { target, context: boardContext(live, i18n) })
