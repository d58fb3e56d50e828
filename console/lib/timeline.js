// The timeline in the reader's language. The server keeps each entry's kind and an English
// note written for the record ("NEW -> TRIAGED", "image stored: sha256 … (2048 bytes)"); this
// module turns the notes it knows into a short human line, with the message the entry names,
// and keeps the original note as the line's tooltip. A note it does not know is shown as is.
import { language, statusLabel, priorityLabel, timelineLabel, callKindLabel } from './i18n.js';
import { categoryLabel } from './reference.js';
import { dateTime, duration, excerpt } from './format.js';

const words = {
  id: {
    citizen: 'warga', system: 'sistem', ticket: 'Tiket', sandbox: 'mode sandbox: disimpan, tidak dikirim ke WhatsApp',
    outsideWindow: 'di luar jendela 24 jam dan tidak ada templat: warga tidak terjangkau',
    stored: 'tersimpan', notDownloaded: 'tidak dapat diunduh', bytes: 'bita',
    waCallFrom: 'panggilan WhatsApp dari warga', callCompleted: 'tersambung', missed: 'tidak terjawab: hubungi warga kembali',
    metaRefused: 'WhatsApp menolak pesan ini',
    newNumber: 'nomor baru', allowsCalls: 'warga mengizinkan panggilan', declinesCalls: 'warga menolak panggilan',
    reporterAnswered: 'pelapor menjawab', mergedInto: 'digabung ke', mergedFrom: 'digabung dari', messagesMoved: 'pesan dipindahkan',
    urgentNow: 'warga menyatakan kejadian sedang berlangsung dan butuh bantuan segera',
    notUrgent: 'warga menyatakan bukan keadaan darurat', chose: 'warga memilih jenis laporan',
    templateInstead: 'di luar jendela 24 jam: templat {t} dikirim sebagai ganti teks',
    triagedNoChange: 'ditriase tanpa perubahan', summarySet: 'ringkasan diisi', summaryCleared: 'ringkasan dihapus',
    compartmentIn: 'masuk kompartemen Propam', compartmentOut: 'dikeluarkan dari kompartemen Propam',
    nowComplaint: 'kini pengaduan tentang anggota: {u} tidak lagi melihatnya; teruskan ke satuan Propam',
    to: 'ke', previously: 'sebelumnya', notTold: 'warga tidak diberi tahu bahwa laporan {w}: jendela 24 jam tertutup dan tidak ada templat',
    forwarded: 'diteruskan', resolved: 'selesai', originalOf: 'berkas {k} asli',
    targetMissed: 'tahap {s}; batas {d}', unitAbove: 'satuan di atas', noAnswer: 'pelapor tidak menjawab setelah {h} jam',
    noReminder: 'tidak diingatkan: jendela 24 jam tertutup', reactionRemoved: 'reaksi dihapus', editedTo: 'diubah menjadi',
    deleted: 'warga menghapus pesan; aslinya tetap disimpan', seconds: 'dtk', category: 'kategori', priority: 'prioritas',
    firstAction: 'tindakan pertama', forwardStage: 'penerusan', resolution: 'penyelesaian', none: 'tidak ada',
    numberBlocked: 'nomor diblokir', blockChanged: 'blokir diubah', untilUnblocked: 'sampai dibuka',
    until: 'sampai', numberUnblocked: 'blokir nomor dibuka', blockedBy: 'diblokir oleh',
    linkedTo: 'ditautkan ke kejadian', linkedOthers: 'ditautkan', unlinkedFrom: 'dilepas dari kejadian',
    unlinkedOne: 'dilepas', dissolved: 'kejadian dibubarkan: semua laporan dilepas',
    releasedByHolder: 'dilepaskan oleh pemegangnya', takenFrom: 'diambil dari {u} oleh supervisor',
    assignedTo: 'diserahkan ke {u}', heldBefore: 'sebelumnya dipegang {u}',
    idleFor: '{u} tidak bertindak selama {m} menit (terakhir {t}): lepas otomatis',
    releasedFinal: 'dilepas dari {u}: laporan berstatus akhir ({s})', releasedOutOfReach: 'dilepas dari {u}: ia tidak dapat melihat laporan di {x}',
    statusCheckMine: 'warga meminta status laporannya: {n} laporan dijawab', statusCheckTicket: 'warga meminta status tiket {t}: dijawab',
    statusCheckNotFound: 'warga meminta status tiket {t}, yang bukan laporannya: dijawab "tidak ditemukan"',
    statusCheckHeldBack: 'warga meminta status saat mengirim terlalu banyak pesan: tidak dijawab (paling sering sekali per 5 menit)',
    askedButtons: 'warga ditanya kepuasannya dengan tombol balasan', askedTemplate: 'warga ditanya kepuasannya dengan templat {t}',
    rated: 'penilaian warga: {r}', ratedAgain: 'warga menjawab lagi: {r} (jawaban pertama, {f}, tetap berlaku)',
    ratingComment: 'saran warga', satisfactionNotAsked: 'survei kepuasan tidak dikirim: jendela 24 jam tertutup dan tidak ada templat survei',
    PUAS: 'Puas', CUKUP: 'Cukup', TIDAK_PUAS: 'Tidak puas',
  },
  en: {
    citizen: 'citizen', system: 'system', ticket: 'Ticket', sandbox: 'sandbox mode: stored, not sent to WhatsApp',
    outsideWindow: 'outside the 24-hour window and no template: the citizen was not reached',
    stored: 'stored', notDownloaded: 'could not be downloaded', bytes: 'bytes',
    waCallFrom: 'WhatsApp call from the citizen', callCompleted: 'connected', missed: 'missed: call the citizen back',
    metaRefused: 'WhatsApp refused this message',
    newNumber: 'new number', allowsCalls: 'the citizen allows calls', declinesCalls: 'the citizen declined calls',
    reporterAnswered: 'the reporter answered', mergedInto: 'merged into', mergedFrom: 'merged from', messagesMoved: 'messages moved',
    urgentNow: 'the citizen says it is happening now and needs help at once',
    notUrgent: 'the citizen says it is not an emergency', chose: 'the citizen chose the kind of report',
    templateInstead: 'outside the 24-hour window: template {t} went out instead of the text',
    triagedNoChange: 'triaged without changes', summarySet: 'summary set', summaryCleared: 'summary cleared',
    compartmentIn: 'in the internal-affairs compartment', compartmentOut: 'taken out of the internal-affairs compartment',
    nowComplaint: 'now a complaint about police conduct: {u} no longer sees it; forward it to a Propam unit',
    to: 'to', previously: 'previously', notTold: 'the citizen was not told that the report was {w}: the 24-hour window is closed and there is no template',
    forwarded: 'forwarded', resolved: 'resolved', originalOf: 'the original {k}',
    targetMissed: '{s} stage; due {d}', unitAbove: 'the unit above', noAnswer: 'no answer from the reporter after {h} hours',
    noReminder: 'no reminder: the 24-hour window is closed', reactionRemoved: 'reaction removed', editedTo: 'edited to',
    deleted: 'the citizen deleted a message; the original is kept', seconds: 's', category: 'category', priority: 'priority',
    firstAction: 'first action', forwardStage: 'forwarding', resolution: 'resolution', none: 'none',
    numberBlocked: 'number blocked', blockChanged: 'block changed', untilUnblocked: 'until unblocked',
    until: 'until', numberUnblocked: 'number unblocked', blockedBy: 'blocked by',
    linkedTo: 'linked to the incident of', linkedOthers: 'linked', unlinkedFrom: 'unlinked from the incident of',
    unlinkedOne: 'unlinked', dissolved: 'incident dissolved: every report unlinked',
    releasedByHolder: 'released by the holder', takenFrom: 'taken from {u} by a supervisor',
    assignedTo: 'assigned to {u}', heldBefore: 'previously held by {u}',
    idleFor: '{u} did nothing on it for {m} minutes (last {t}): the claim ran out',
    releasedFinal: 'released from {u}: the report is final ({s})', releasedOutOfReach: 'released from {u}: they cannot see it at {x}',
    statusCheckMine: 'the citizen asked for the status of their reports: {n} report(s) answered', statusCheckTicket: 'the citizen asked for the status of ticket {t}: answered',
    statusCheckNotFound: 'the citizen asked for ticket {t}, not one of theirs: answered "not found"',
    statusCheckHeldBack: 'the citizen asked for a status while over the rate limit: not answered (at most once every 5 minutes)',
    askedButtons: 'the citizen was asked how satisfied they are, with reply buttons', askedTemplate: 'the citizen was asked how satisfied they are, with the template {t}',
    rated: "the citizen's rating: {r}", ratedAgain: 'the citizen answered again: {r} (the first answer, {f}, stands)',
    ratingComment: "the citizen's comment", satisfactionNotAsked: 'the satisfaction question was not sent: the 24-hour window is closed and there is no satisfaction template',
    PUAS: 'Satisfied (Puas)', CUKUP: 'Fair (Cukup)', TIDAK_PUAS: 'Dissatisfied (Tidak puas)',
  },
};

