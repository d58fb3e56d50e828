// The console's words: Indonesian by default, English on request (kept in localStorage).

const id = {
  app: 'SIAGA Command Center',
  signIn: 'Masuk', signOut: 'Keluar', username: 'Nama pengguna', password: 'Kata sandi',
  signingIn: 'Sedang masuk…', wrongLogin: 'Nama pengguna atau kata sandi salah, atau akun nonaktif.', sessionEnded: 'Sesi Anda telah berakhir. Silakan masuk lagi.',
  signedOut: 'Anda telah keluar.',
  queue: 'Antrean', search: 'Pencarian', stats: 'Statistik', map: 'Peta', admin: 'Administrasi',
  language: 'English', live: 'Langsung', offline: 'Terputus', reconnecting: 'Menyambung ulang…',
  all: 'Semua', status: 'Status', category: 'Kategori', unit: 'Satuan', priority: 'Prioritas',
  channel: 'Nomor WhatsApp',
  overdue: 'Lewat SLA', open: 'Terbuka', ticket: 'Tiket', reporter: 'Pelapor', due: 'Batas SLA',
  summary: 'Ringkasan', created: 'Dibuat', updated: 'Diperbarui', loading: 'Memuat…',
  noReports: 'Tidak ada laporan.', urgentAlert: 'LAPORAN DARURAT', dissatisfiedAlert: 'Warga tidak puas', dissatisfiedLatest: 'Jawaban "Tidak puas" terbaru', noDissatisfied: 'Belum ada jawaban "Tidak puas" pada periode ini.', urgent: 'Darurat',
  mute: 'Bisukan', unmute: 'Bunyikan', keysHelp: 'j/k pindah · Enter buka · Esc kembali · / cari',
  conversation: 'Percakapan', timeline: 'Riwayat', suggestion: 'Saran sistem',
  confidence: 'Keyakinan', reasons: 'Alasan', place: 'Tempat', territorialUnit: 'Satuan kewilayahan',
  functionalUnits: 'Satuan fungsi', acceptSuggestion: 'Terima saran (triase + teruskan)',
  actions: 'Tindakan', triage: 'Triase', forward: 'Teruskan', reply: 'Balas',
  requestLocation: 'Minta lokasi', requestCall: 'Minta izin panggilan', logCall: 'Catat panggilan',
  addNote: 'Tambah catatan', merge: 'Gabungkan', moveStatus: 'Ubah status', note: 'Catatan',
  send: 'Kirim', save: 'Simpan', cancel: 'Batal', back: 'Kembali', done: 'Berhasil',
  windowOpen: 'Jendela 24 jam terbuka: balasan dikirim sebagai teks bebas.',
  windowClosed: 'Di luar jendela 24 jam: balasan dikirim sebagai templat; tanpa templat, balasan ditolak.',
  unitPicker: 'Ketik nama atau kode satuan…', suggested: 'disarankan', kind: 'Jenis',
  outcome: 'Hasil', duration: 'Durasi', mergeInto: 'Gabungkan ke tiket (mis. WA-2026-000001)',
  download: 'Unduh', location: 'Lokasi', noMedia: 'Media belum diunduh', assigned: 'Ditangani',
  query: 'Kata kunci', cheatSheet: 'Bahasa pencarian', results: 'hasil', previous: 'Sebelumnya',
  next: 'Berikutnya', facets: 'Saring', from: 'Dari', to: 'Sampai', last7: '7 hari', last30: '30 hari',
  last90: '90 hari', byDay: 'Laporan per hari', byCategory: 'Per kategori', byUnit: 'Per satuan',
  byStatus: 'Per status', responseTimes: 'Waktu tanggap', firstAction: 'Tindakan pertama',
  forwardStage: 'Penerusan', resolution: 'Penyelesaian', median: 'Median', p90: 'p90',
  slaBreaches: 'Pelanggaran SLA per tahap', total: 'Total', count: 'Jumlah',
  satisfaction: 'Kepuasan warga', satisfactionAsked: 'Ditanyakan {d}, belum dijawab.', satisfactionAnswered: 'dijawab {d}',
  satisfactionComment: 'Saran warga', satisfactionByUnit: 'Kepuasan per satuan', satisfactionByCategory: 'Kepuasan per kategori',
  noSatisfactionYet: 'Belum ada jawaban kepuasan pada rentang ini.', answered: 'Dijawab',
  PUAS: 'Puas', CUKUP: 'Cukup', TIDAK_PUAS: 'Tidak puas',
  mapNote: 'Titik biru: lokasi kiriman warga atau tempat yang disarankan (merah: darurat; angka: beberapa laporan). Titik abu-abu: ibu kota kab/kota dari gazeter profil.',
  users: 'Pengguna', units: 'Satuan', role: 'Peran', active: 'Aktif', inactive: 'Nonaktif',
  createUser: 'Buat pengguna', displayName: 'Nama tampilan', resetPassword: 'Atur ulang sandi',
  deactivate: 'Nonaktifkan', activate: 'Aktifkan', changeRole: 'Ubah peran', addUnit: 'Tambah satuan',
  rename: 'Ganti nama', code: 'Kode', name: 'Nama', parent: 'Induk', newPassword: 'Sandi baru',
  notAllowed: 'Peran Anda tidak memakai layar ini.', media: 'Media', paused: 'dijeda',
  actorCitizen: 'warga', sla: 'SLA', none: '—', newReport: 'Laporan baru',
  mediaOnly: '(media tanpa teks)', noText: '(tanpa teks)',
  dueIn: '{d} lagi', lateBy: 'lewat {d}', suggestedCategory: 'Saran sistem; belum ditriase',
  emptyQueue: 'Tidak ada laporan terbuka. Laporan baru muncul di sini dengan sendirinya.',
  emptyQueueUnit: 'Tidak ada laporan terbuka untuk {u} atau satuan di bawahnya. Laporan yang diteruskan ke sana muncul di sini dengan sendirinya.',
  noMatch: 'Tidak ada laporan yang cocok dengan saringan.', clearFilters: 'Hapus saringan',
  confirmUser: 'Nonaktifkan akun {u}? Sesinya langsung berakhir.', confirmUnit: 'Nonaktifkan {u}? Satuan ini tidak bisa lagi dipilih untuk penerusan.',
  breached: 'terlewati', dueWord: 'batas', replyHint: 'Ctrl+Enter untuk mengirim', unknownCategory: 'belum dapat ditentukan; tentukan saat triase', searchButton: 'Cari', addFilter: '+ tambah', suggestedShort: 'saran',
  noCategoryYet: 'Belum ada laporan yang ditriase pada rentang ini.', noUnitYet: 'Belum ada laporan yang diteruskan pada rentang ini.',
  noBreaches: 'Tidak ada pelanggaran SLA pada rentang ini.', onMap: 'laporan di peta', cluster: 'Laporan di titik ini',
  confirmFinal: 'Ubah status laporan {t} menjadi "{s}"? Status ini mengakhiri penanganan.',
  mediaPending: 'sedang diunduh dari WhatsApp…', mediaFailed: 'gagal diunduh dari WhatsApp', mediaUnavailable: 'tidak diunduh (mode sandbox)',
  durationHint: 'detik, atau menit:detik (3:20)', outcomePlaceholder: 'mis. tersambung, tidak diangkat',
  saveRoleUnit: 'Simpan peran & satuan', noUnit: '— tanpa satuan —', server: 'Server', suggestedNotTriaged: 'saran',
  callOutcomes: 'tersambung|tidak diangkat|nomor sibuk|nomor tidak aktif|salah sambung',
  photo: 'foto', file: 'berkas', document: 'dokumen', audio: 'audio', video: 'video',
  attachFile: 'Lampirkan berkas', attachment: 'Lampiran', attachRemove: 'Hapus lampiran', uploading: 'Mengunggah…',
  attachLimits: 'Foto JPEG/PNG maks. {image} MB · dokumen PDF, TXT, Word, Excel, PowerPoint maks. {document} MB · audio AAC, AMR, MP3, M4A, OGG dan video MP4, 3GP maks. {audio} MB',
  attachTooLarge: 'Berkas {name} terlalu besar: {kind} paling besar {max} MB.',
  attachTypeRefused: 'Berkas {name} tidak dapat dikirim lewat WhatsApp.',
  attachAudioText: 'Audio dikirim tanpa keterangan; teks di atas menyusul sebagai pesan terpisah.',
  attachCaption: 'Teks di atas menjadi keterangan lampiran.',
  attachWindowClosed: 'Di luar jendela 24 jam lampiran tidak dapat dikirim.',
  reporterPanel: 'Pelapor', blockedNumber: 'Nomor diblokir', blockNumber: 'Blokir nomor', unblockNumber: 'Buka blokir',
  blockReason: 'Alasan blokir', blockUntil: 'Sampai (kosong: sampai dibuka)', blockedUntil: 'sampai {d}', blockedForever: 'sampai dibuka',
  blockedByWhom: 'oleh {u}, {d}', slowedDown: 'Mengirim terlalu banyak pesan: balasan otomatis dijeda',
  blockedReport: 'Laporan dari nomor yang diblokir: disimpan sebagai bukti, tidak masuk antrean, tanpa balasan otomatis.',
  blockedFilter: 'Nomor diblokir',
  incident: 'Kejadian (banyak pelapor)', primary: 'utama', unlink: 'Lepaskan', similarReports: 'Laporan serupa',
  linkChosen: 'Tautkan {n} laporan ke kejadian ini', withLinked: 'Bawa juga {n} laporan terkait (tiap pelapor diberi tahu)',
  same_category: 'kategori sama', same_kab_kota: 'kab/kota sama', within_1_km: 'dalam 1 km',
  holder: 'Dipegang', claim: 'Ambil laporan', release: 'Lepaskan', assignTo: 'Serahkan ke…', assign: 'Serahkan',
  claimedBy: 'dipegang {u}', idleUntil: 'lepas otomatis {t} bila tanpa tindakan', holderFilter: 'Pemegang',
  assignedToMe: 'Dipegang saya', unassigned: 'Belum dipegang', nobody: 'belum ada',
  templates: 'Template WA', templatesHeading: 'Template pesan WhatsApp', templatesRefresh: 'Muat ulang dari Meta',
  templatesRefreshedAt: 'Terakhir dimuat dari Meta: {d}', templatesNever: 'Belum pernah dimuat dari Meta.',
  templatesLastError: 'Gagal memuat ulang; daftar tersimpan tetap dipakai. {e}',
  templatesNotConfigured: 'ID WhatsApp Business Account belum diatur: daftar tidak dapat dimuat dari Meta.',
  templatePurposes: 'Kegunaan template', templatePurpose: 'Kegunaan', templateName: 'Template', templateLanguage: 'Bahasa',
  templateCategory: 'Kategori', templateStatus: 'Status', templateParams: 'Parameter', templateBody: 'Isi',
  templateSource: 'Sumber', templateSourceSTORED: 'diatur admin', templateSourceCONFIG: 'berkas konfigurasi',
  templateNone: 'tidak ada', templateChoose: 'Pilih template…', templateSet: 'Pasang', templateClear: 'Kembalikan ke konfigurasi',
  purpose_OUTSIDE_WINDOW: 'Di luar jendela 24 jam', purpose_FORWARDED: 'Pemberitahuan diteruskan',
  purpose_RESOLVED: 'Pemberitahuan selesai', purpose_SATISFACTION: 'Pertanyaan kepuasan',
  templatesParamsHelp: 'Parameter diisi dari laporan: {{1}} tiket, {{2}} satuan, {{3}} status, {{4}} nama pelapor. Hanya template APPROVED yang semua parameternya terisi dapat dipasang.',
  canned: 'Balasan baku', cannedHeading: 'Balasan siap pakai', cannedPick: 'Pilih balasan siap pakai…', cannedSearch: 'Cari judul, isi, atau tag…',
  cannedUsed: 'Dari balasan siap pakai: {n}', cannedNone: 'Tidak ada balasan siap pakai yang cocok.',
  cannedTitle: 'Judul', cannedText: 'Isi', cannedTags: 'Tag (pisahkan dengan koma)', cannedUsage: 'Dipakai',
  cannedNew: 'Balasan baru', cannedEdit: 'Ubah', cannedDelete: 'Hapus', confirmCannedDelete: 'Hapus balasan siap pakai "{n}"?',
  cannedVariables: 'Variabel: {ticket} nomor tiket, {nama} nama pelapor, {satuan} satuan yang menangani, {petugas} nama Anda. Variabel lain ditolak.',
  cannedPreview: 'Pratinjau terisi (masih dapat diubah sebelum dikirim)',
};

