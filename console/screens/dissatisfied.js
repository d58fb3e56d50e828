// For supervisors, on every screen: a banner when a citizen answers "Tidak puas" to the
// satisfaction question (the DISSATISFIED event), with the ticket as a link to the report,
// until closed.
import { html, useState, useEffect } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { loadCategories, categoryLabel } from '../lib/reference.js';
import * as live from '../lib/live.js';

export function DissatisfiedBanner() {
  const [report, setReport] = useState(null);
  const [categories, setCategories] = useState([]);
  useEffect(() => {
    loadCategories().then(setCategories).catch(() => {});
    return live.onEvent((event) => {
      if (event.kind === 'DISSATISFIED' && event.report) setReport(event.report);
    });
  }, []);
  if (!report) return null;
  return html`<div class="dissatisfied-alert" role="status" id="dissatisfied-alert">
    <strong>${t('dissatisfiedAlert')}</strong>
    <a href=${`#/report/${report.id}`}>${report.ticket}</a> ${categoryLabel(categories, report.category ?? report.suggestion?.category)}
    <button type="button" class="link" onClick=${() => setReport(null)}>×</button>
  </div>`;
}
