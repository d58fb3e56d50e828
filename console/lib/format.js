// Times in Western Indonesian Time (the Command Center's clock), durations, tickets.
// Formatters are made once per language: building an Intl formatter costs far more than
// using one, and the queue formats thousands of times per render.
import { language } from './i18n.js';

const formatters = new Map();

function formatter(kind) {
  const key = `${language()}:${kind}`;
  let found = formatters.get(key);
  if (!found) {
    const locale = language() === 'en' ? 'en-GB' : 'id-ID';
    const options = kind === 'clock'
      ? { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit' }
      : { timeZone: 'Asia/Jakarta', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' };
    found = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, found);
  }
  return found;
}

export function dateTime(iso) {
  return iso ? formatter('dateTime').format(new Date(iso)) : '—';
}

export function clock(iso) {
  return iso ? formatter('clock').format(new Date(iso)) : '—';
}

/// "in 4 min" / "12 min ago", short.
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  return duration(Math.abs(seconds), seconds < 0);
}

export function duration(seconds, past = false) {
  if (seconds == null) return '—';
  const s = Math.abs(seconds);
  const english = language() === 'en';
  const [value, unit] = s < 60 ? [Math.round(s), english ? 's' : 'dtk']
    : s < 3600 ? [Math.round(s / 60), english ? 'min' : 'mnt']
      : s < 86400 ? [(s / 3600).toFixed(1), english ? 'h' : 'jam']
        : [(s / 86400).toFixed(1), english ? 'd' : 'hari'];
  const text = `${value} ${unit}`;
  if (!past) return text;
  return english ? `${text} ago` : `${text} lalu`;
}
