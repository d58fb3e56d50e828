// The canned-reply picker of the reply box: search the canned replies, pick one, and the reply
// box gets it filled in for this report (`cannedReplyPreview`), to read and edit before it is
// sent with `replyToReporter(…, cannedReplyId)`.
import { html, useState, useEffect, useRef } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, errorText } from '../lib/i18n.js';

export function CannedPicker({ report, onPick }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const [replies, setReplies] = useState([]);
  // The search the shown replies answer: until the answer to the current search arrives, the
  // list is marked busy and Enter picks nothing, so a fast typist never sends a stale first reply.
  const [answered, setAnswered] = useState(null);
  const [error, setError] = useState(null);
  const asked = useRef(0);

  useEffect(() => {
    if (!open) return undefined;
    // One request per pause in typing; an older answer never replaces a newer one.
    const ask = ++asked.current;
    const timer = setTimeout(async () => {
      try {
        const data = await gql('query ($s: String) { cannedReplies(search: $s) { id title text tags usageCount } }', { s: search.trim() || null });
        if (ask === asked.current) { setReplies(data.cannedReplies); setAnswered(search); setError(null); }
      } catch (failure) {
        if (ask === asked.current) setError(errorText(failure));
      }
    }, 120);
    return () => clearTimeout(timer);
  }, [open, search]);

  const pick = async (reply) => {
    try {
      const data = await gql('query ($id: ID!, $r: ID!) { cannedReplyPreview(id: $id, reportId: $r) }', { id: reply.id, r: report.id });
      onPick({ id: reply.id, title: reply.title, text: data.cannedReplyPreview });
      setOpen(false);
      setSearch('');
      setAnswered(null);
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  const fresh = answered === search;
  if (!open) {
    return html`<button type="button" class="link" id="canned-open" onClick=${() => setOpen(true)}>${t('cannedPick')}</button>`;
  }
  return html`<div class="canned-picker" id="canned-picker">
    <input id="canned-search" placeholder=${t('cannedSearch')} value=${search} onInput=${(e) => setSearch(e.target.value)}
      onKeyDown=${(e) => { if (e.key === 'Escape') { e.stopPropagation(); setOpen(false); } if (e.key === 'Enter') { e.preventDefault(); if (fresh && replies[0]) pick(replies[0]); } }} />
    <ul class="options" role="listbox" aria-busy=${fresh ? 'false' : 'true'}>
      ${replies.map((reply) => html`<li role="option" data-canned=${reply.id} onClick=${() => pick(reply)} title=${reply.text}>
        <span>${reply.title}</span>
        <span class="muted small">${reply.tags.join(', ')}</span></li>`)}
      ${replies.length === 0 && html`<li class="muted">${t('cannedNone')}</li>`}
    </ul>
    ${error && html`<p class="error small">${error}</p>`}
    <button type="button" class="link" onClick=${() => setOpen(false)}>${t('cancel')}</button>
  </div>`;
}