const kinds = {
  id: { text: 'Teks', image: 'Foto', sticker: 'Stiker', audio: 'Audio', voice: 'Pesan suara', video: 'Video',
    document: 'Dokumen', location: 'Lokasi', contacts: 'Kontak', interactive: 'Jawaban pilihan', button: 'Tombol',
    template: 'Templat', location_request: 'Permintaan lokasi', call_permission_request: 'Permintaan izin panggilan',
    buttons: 'Pilihan', list: 'Daftar pilihan', unsupported: 'Pesan tak dikenal', reaction: 'Reaksi',
    order: 'Pesanan', system: 'Pesan sistem WhatsApp', edit: 'Suntingan', revoke: 'Pesan ditarik' },
  en: { text: 'Text', image: 'Photo', sticker: 'Sticker', audio: 'Audio', voice: 'Voice note', video: 'Video',
    document: 'Document', location: 'Location', contacts: 'Contacts', interactive: 'Choice', button: 'Button',
    template: 'Template', location_request: 'Location request', call_permission_request: 'Call permission request',
    buttons: 'Choices', list: 'List', unsupported: 'Unknown message', reaction: 'Reaction',
    order: 'Order', system: 'WhatsApp system message', edit: 'Edit', revoke: 'Deleted message' },
};

const purposes = {
  id: { NEW_REPORT_REPLY: 'balasan otomatis laporan baru', FOLLOW_UP_ACK: 'tanda terima pesan lanjutan',
    OPERATOR_REPLY: 'balasan petugas', STATUS_NOTICE: 'pemberitahuan status', SLOW_DOWN: 'permintaan mengurangi pesan',
    STATUS_CHECK: 'jawaban cek status', SATISFACTION: 'survei kepuasan' },
  en: { NEW_REPORT_REPLY: 'automatic reply to a new report', FOLLOW_UP_ACK: 'acknowledgement of a follow-up',
    OPERATOR_REPLY: "an operator's reply", STATUS_NOTICE: 'status notice', SLOW_DOWN: 'request to slow down',
    STATUS_CHECK: 'answer to a status check', SATISFACTION: 'satisfaction question' },
};


