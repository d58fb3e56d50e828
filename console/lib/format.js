// Times in Western Indonesian Time (the Command Center's clock), durations, tickets.
import { language } from './i18n.js';

const locale = () => (language() === 'en' ? 'en-GB' : 'id-ID');

export function dateTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(locale(), {
    timeZone: 'Asia/Jakarta', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit',
  });
}

export function clock(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(locale(), { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit' });
}

/// "in 4 min" / "12 min ago", short.
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso) - now) / 1000);
  return duration(Math.abs(seconds), seconds < 0);
}

export function duration(seconds, past = false) {
  if (seconds == null) return '—';
  const s = Math.abs(seconds);
  const text = s < 60 ? `${Math.round(s)} dtk` : s < 3600 ? `${Math.round(s / 60)} mnt`
    : s < 86400 ? `${(s / 3600).toFixed(1)} jam` : `${(s / 86400).toFixed(1)} hari`;
  const english = language() === 'en';
  const word = english ? text.replace('dtk', 's').replace('mnt', 'min').replace('jam', 'h').replace('hari', 'd') : text;
  if (!past) return word;
  return english ? `${word} ago` : `${word} lalu`;
}