const en = {
  app: 'SIAGA Command Center',
  signIn: 'Sign in', signOut: 'Sign out', username: 'Username', password: 'Password',
  signingIn: 'Signing in…', wrongLogin: 'Wrong username or password, or the account is deactivated.', sessionEnded: 'Your session has ended. Please sign in again.',
  signedOut: 'You have signed out.',
  queue: 'Queue', search: 'Search', stats: 'Statistics', map: 'Map', admin: 'Administration',
  language: 'Bahasa Indonesia', live: 'Live', offline: 'Disconnected', reconnecting: 'Reconnecting…',
  all: 'All', status: 'Status', category: 'Category', unit: 'Unit', priority: 'Priority',
  channel: 'WhatsApp number',
  overdue: 'Overdue', open: 'Open', ticket: 'Ticket', reporter: 'Reporter', due: 'SLA due',
  summary: 'Summary', created: 'Created', updated: 'Updated', loading: 'Loading…',
  noReports: 'No reports.', urgentAlert: 'URGENT REPORT', dissatisfiedAlert: 'Citizen dissatisfied', dissatisfiedLatest: 'Latest "Tidak puas" answers', noDissatisfied: 'No "Tidak puas" answers in this period.', urgent: 'Urgent',
  mute: 'Mute', unmute: 'Unmute', keysHelp: 'j/k move · Enter open · Esc back · / search',
  conversation: 'Conversation', timeline: 'Timeline', suggestion: 'Suggestion',
  confidence: 'Confidence', reasons: 'Reasons', place: 'Place', territorialUnit: 'Territorial unit',
  functionalUnits: 'Functional units', acceptSuggestion: 'Accept (triage + forward)',
  actions: 'Actions', triage: 'Triage', forward: 'Forward', reply: 'Reply',
  requestLocation: 'Request location', requestCall: 'Request call permission', logCall: 'Log a call',
  addNote: 'Add note', merge: 'Merge', moveStatus: 'Change status', note: 'Note',
  send: 'Send', save: 'Save', cancel: 'Cancel', back: 'Back', done: 'Done',
  windowOpen: '24-hour window open: the reply goes out as free text.',
  windowClosed: 'Outside the 24-hour window: the reply goes out as the template; without one it is refused.',
  unitPicker: 'Type a unit name or code…', suggested: 'suggested', kind: 'Kind',
  outcome: 'Outcome', duration: 'Duration', mergeInto: 'Merge into ticket (e.g. WA-2026-000001)',
  download: 'Download', location: 'Location', noMedia: 'Media not downloaded yet', assigned: 'Assigned',
  query: 'Query', cheatSheet: 'Query language', results: 'results', previous: 'Previous',
  next: 'Next', facets: 'Refine', from: 'From', to: 'To', last7: '7 days', last30: '30 days',
  last90: '90 days', byDay: 'Reports per day', byCategory: 'By category', byUnit: 'By unit',
  byStatus: 'By status', responseTimes: 'Response times', firstAction: 'First action',
  forwardStage: 'Forwarding', resolution: 'Resolution', median: 'Median', p90: 'p90',
  slaBreaches: 'SLA breaches by stage', total: 'Total', count: 'Count',
  satisfaction: "Citizen's satisfaction", satisfactionAsked: 'Asked {d}, not answered yet.', satisfactionAnswered: 'answered {d}',
  satisfactionComment: "Citizen's comment", satisfactionByUnit: 'Satisfaction by unit', satisfactionByCategory: 'Satisfaction by category',
  noSatisfactionYet: 'No satisfaction answers in this period.', answered: 'Answered',
  PUAS: 'Satisfied (Puas)', CUKUP: 'Fair (Cukup)', TIDAK_PUAS: 'Dissatisfied (Tidak puas)',
  mapNote: "Blue points: locations citizens shared or suggested places (red: urgent; numbers: several reports). Grey points: the seats of the kab/kota from the profile's gazetteer.",
  users: 'Users', units: 'Units', role: 'Role', active: 'Active', inactive: 'Inactive',
  createUser: 'Create user', displayName: 'Display name', resetPassword: 'Reset password',
  deactivate: 'Deactivate', activate: 'Activate', changeRole: 'Change role', addUnit: 'Add unit',
  rename: 'Rename', code: 'Code', name: 'Name', parent: 'Parent', newPassword: 'New password',
  notAllowed: 'Your role does not use this screen.', media: 'Media', paused: 'paused',
  actorCitizen: 'citizen', sla: 'SLA', none: '—', newReport: 'New report',
  mediaOnly: '(media without text)', noText: '(no text)',
  dueIn: 'in {d}', lateBy: '{d} late', suggestedCategory: 'Suggested; not triaged yet',
  emptyQueue: 'No open reports. New reports appear here by themselves.',
  emptyQueueUnit: 'No open reports for {u} or the units below it. Reports forwarded there appear here by themselves.',
  noMatch: 'No report matches the filters.', clearFilters: 'Clear filters',
  confirmUser: 'Deactivate the account {u}? Its sessions end at once.', confirmUnit: 'Deactivate {u}? It can no longer be chosen for forwarding.',
  breached: 'missed', dueWord: 'due', replyHint: 'Ctrl+Enter sends', unknownCategory: 'not determined; choose one at triage', searchButton: 'Search', addFilter: '+ add', suggestedShort: 'suggested',
  noCategoryYet: 'No report was triaged in this range yet.', noUnitYet: 'No report was forwarded in this range yet.',
  noBreaches: 'No SLA breaches in this range.', onMap: 'reports on the map', cluster: 'Reports at this point',
  confirmFinal: 'Set report {t} to "{s}"? This status ends the handling.',
  mediaPending: 'being downloaded from WhatsApp…', mediaFailed: 'could not be downloaded from WhatsApp', mediaUnavailable: 'not downloaded (sandbox mode)',
  durationHint: 'seconds, or minutes:seconds (3:20)', outcomePlaceholder: 'e.g. connected, no answer',
  saveRoleUnit: 'Save role & unit', noUnit: '— no unit —', server: 'Server', suggestedNotTriaged: 'suggested',
  callOutcomes: 'connected|no answer|busy|number not active|wrong number',
  photo: 'photo', file: 'file', document: 'document', audio: 'audio', video: 'video',
  attachFile: 'Attach a file', attachment: 'Attachment', attachRemove: 'Remove the attachment', uploading: 'Uploading…',
  attachLimits: 'JPEG/PNG photos up to {image} MB · PDF, TXT, Word, Excel, PowerPoint documents up to {document} MB · AAC, AMR, MP3, M4A, OGG audio and MP4, 3GP video up to {audio} MB',
  attachTooLarge: 'The file {name} is too large: a {kind} may be at most {max} MB.',
  attachTypeRefused: 'The file {name} cannot be sent over WhatsApp.',
  attachAudioText: 'Audio goes without a caption; the text above follows as a separate message.',
  attachCaption: 'The text above becomes the attachment’s caption.',
  attachWindowClosed: 'Outside the 24-hour window attachments cannot be sent.',
  reporterPanel: 'Reporter', blockedNumber: 'Number blocked', blockNumber: 'Block number', unblockNumber: 'Unblock',
  blockReason: 'Reason for the block', blockUntil: 'Until (empty: until unblocked)', blockedUntil: 'until {d}', blockedForever: 'until unblocked',
  blockedByWhom: 'by {u}, {d}', slowedDown: 'Writing too many messages: automatic replies paused',
  blockedReport: 'Report from a blocked number: kept as evidence, out of the queue, no automatic replies.',
  blockedFilter: 'Blocked numbers',
  incident: 'Incident (many reporters)', primary: 'primary', unlink: 'Unlink', similarReports: 'Similar reports',
  linkChosen: 'Link {n} reports to this incident', withLinked: 'Carry the {n} linked reports along (each reporter is told)',
  same_category: 'same category', same_kab_kota: 'same kab/kota', within_1_km: 'within 1 km',
  holder: 'Held by', claim: 'Claim', release: 'Release', assignTo: 'Assign to…', assign: 'Assign',
  claimedBy: 'held by {u}', idleUntil: 'released {t} unless acted on', holderFilter: 'Holder',
  assignedToMe: 'Held by me', unassigned: 'Not held', nobody: 'nobody',
  templates: 'WA templates', templatesHeading: 'WhatsApp message templates', templatesRefresh: 'Reload from Meta',
  templatesRefreshedAt: 'Last read from Meta: {d}', templatesNever: 'Never read from Meta yet.',
  templatesLastError: 'The reload failed; the stored list is still used. {e}',
  templatesNotConfigured: 'No WhatsApp Business Account id is set: the list cannot be read from Meta.',
  templatePurposes: 'Template purposes', templatePurpose: 'Purpose', templateName: 'Template', templateLanguage: 'Language',
  templateCategory: 'Category', templateStatus: 'Status', templateParams: 'Parameters', templateBody: 'Body',
  templateSource: 'Source', templateSourceSTORED: 'set by an admin', templateSourceCONFIG: 'config file',
  templateNone: 'none', templateChoose: 'Choose a template…', templateSet: 'Set', templateClear: 'Back to the config file',
  purpose_OUTSIDE_WINDOW: 'Outside the 24-hour window', purpose_FORWARDED: 'Forwarded notice',
  purpose_RESOLVED: 'Resolved notice', purpose_SATISFACTION: 'Satisfaction question',
  templatesParamsHelp: 'Parameters are filled from the report: {{1}} ticket, {{2}} unit, {{3}} status, {{4}} reporter name. Only APPROVED templates whose every parameter is filled can be set.',
  canned: 'Canned', cannedHeading: 'Canned replies', cannedPick: 'Pick a canned reply…', cannedSearch: 'Search title, text or tag…',
  cannedUsed: 'From canned reply: {n}', cannedNone: 'No canned reply matches.',
  cannedTitle: 'Title', cannedText: 'Text', cannedTags: 'Tags (comma-separated)', cannedUsage: 'Used',
  cannedNew: 'New reply', cannedEdit: 'Edit', cannedDelete: 'Delete', confirmCannedDelete: 'Delete the canned reply "{n}"?',
  cannedVariables: 'Variables: {ticket} ticket number, {nama} reporter name, {satuan} handling unit, {petugas} your name. Others are refused.',
  cannedPreview: 'Filled preview (you can still edit it before sending)',
};

