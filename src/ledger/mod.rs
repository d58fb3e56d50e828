//! The data layer, growing: how each record of the domain is stored. The domain's types are
//! plain data and know nothing of the store; their storage names live here.

use crate::store::Record;

impl Record for crate::domain::unit::UnitRecord {
    const NAME: &'static str = "unit";
}

impl Record for crate::domain::message::Message {
    const NAME: &'static str = "message";
}

impl Record for crate::domain::reporter::Reporter {
    const NAME: &'static str = "reporter";
}

impl Record for crate::domain::timeline::TimelineEvent {
    const NAME: &'static str = "timeline_event";
}

impl Record for crate::domain::audit::AuditEntry {
    const NAME: &'static str = "audit entry";
}

impl Record for crate::domain::user::User {
    const NAME: &'static str = "user";
}

impl Record for crate::domain::report::Report {
    const NAME: &'static str = "report";
}
