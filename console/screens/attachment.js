// The attachment of a reply: a file picked in the reply box, checked here against WhatsApp's
// limits (`attachmentLimits`, shown beside the picker) so that a wrong file is refused before it
// travels, then uploaded with POST /media/upload (which checks again, by the file's contents).
// The reply names it by its attachment id.
import { html, useState, useEffect } from '../lib/html.js';
import { gql, upload } from '../lib/api.js';
import { t, fill, errorText } from '../lib/i18n.js';

let limitsOnce = null;
function loadLimits() {
  limitsOnce ??= gql('{ attachmentLimits { kind maxBytes extensions } }').then((data) => data.attachmentLimits);
  return limitsOnce;
}

const megabytes = (bytes) => Math.round(bytes / 1_000_000);
const sizeText = (bytes) => (bytes < 1_000_000 ? `${Math.ceil(bytes / 1000)} KB` : `${(bytes / 1_000_000).toFixed(1)} MB`);
const KIND_WORDS = { IMAGE: 'photo', DOCUMENT: 'document', AUDIO: 'audio', VIDEO: 'video' };

export function AttachmentPicker({ attachment, onChange, windowOpen }) {
  const [limits, setLimits] = useState([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => { loadLimits().then(setLimits).catch(() => {}); }, []);
  const maxOf = (kind) => megabytes(limits.find((limit) => limit.kind === kind)?.maxBytes ?? 0);
  const accept = limits.flatMap((limit) => limit.extensions.map((extension) => `.${extension}`)).join(',');
  const pick = async (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    const extension = file.name.includes('.') ? file.name.split('.').pop().toLowerCase() : '';
    const limit = limits.find((one) => one.extensions.includes(extension));
    if (limits.length > 0 && !limit) { setError(fill(t('attachTypeRefused'), { name: file.name })); return; }
    if (limit && file.size > limit.maxBytes) {
      setError(fill(t('attachTooLarge'), { name: file.name, kind: t(KIND_WORDS[limit.kind]), max: megabytes(limit.maxBytes) }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onChange(await upload(file));
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  const hint = attachment && (attachment.kind === 'audio' ? t('attachAudioText') : t('attachCaption'));
  return html`<div class="attach" id="attach">
    ${attachment
      ? html`<p class="attached" id="attached" data-kind=${attachment.kind}>${t('attachment')}: <strong>${attachment.fileName ?? attachment.kind}</strong>
          (${sizeText(attachment.sizeBytes)})
          <button type="button" id="attach-remove" title=${t('attachRemove')} onClick=${() => onChange(null)}>✕</button>
          <span class="muted small">${hint}</span></p>`
      : html`<label class="attach-pick">${t('attachFile')}
          <input type="file" id="attach-file" accept=${accept} disabled=${busy || !windowOpen} onChange=${pick} /></label>`}
    ${busy && html`<span class="muted" id="attach-busy">${t('uploading')}</span>`}
    <p class="muted small" id="attach-limits">${windowOpen
      ? fill(t('attachLimits'), { image: maxOf('IMAGE'), document: maxOf('DOCUMENT'), audio: maxOf('AUDIO') })
      : t('attachWindowClosed')}</p>
    ${error && html`<p class="error" id="attach-error">${error}</p>`}
  </div>`;
}
