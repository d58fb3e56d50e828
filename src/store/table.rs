//! The tables of the store and their on-disk names.

/// The tables of the store. The string is the on-disk tree name and must never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// Store-wide settings and markers (schema version, generated secrets).
    Meta,
    /// Named counters (ticket sequences per year).
    Counters,
    Reporters,
    /// `bsuid:<id>` or `phone:<e164>` → reporter id.
    ReporterIdentities,
    Reports,
    /// ticket → report id.
    ReportTickets,
    /// (report id, message id) → ().
    ReportMessages,
    Messages,
    /// channel message id (wamid) → message id; dedupes inbound messages, joins statuses.
    MessageExternalIds,
    /// `wamid#status` and `wacid#event` keys already applied.
    SeenEvents,
    /// (report id, sequence) → timeline event.
    Timeline,
    /// raw webhook bodies, by id.
    RawPayloads,
    /// (due time ms, item id) → outbound work.
    Outbox,
    /// (due time ms, item id) → media download job.
    MediaQueue,
    /// wamid → statuses that arrived before we knew the wamid.
    PendingStatuses,
    /// id → channel-level errors reported by Meta.
    ChannelErrors,
    /// username → user.
    Users,
    /// unit code → unit (seeded from the profile, then changed by admins).
    Units,
    /// report id → change sequence: reports the search index has not caught up with.
    IndexQueue,
    /// report id → the sequence of its last change: the reports not in a final status, which
    /// the SLA watcher walks (entries written before the sequence was kept are empty).
    OpenReports,
    /// (time ms, id) → audit entry: sign-ins, administration, lookups, exports, media views.
    /// Append-only.
    Audit,
    /// id → a poison delivery: a webhook body whose apply failed alone, kept raw.
    Quarantine,
    /// attachment id → a file an operator uploaded to send (evidence: never removed).
    Attachments,
    /// id → canned reply (seeded from the profile, then managed by supervisors).
    CannedReplies,
    /// `catalogue` → the WhatsApp Business Account's message templates as last read from Meta;
    /// `purpose:<PURPOSE>` → the template an admin mapped to that purpose.
    WhatsAppTemplates,
}

impl Table {
    pub const ALL: [Table; 25] = [
        Table::Meta,
        Table::Counters,
        Table::Reporters,
        Table::ReporterIdentities,
        Table::Reports,
        Table::ReportTickets,
        Table::ReportMessages,
        Table::Messages,
        Table::MessageExternalIds,
        Table::SeenEvents,
        Table::Timeline,
        Table::RawPayloads,
        Table::Outbox,
        Table::MediaQueue,
        Table::PendingStatuses,
        Table::ChannelErrors,
        Table::Users,
        Table::Units,
        Table::IndexQueue,
        Table::OpenReports,
        Table::Audit,
        Table::Quarantine,
        Table::Attachments,
        Table::CannedReplies,
        Table::WhatsAppTemplates,
    ];

    pub fn tree_name(self) -> &'static str {
        match self {
            Table::Meta => "meta",
            Table::Counters => "counters",
            Table::Reporters => "reporters",
            Table::ReporterIdentities => "reporter_identities",
            Table::Reports => "reports",
            Table::ReportTickets => "report_tickets",
            Table::ReportMessages => "report_messages",
            Table::Messages => "messages",
            Table::MessageExternalIds => "message_external_ids",
            Table::SeenEvents => "seen_events",
            Table::Timeline => "timeline",
            Table::RawPayloads => "raw_payloads",
            Table::Outbox => "outbox",
            Table::MediaQueue => "media_queue",
            Table::PendingStatuses => "pending_statuses",
            Table::ChannelErrors => "channel_errors",
            Table::Users => "users",
            Table::Units => "units",
            Table::IndexQueue => "index_queue",
            Table::OpenReports => "open_reports",
            Table::Audit => "audit_log",
            Table::Quarantine => "quarantine",
            Table::Attachments => "attachments",
            Table::CannedReplies => "canned_replies",
            Table::WhatsAppTemplates => "whatsapp_templates",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}
