// The report fields each screen asks for, in one place.

export const QUEUE_FIELDS = `id ticket status category priority summary excerpt createdAt updatedAt flags hasMedia
  assignedUnit { code name }
  assignee { username displayName }
  sla { stage dueAt overdue paused breached }
  suggestion { category urgent place { kabupaten kecamatan } }
  reporter { name }
  channel { phoneNumberId label }`;

export const REPORT_FIELDS = `id ticket status category priority summary excerpt createdAt updatedAt flags hasMedia blocked
  location { latitude longitude }
  reporter { id name phone windowOpen blocked slowedDown block { reason until blockedBy blockedAt } }
  assignedUnit { code name }
  assignee { username displayName since idleUntil assignedBy }
  sla { stage dueAt overdue paused breached breaches escalatedTo }
  allowedStatusMoves
  incident { primary { id ticket } reports { id ticket status reporter { name } } }
  suggestion { category confidence urgent reasons
    territorialUnit { code name } functionalUnits { code name }
    place { kabupaten kecamatan latitude longitude } }
  messages { id direction kind text createdAt deliveryStatus deliveryError author
    purpose mediaUrl signedMediaUrl mediaState mediaContentType fileName edits revokedAt cannedReply { id title } }
  satisfaction { askedAt rating comment answeredAt }
  channel { phoneNumberId displayNumber label }
  timeline { kind at actor note messageId }`;

/// Statuses a queue shows: everything not final.
export const OPEN_STATUSES = ['NEW', 'TRIAGED', 'FORWARDED', 'IN_PROGRESS', 'AWAITING_REPORTER', 'RESOLVED'];
export const ALL_STATUSES = [...OPEN_STATUSES, 'CLOSED', 'REJECTED', 'DUPLICATE', 'SPAM'];
export const PRIORITIES = ['URGENT', 'HIGH', 'NORMAL', 'LOW'];
