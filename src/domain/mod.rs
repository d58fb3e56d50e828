//! Pure types and rules of the help desk, with no I/O: phone identity, inbound events,
//! reporters, reports and their status machine, messages, timeline events, tickets.

pub mod abuse;
pub mod access;
pub mod assignment;
pub mod attachment;
pub mod audit;
pub mod canned;
pub mod channel;
pub mod citizen_requests;
pub mod ids;
pub mod inbound;
pub mod message;
pub mod phone;
pub mod questions;
pub mod redact;
pub mod report;
pub mod reporter;
pub mod satisfaction;
pub mod sla;
pub mod suggestion;
pub mod templates;
pub mod timeline;
pub mod unit;
pub mod user;
