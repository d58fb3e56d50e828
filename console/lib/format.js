// Times in Western Indonesian Time (the Command Center's clock), durations, tickets.
// Formatters are made once per language: building an Intl formatter costs far more than
// using one, and the queue formats thousands of times per render.
import { language, t, fill } from './i18n.js';

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

/// The time alone when it is within half a day, else the date with it.
export function when(iso, now = Date.now()) {
  if (!iso) return '—';
  return Math.abs(Date.parse(iso) - now) < 12 * 3600_000 ? clock(iso) : dateTime(iso);
}

/// "14 mnt lagi" before an SLA due time, "lewat 3 mnt" after it.
export function dueIn(iso, now = Date.now()) {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  return fill(t(seconds < 0 ? 'lateBy' : 'dueIn'), { d: duration(Math.abs(seconds)) });
}

export function duration(seconds, past = false) {
  if (seconds == null) return '—';
  const s = Math.abs(seconds);
  const english = language() === 'en';
  const [value, unit] = s < 60 ? [Math.round(s), english ? 's' : 'dtk']
    : s < 3600 ? [Math.round(s / 60), english ? 'min' : 'mnt']
      : s < 86400 ? [s / 3600, english ? 'h' : 'jam']
        : [s / 86400, english ? 'd' : 'hari'];
  // "1,5 jam" in Indonesian, "1.5 h" in English; whole numbers without a decimal.
  const text = `${value.toLocaleString(english ? 'en-GB' : 'id-ID', { maximumFractionDigits: 1 })} ${unit}`;
  if (!past) return text;
  return english ? `${text} ago` : `${text} lalu`;
}

/// One line of at most `max` characters, cut at a word where it can be.
export function excerpt(text, max) {
  const line = String(text ?? '').replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/// "Kec. Ilir Timur I, Kota Palembang" from a suggested place.
export function placeName(place) {
  if (!place) return '';
  return [place.kecamatan, place.kabupaten].filter(Boolean).join(', ');
}