const statuses = {
  id: { NEW: 'Baru', TRIAGED: 'Ditriase', FORWARDED: 'Diteruskan', IN_PROGRESS: 'Ditangani',
    AWAITING_REPORTER: 'Menunggu pelapor', RESOLVED: 'Selesai', CLOSED: 'Ditutup',
    REJECTED: 'Ditolak', DUPLICATE: 'Duplikat', SPAM: 'Spam' },
  en: { NEW: 'New', TRIAGED: 'Triaged', FORWARDED: 'Forwarded', IN_PROGRESS: 'In progress',
    AWAITING_REPORTER: 'Awaiting reporter', RESOLVED: 'Resolved', CLOSED: 'Closed',
    REJECTED: 'Rejected', DUPLICATE: 'Duplicate', SPAM: 'Spam' },
};

const roles = {
  id: { ADMIN: 'Admin', SUPERVISOR: 'Supervisor', OPERATOR: 'Operator', OFFICER: 'Petugas satuan', ANALYST: 'Analis' },
  en: { ADMIN: 'Admin', SUPERVISOR: 'Supervisor', OPERATOR: 'Operator', OFFICER: 'Unit officer', ANALYST: 'Analyst' },
};

const unitKinds = {
  id: { TERRITORIAL: 'Kewilayahan', FUNCTIONAL: 'Fungsi' },
  en: { TERRITORIAL: 'Territorial', FUNCTIONAL: 'Functional' },
};

