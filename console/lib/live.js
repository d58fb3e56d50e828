// One live subscription to reportEvents for the whole console; screens listen to it.
import { subscribe } from './api.js';
import { QUEUE_FIELDS } from './fragments.js';

const listeners = new Set();
const stateListeners = new Set();
let stop = null;
let state = 'closed';

export function connectionState() { return state; }
export function onEvent(listener) { listeners.add(listener); return () => listeners.delete(listener); }
export function onConnection(listener) { stateListeners.add(listener); return () => stateListeners.delete(listener); }

export function start() {
  if (stop) return;
  stop = subscribe(`subscription { reportEvents { kind at report { ${QUEUE_FIELDS} } } }`, {},
    (data) => { const event = data?.reportEvents; if (event) listeners.forEach((listener) => listener(event)); },
    (next) => { state = next; stateListeners.forEach((listener) => listener(next)); });
}

export function end() {
  if (stop) stop();
  stop = null;
  state = 'closed';
  stateListeners.forEach((listener) => listener(state));
}
