// One live subscription to reportEvents for the whole console; screens listen to it.
import { subscribe, onSession } from './api.js';
import { QUEUE_FIELDS } from './fragments.js';

const listeners = new Set();
const stateListeners = new Set();
let stop = null;
let state = 'closed';

export function connectionState() { return state; }
export function onEvent(listener) { listeners.add(listener); return () => listeners.delete(listener); }
export function onConnection(listener) { stateListeners.add(listener); return () => stateListeners.delete(listener); }

function setState(next) {
  state = next;
  stateListeners.forEach((listener) => listener(next));
}

// A refreshed token opens a new socket at once, rather than letting the old one end when the
// old token expires; listeners hear 'reconnecting' and reload what they show.
onSession((session, reason) => {
  if (reason !== 'refreshed' || !stop) return;
  stop();
  stop = null;
  setState('reconnecting');
  start();
});

export function start() {
  if (stop) return;
  stop = subscribe(`subscription { reportEvents { kind at report { ${QUEUE_FIELDS} } } }`, {},
    (data) => { const event = data?.reportEvents; if (event) listeners.forEach((listener) => listener(event)); },
    setState);
}

export function end() {
  if (stop) stop();
  stop = null;
  setState('closed');
}