const callKinds = {
  id: { PHONE: 'Telepon', VIDEO: 'Panggilan video', WHATSAPP: 'Panggilan WhatsApp' },
  en: { PHONE: 'Phone call', VIDEO: 'Video call', WHATSAPP: 'WhatsApp call' },
};

const deliveries = {
  id: { QUEUED: 'diantrekan', SANDBOX: 'mode sandbox: tidak dikirim', ACCEPTED: 'diterima WhatsApp', SENT: 'terkirim',
    DELIVERED: 'sampai', READ: 'dibaca', PLAYED: 'diputar', FAILED: 'gagal' },
  en: { QUEUED: 'queued', SANDBOX: 'sandbox mode: not sent', ACCEPTED: 'accepted by WhatsApp', SENT: 'sent',
    DELIVERED: 'delivered', READ: 'read', PLAYED: 'played', FAILED: 'failed' },
};

export function deliveryLabel(status) { return deliveries[lang][status] ?? status; }
export function roleLabel(role) { return roles[lang][role] ?? role; }
export function unitKindLabel(kind) { return unitKinds[lang][kind] ?? kind; }
export function callKindLabel(kind) { return callKinds[lang][kind] ?? kind; }

const priorities = {
  id: { URGENT: 'Darurat', HIGH: 'Tinggi', NORMAL: 'Normal', LOW: 'Rendah' },
  en: { URGENT: 'Urgent', HIGH: 'High', NORMAL: 'Normal', LOW: 'Low' },
};