const NOTE_PURPOSES = { newreportreply: 'NEW_REPORT_REPLY', followupack: 'FOLLOW_UP_ACK', operatorreply: 'OPERATOR_REPLY', statusnotice: 'STATUS_NOTICE', slowdown: 'SLOW_DOWN', statuscheck: 'STATUS_CHECK', satisfaction: 'SATISFACTION' };

const w = (key, fill = {}) => Object.entries(fill)
  .reduce((text, [name, value]) => text.replace(`{${name}}`, value), words[language()][key] ?? key);

/// A message kind in the reader's language (`image` → Foto).
export function messageKindLabel(kind) { return kinds[language()][kind] ?? kind; }

export function actorLabel(actor) {
  return actor === 'citizen' || actor === 'system' ? w(actor) : actor;
}

const STAGES = { FIRST_ACTION: 'firstAction', FORWARD: 'forwardStage', RESOLUTION: 'resolution' };

function size(bytes) {
  const n = Number(bytes);
  if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} ${w('bytes')}`;
}

/// "A -> B" (as the server writes a status change) in the reader's words, or null.
function statusMove(text) {
  const move = /^([A-Z_]+) -> ([A-Z_]+)(.*)$/s.exec(text);
  if (!move) return null;
  return { text: `${statusLabel(move[1])} → ${statusLabel(move[2])}`, rest: move[3] };
}

/// The words a person added after the system's part (`…: their note`).
const withRest = (text, rest) => (rest ? `${text}${rest.replace(/^: /, ' · ')}` : text);

function quoted(message) {
  const text = message?.text && excerpt(message.text, 90);
  return text ? `“${text}”` : '';
}

/// `{ label, detail }` for one timeline entry; `detail` may be empty.
export function describe(event, { messages, units, categories }) {
  const note = event.note ?? '';
  const message = event.messageId ? messages.get(event.messageId) : null;
  const unitName = (code) => units.find((unit) => unit.code === code)?.name ?? code;
  const label = timelineLabel(event.kind);
  const detail = detailOf(event.kind, note, message, { unitName, categories });
  return { label, detail: detail ?? note };
}

function detailOf(kind, note, message, { unitName, categories }) {
  let m;
  switch (kind) {
    case 'REPORT_OPENED':
      return note ? `${w('ticket')} ${note}` : '';
    case 'MESSAGE_RECEIVED': {
      const what = messageKindLabel(message?.kind ?? note);
      const text = quoted(message);
      return message?.kind === 'text' && text ? text : [what, text].filter(Boolean).join(': ');
    }
    case 'REPLY_QUEUED': {
      // A message moved to another report by a merge is not in this one: its purpose is in
      // the note too (`newreportreply`).
      const purpose = purposes[language()][message?.purpose ?? NOTE_PURPOSES[note]] ?? null;
      const what = message && message.kind !== 'text' ? messageKindLabel(message.kind) : purpose;
      return [what, quoted(message)].filter(Boolean).join(': ');
    }
    case 'REPLY_SENT':
      return /^sandbox mode/.test(note) ? w('sandbox') : quoted(message) || null;
    case 'REPLY_FAILED':
      if (/outside the 24-hour window/.test(note)) return w('outsideWindow');
      // WhatsApp's own refusal keeps its code and words, after ours.
      if ((m = /^\((\d+)\) (.*)$/s.exec(note))) return [quoted(message), `${w('metaRefused')} (${m[1]}: ${m[2]})`].filter(Boolean).join(' · ');
      return [quoted(message), note].filter(Boolean).join(' · ');
    case 'MEDIA_STORED':
      if ((m = /^(\w+) stored: .*\((\d+) bytes\)$/.exec(note))) return `${messageKindLabel(m[1])} ${w('stored')} (${size(m[2])})`;
      return null;
    case 'MEDIA_FAILED':
      if ((m = /^(\w+) could not be downloaded/.exec(note))) return `${messageKindLabel(m[1])} ${w('notDownloaded')}`;
      return null;
    case 'CALL_RECEIVED':
      return /^whatsapp call \(.*\) from the citizen$/.test(note) ? w('waCallFrom') : null;
    case 'CALL_ENDED':
      if ((m = /^whatsapp call ended: (\w+)(?:, (\d+) s)?( - missed)?/.exec(note))) {
        const outcome = m[1] === 'completed' ? w('callCompleted') : m[3] ? w('missed') : m[1];
        const length = m[1] === 'completed' && m[2] ? duration(Number(m[2])) : null;
        return [outcome, length].filter(Boolean).join(' · ');
      }
      return null;
    case 'REPORTER_CHANGED_NUMBER':
      return (m = /: now (\S+)$/.exec(note)) ? `${w('newNumber')} ${m[1]}` : null;
    case 'CALL_PERMISSION_ANSWERED':
      return /allows/.test(note) ? w('allowsCalls') : /declined/.test(note) ? w('declinesCalls') : null;
    case 'REACTION_RECEIVED':
      return note === 'reaction removed' ? w('reactionRemoved') : note.replace(/^reaction /, '');
    case 'MESSAGE_EDITED':
      return (m = /^edited to: (.*)$/s.exec(note)) ? `${w('editedTo')} “${excerpt(m[1], 90)}”` : null;
    case 'MESSAGE_REVOKED':
      return w('deleted');
    case 'STATUS_CHANGED': {
      const move = statusMove(note);
      if (!move) return null;
      if ((m = /^ \(reporter answered\)$/.exec(move.rest))) return `${move.text} (${w('reporterAnswered')})`;
      if ((m = /^ \(merged into (\S+)\)$/.exec(move.rest))) return `${move.text} (${w('mergedInto')} ${m[1]})`;
      return withRest(move.text, move.rest);
    }
    case 'NOTE':
      if (note === 'the citizen says it is happening now and needs help at once') return w('urgentNow');
      if (note === 'the citizen says it is not an emergency') return w('notUrgent');
      if ((m = /^the citizen chose the kind of report: (\S+)$/.exec(note))) return `${w('chose')}: ${categoryLabel(categories, m[1])}`;
      if ((m = /template (\S+) went out instead of the text: (.*)$/s.exec(note))) return `${w('templateInstead', { t: m[1] })}: “${excerpt(m[2], 90)}”`;
      return note;
    case 'TRIAGED':
      return triageDetail(note, unitName, categories);
    case 'FORWARDED':
      if ((m = /^forwarded to (\S+) \((.*?)\)(?:, previously (\S+))?(.*)$/s.exec(note))) {
        const previous = m[3] ? ` (${w('previously')} ${unitName(m[3])})` : '';
        return withRest(`${w('to')} ${unitName(m[1])}${previous}`, m[4]);
      }
      return null;
    case 'NOTICE_NOT_SENT':
      if (note.startsWith('the satisfaction question was not asked')) return w('satisfactionNotAsked');
      if ((m = /was (forwarded|resolved)(?: to (.*?))?: /.exec(note))) {
        return w('notTold', { w: m[2] ? `${w(m[1])} ${w('to')} ${m[2]}` : w(m[1]) });
      }
      return null;
    case 'CALL_LOGGED':
      if ((m = /^(phone|video|whatsapp) call: (.*?)(?: \((\d+) s\))?(?:: (.*))?$/is.exec(note))) {
        const head = `${callKindLabel(m[1].toUpperCase())}: ${m[2]}${m[3] ? ` (${duration(Number(m[3]))})` : ''}`;
        return m[4] ? `${head} · ${m[4]}` : head;
      }
      return null;
    case 'MEDIA_VIEWED':
      if ((m = /opened the original (\w+) of message/.exec(note))) return w('originalOf', { k: messageKindLabel(m[1]).toLowerCase() });
      return null;
    case 'MERGED':
      if ((m = /^merged into (\S+): (\d+) messages/.exec(note))) return `${w('mergedInto')} ${m[1]}; ${m[2]} ${w('messagesMoved')}`;
      if ((m = /^merged from (\S+): (\d+) messages/.exec(note))) return `${w('mergedFrom')} ${m[1]}; ${m[2]} ${w('messagesMoved')}`;
      return null;
    case 'SLA_BREACHED':
      if ((m = /^(\w+) target missed: due (\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC$/.exec(note))) {
        return w('targetMissed', { s: w(STAGES[m[1]] ?? m[1]), d: dateTime(`${m[2]}T${m[3]}:00Z`) });
      }
      return null;
    case 'ESCALATED':
      if ((m = /^escalated to (\S+), the unit above (\S+)$/.exec(note))) return `${w('to')} ${unitName(m[1])} (${w('unitAbove')} ${unitName(m[2])})`;
      return null;
    case 'REPORTER_BLOCKED':
      if ((m = /^(number blocked|block changed) (until unblocked|until (\S+)): (.*)$/s.exec(note))) {
        const end = m[3] ? `${w('until')} ${dateTime(m[3])}` : w('untilUnblocked');
        return `${w(m[1] === 'block changed' ? 'blockChanged' : 'numberBlocked')} ${end} · ${m[4]}`;
      }
      return null;
    case 'REPORTER_UNBLOCKED':
      if ((m = /^number unblocked \(blocked by (\S+): (.*)\)$/s.exec(note))) return `${w('numberUnblocked')} (${w('blockedBy')} ${m[1]}: ${m[2]})`;
      return null;
    case 'LINKED':
      if ((m = /^linked to the incident of (\S+)(.*)$/s.exec(note))) return withRest(`${w('linkedTo')} ${m[1]}`, m[2]);
      if ((m = /^linked ([^:]+)(.*)$/s.exec(note))) return withRest(`${w('linkedOthers')} ${m[1]}`, m[2]);
      return null;
    case 'UNLINKED':
      if ((m = /^unlinked from the incident of (\S+)$/.exec(note))) return `${w('unlinkedFrom')} ${m[1]}`;
      if ((m = /^unlinked (\S+)$/.exec(note))) return `${w('unlinkedOne')} ${m[1]}`;
      if (note.startsWith('incident dissolved')) return w('dissolved');
      return null;
    case 'REPORTER_SILENT':
      if ((m = /^no answer from the reporter after ([\d.]+) hours(; no reminder)?/.exec(note))) {
        return [w('noAnswer', { h: m[1] }), m[2] && w('noReminder')].filter(Boolean).join('; ');
      }
      return null;
    case 'RELEASED':
      if (note === 'released by the holder') return w('releasedByHolder');
      if ((m = /^taken from (\S+) by a supervisor$/.exec(note))) return w('takenFrom', { u: m[1] });
      if ((m = /^released from (\S+): (\S+) is final$/.exec(note))) return w('releasedFinal', { u: m[1], s: statusLabel(m[2]) });
      if ((m = /^released from (\S+): \S+ cannot see it at (\S+)$/.exec(note))) return w('releasedOutOfReach', { u: m[1], x: unitName(m[2]) });
      return null;
    case 'PERSON_ASSIGNED':
      if ((m = /^assigned to (\S+?)(?:, previously held by (\S+))?$/.exec(note))) {
        return [w('assignedTo', { u: m[1] }), m[2] && w('heldBefore', { u: m[2] })].filter(Boolean).join('; ');
      }
      return null;
    case 'CLAIM_EXPIRED':
      if ((m = /^(\S+) did nothing on the report for (\d+) minutes \(last action (\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC\)/.exec(note))) {
        return w('idleFor', { u: m[1], m: m[2], t: dateTime(`${m[3]}T${m[4]}:00Z`) });
      }
      return null;
    case 'STATUS_CHECKED':
      if (note.includes('; not answered: over the rate limit')) return w('statusCheckHeldBack');
      if ((m = /^status check: (\d+) report/.exec(note))) return w('statusCheckMine', { n: m[1] });
      if ((m = /^status check for (\S+): answered$/.exec(note))) return w('statusCheckTicket', { t: m[1] });
      if ((m = /^status check for (\S+): not one of/.exec(note))) return w('statusCheckNotFound', { t: m[1] });
      return null;
    case 'SATISFACTION_ASKED':
      if ((m = /with the template (\S+)$/.exec(note))) return w('askedTemplate', { t: m[1] });
      return /with reply buttons$/.test(note) ? w('askedButtons') : null;
    case 'SATISFACTION_ANSWERED':
      if ((m = /^the citizen's satisfaction: (\w+)$/.exec(note))) return w('rated', { r: w(m[1]) });
      if ((m = /^the citizen answered again: (\w+) \(the first answer, (\w+), stands\)$/.exec(note))) return w('ratedAgain', { r: w(m[1]), f: w(m[2]) });
      if ((m = /^the citizen's comment on the handling: (.*)$/s.exec(note))) return `${w('ratingComment')}: “${excerpt(m[1], 200)}”`;
      return null;
    default:
      return null;
  }
}

function triageDetail(note, unitName, categories) {
  // Changes are joined by "; ", and the operator's note follows the last one after ": ".
  const parts = note.split('; ');
  const out = [];
  for (const [index, part] of parts.entries()) {
    let text = part;
    let rest = '';
    let m;
    if (index === parts.length - 1 && (m = /^(category \S+ -> \S+|priority \S+ -> \S+|summary set|summary cleared|triaged without changes|in the internal-affairs compartment|taken out of the internal-affairs compartment): (.*)$/s.exec(part))) {
      text = m[1];
      rest = m[2];
    }
    if ((m = /^category (\S+) -> (\S+)$/.exec(text))) {
      const from = m[1] === 'none' ? w('none') : categoryLabel(categories, m[1]);
      out.push(`${w('category')}: ${from} → ${categoryLabel(categories, m[2])}`);
    } else if ((m = /^priority (\S+) -> (\S+)$/.exec(text))) {
      const from = m[1] === 'none' ? w('none') : priorityLabel(m[1]);
      out.push(`${w('priority')}: ${from} → ${priorityLabel(m[2])}`);
    } else if (text === 'summary set') out.push(w('summarySet'));
    else if (text === 'summary cleared') out.push(w('summaryCleared'));
    else if (text === 'triaged without changes') out.push(w('triagedNoChange'));
    else if (text === 'in the internal-affairs compartment') out.push(w('compartmentIn'));
    else if (text === 'taken out of the internal-affairs compartment') out.push(w('compartmentOut'));
    else if ((m = /^now a complaint about police conduct: (\S+) no longer sees it/.exec(text))) out.push(w('nowComplaint', { u: unitName(m[1]) }));
    else if (text === 'forward it to a Propam unit') continue; // the second half of the line above
    else out.push(text);
    if (rest) out.push(rest);
  }
  return out.join(' · ');
}