// Timeline entries, by kind; a kind not listed is shown as it is.
const timelineKinds = {
  id: { REPORT_OPENED: 'Laporan dibuka', MESSAGE_RECEIVED: 'Pesan masuk', MESSAGE_EDITED: 'Pesan diubah warga',
    MESSAGE_REVOKED: 'Pesan ditarik warga', REACTION_RECEIVED: 'Reaksi', REPLY_QUEUED: 'Balasan diantrekan',
    REPLY_SENT: 'Balasan terkirim', REPLY_FAILED: 'Balasan gagal', MEDIA_STORED: 'Media tersimpan',
    MEDIA_FAILED: 'Media gagal diunduh', CALL_RECEIVED: 'Panggilan masuk', CALL_ENDED: 'Panggilan selesai',
    REPORTER_CHANGED_NUMBER: 'Pelapor ganti nomor', CALL_PERMISSION_ANSWERED: 'Izin panggilan dijawab',
    STATUS_CHANGED: 'Status diubah', NOTE: 'Catatan', TRIAGED: 'Ditriase', FORWARDED: 'Diteruskan',
    NOTICE_NOT_SENT: 'Pemberitahuan tidak terkirim', CALL_LOGGED: 'Panggilan dicatat', MEDIA_VIEWED: 'Media dibuka',
    MERGED: 'Digabungkan', SLA_BREACHED: 'SLA terlewati', ESCALATED: 'Dieskalasi', REPORTER_SILENT: 'Pelapor tidak menjawab',
    REPORTER_BLOCKED: 'Nomor diblokir', REPORTER_UNBLOCKED: 'Blokir dibuka', LINKED: 'Ditautkan ke kejadian',
    UNLINKED: 'Dilepas dari kejadian',
    CLAIMED: 'Diambil', RELEASED: 'Dilepaskan', PERSON_ASSIGNED: 'Diserahkan ke petugas', CLAIM_EXPIRED: 'Lepas otomatis',
    STATUS_CHECKED: 'Warga mengecek status', SATISFACTION_ASKED: 'Survei kepuasan dikirim', SATISFACTION_ANSWERED: 'Warga menilai penanganan' },
  en: { REPORT_OPENED: 'Report opened', MESSAGE_RECEIVED: 'Message received', MESSAGE_EDITED: 'Message edited by citizen',
    MESSAGE_REVOKED: 'Message revoked by citizen', REACTION_RECEIVED: 'Reaction', REPLY_QUEUED: 'Reply queued',
    REPLY_SENT: 'Reply sent', REPLY_FAILED: 'Reply failed', MEDIA_STORED: 'Media stored',
    MEDIA_FAILED: 'Media download failed', CALL_RECEIVED: 'Call received', CALL_ENDED: 'Call ended',
    REPORTER_CHANGED_NUMBER: 'Reporter changed number', CALL_PERMISSION_ANSWERED: 'Call permission answered',
    STATUS_CHANGED: 'Status changed', NOTE: 'Note', TRIAGED: 'Triaged', FORWARDED: 'Forwarded',
    NOTICE_NOT_SENT: 'Notice not sent', CALL_LOGGED: 'Call logged', MEDIA_VIEWED: 'Media opened',
    MERGED: 'Merged', SLA_BREACHED: 'SLA breached', ESCALATED: 'Escalated', REPORTER_SILENT: 'Reporter silent',
    REPORTER_BLOCKED: 'Number blocked', REPORTER_UNBLOCKED: 'Number unblocked', LINKED: 'Linked to an incident',
    UNLINKED: 'Unlinked from an incident',
    CLAIMED: 'Claimed', RELEASED: 'Released', PERSON_ASSIGNED: 'Assigned to a person', CLAIM_EXPIRED: 'Claim ran out',
    STATUS_CHECKED: 'Citizen checked the status', SATISFACTION_ASKED: 'Satisfaction question sent', SATISFACTION_ANSWERED: 'Citizen rated the handling' },
};

const flags = {
  id: { possible_hoax: 'kemungkinan hoaks', reply_failed: 'balasan gagal', missed_call: 'panggilan tak terjawab',
    unknown_message_type: 'pesan tak dikenal', reporter_silent: 'pelapor diam' },
  en: { possible_hoax: 'possible hoax', reply_failed: 'reply failed', missed_call: 'missed call',
    unknown_message_type: 'unknown message', reporter_silent: 'reporter silent' },
};

export function flagLabel(flag) { return flags[lang][flag] ?? flag; }

export function timelineLabel(kind) { return timelineKinds[lang][kind] ?? kind; }

// What an error's extensions.code means to the person at the desk.
const errors = {
  id: {
    UNAUTHENTICATED: 'Sesi tidak berlaku. Silakan masuk lagi.',
    FORBIDDEN: 'Anda tidak berwenang melakukan ini.',
    NOT_FOUND: 'Data tidak ditemukan.',
    BAD_USER_INPUT: 'Isian tidak valid.',
    CONFLICT: 'Tindakan ini tidak dapat dilakukan pada keadaan laporan sekarang.',
    RATE_LIMITED: 'Terlalu banyak percobaan. Coba lagi dalam {s} detik.',
    GRAPHQL_PARSE_FAILED: 'Permintaan tidak dapat dibaca server.',
    GRAPHQL_VALIDATION_FAILED: 'Permintaan ditolak server.',
    INTERNAL: 'Terjadi kesalahan pada server. Coba lagi.',
    BAD_REQUEST: 'Permintaan tidak valid.', PAYLOAD_TOO_LARGE: 'Isian terlalu besar.',
    UNSUPPORTED_MEDIA_TYPE: 'Jenis berkas tidak diterima.',
    TIMEOUT: 'Server terlalu lama menjawab. Coba lagi.',
    NETWORK: 'Tidak dapat menghubungi server. Periksa jaringan.',
  },
  en: {
    UNAUTHENTICATED: 'Session not valid. Please sign in again.',
    FORBIDDEN: 'You are not allowed to do this.',
    NOT_FOUND: 'Not found.',
    BAD_USER_INPUT: 'Invalid input.',
    CONFLICT: 'This cannot be done in the report’s current state.',
    RATE_LIMITED: 'Too many attempts. Try again in {s} seconds.',
    GRAPHQL_PARSE_FAILED: 'The server could not read the request.',
    GRAPHQL_VALIDATION_FAILED: 'The server refused the request.',
    INTERNAL: 'Server error. Try again.',
    BAD_REQUEST: 'Invalid request.', PAYLOAD_TOO_LARGE: 'Input too large.',
    UNSUPPORTED_MEDIA_TYPE: 'This type of file is not accepted.',
    TIMEOUT: 'The server took too long. Try again.',
    NETWORK: 'Cannot reach the server. Check the network.',
  },
};

let lang = localStorage.getItem('siaga.lang') === 'en' ? 'en' : 'id';
const listeners = new Set();

export function language() { return lang; }
export function setLanguage(next) {
  lang = next === 'en' ? 'en' : 'id';
  localStorage.setItem('siaga.lang', lang);
  document.documentElement.lang = lang;
  listeners.forEach((listener) => listener(lang));
}
export function onLanguage(listener) { listeners.add(listener); return () => listeners.delete(listener); }

export function t(key) { return (lang === 'en' ? en : id)[key] ?? id[key] ?? key; }
export function statusLabel(status) { return statuses[lang][status] ?? status; }
export function priorityLabel(priority) { return priority ? priorities[lang][priority] ?? priority : t('none'); }

/// An API error in the reader's language; the server's own words (English, for whoever
/// needs the detail) follow on a second line.
export function errorText(error) {
  const table = errors[lang];
  const code = error?.code ?? 'INTERNAL';
  let text = table[code] ?? table.INTERNAL;
  text = text.replace('{s}', String(error?.retryAfterSeconds ?? '?'));
  return error?.message && code !== 'NETWORK' ? `${text}\n${t('server')}: ${error.message}` : text;
}

/// A phrase with `{name}` holes filled.
export function fill(text, values) {
  return Object.entries(values).reduce((out, [name, value]) => out.replace(`{${name}}`, value), text);
}
