//! What a citizen asks of the help line itself rather than tells about a case: the status of
//! their tickets (a ticket number alone, `STATUS` or `CEK`), the one-tap buttons of the
//! automatic reply ("Cek status", "Tambah foto/lokasi"), and the answer to the satisfaction
//! question. Parsed from the message alone; who may see which report is decided in intake.

use crate::domain::ids::{ReportId, Ticket};
use crate::domain::satisfaction::SatisfactionRating;

const PREFIX: &str = "siaga:";

/// A tap on one of the buttons siaga sends, by the id it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitizenButton {
    /// "Cek status" on the automatic reply.
    CheckStatus,
    /// "Tambah foto/lokasi" on the automatic reply to this report.
    AddMedia(ReportId),
    /// An answer to the satisfaction question about this report.
    Rate(SatisfactionRating, ReportId),
}

impl CitizenButton {
    pub fn id(&self) -> String {
        match self {
            CitizenButton::CheckStatus => format!("{PREFIX}status"),
            CitizenButton::AddMedia(report_id) => format!("{PREFIX}media:{report_id}"),
            CitizenButton::Rate(rating, report_id) => {
                format!("{PREFIX}rate:{}:{report_id}", rating.code())
            }
        }
    }

    /// The button an interactive reply id names; `None` for ids that are not these.
    pub fn parse(id: &str) -> Option<CitizenButton> {
        let rest = id.strip_prefix(PREFIX)?;
        if rest == "status" {
            return Some(CitizenButton::CheckStatus);
        }
        if let Some(report) = rest.strip_prefix("media:") {
            return report_id(report).map(CitizenButton::AddMedia);
        }
        let (rating, report) = rest.strip_prefix("rate:")?.split_once(':')?;
        let rating = SatisfactionRating::from_code(rating)?;
        report_id(report).map(|report_id| CitizenButton::Rate(rating, report_id))
    }
}

fn report_id(digits: &str) -> Option<ReportId> {
    let valid =
        !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit());
    valid
        .then(|| digits.parse::<u64>().ok())
        .flatten()
        .filter(|id| *id > 0)
        .map(ReportId::new)
}

/// A request for the status of the citizen's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusRequest {
    /// `STATUS` or `CEK` alone: the latest of their reports.
    Mine,
    /// A ticket number, alone or after `STATUS` / `CEK`.
    Ticket(Ticket),
}

/// Words that may follow `STATUS` / `CEK` before the ticket ("cek status", "status laporan").
const FILLER_WORDS: [&str; 4] = ["STATUS", "TIKET", "LAPORAN", "TICKET"];

/// Reads a status request from a whole message: a ticket number alone (any case, spaces,
/// dashes, slashes or dots between its parts, or none when it starts with `prefix`, the
/// current ticket prefix), or `STATUS` / `CEK` (any case), optionally with a filler word and
/// a ticket after it. Anything else (a sentence that happens to start with "cek") is not one.
pub fn parse_status_request(text: &str, prefix: &str) -> Option<StatusRequest> {
    let cleaned = text
        .trim()
        .trim_end_matches(['?', '!', '.', ','])
        .trim()
        .to_uppercase();
    if cleaned.is_empty() || cleaned.len() > 80 {
        return None;
    }
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let first = words.first()?.trim_start_matches('#');
    if first == "STATUS" || first == "CEK" {
        let mut rest = &words[1..];
        if let Some(word) = rest.first()
            && FILLER_WORDS.contains(word)
        {
            rest = &rest[1..];
        }
        if rest.is_empty() {
            return Some(StatusRequest::Mine);
        }
        return parse_ticket(&rest.join(" "), prefix).map(StatusRequest::Ticket);
    }
    parse_ticket(&cleaned, prefix).map(StatusRequest::Ticket)
}

/// A ticket typed by a citizen, in the stored form (`PREFIX-YEAR-NNNNNN`): `wa-2026-42`,
/// `WA 2026 000042`, `#WA/2026/000042` and (with the current prefix) `WA2026000042` all read
/// as `WA-2026-000042`.
pub fn parse_ticket(text: &str, prefix: &str) -> Option<Ticket> {
    let upper = text.trim().trim_start_matches('#').to_uppercase();
    let parts: Vec<&str> = upper
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '/' | '.' | '_'))
        .filter(|part| !part.is_empty())
        .collect();
    let (ticket_prefix, year, sequence) = if parts.len() >= 3 {
        let sequence = parts[parts.len() - 1];
        let year = parts[parts.len() - 2];
        (
            parts[..parts.len() - 2].join("-"),
            year.to_string(),
            sequence.to_string(),
        )
    } else {
        // Written together: only the current prefix can be told from the digits after it.
        let compact = parts.concat();
        let prefix = prefix.to_uppercase();
        let digits = compact.strip_prefix(prefix.as_str())?;
        if digits.len() < 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, sequence) = digits.split_at(4);
        (prefix, year.to_string(), sequence.to_string())
    };
    let prefix_ok = !ticket_prefix.is_empty()
        && ticket_prefix.len() <= 32
        && ticket_prefix.starts_with(|c: char| c.is_ascii_alphabetic())
        && ticket_prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let year_ok = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
    let sequence_ok = !sequence.is_empty()
        && sequence.len() <= 20
        && sequence.bytes().all(|b| b.is_ascii_digit());
    if !(prefix_ok && year_ok && sequence_ok) {
        return None;
    }
    Ticket::parse(&format!("{ticket_prefix}-{year}-{sequence:0>6}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(text: &str) -> StatusRequest {
        StatusRequest::Ticket(Ticket::parse(text).unwrap())
    }

    #[test]
    fn a_ticket_is_read_in_the_forms_citizens_type_it() {
        for typed in [
            "WA-2026-000042",
            "wa-2026-000042",
            " WA 2026 000042 ",
            "#WA/2026/000042",
            "wa.2026.42",
            "WA2026000042",
            "wa 2026000042",
            "WA-2026-000042?",
        ] {
            assert_eq!(
                parse_status_request(typed, "WA"),
                Some(ticket("WA-2026-000042")),
                "{typed}"
            );
        }
        assert_eq!(
            parse_status_request("POLDA-SUMSEL-2026-000001", "WA"),
            Some(ticket("POLDA-SUMSEL-2026-000001"))
        );
    }

    #[test]
    fn status_and_cek_ask_for_the_latest_or_name_a_ticket() {
        for typed in [
            "STATUS",
            "status",
            "Cek",
            "cek status",
            "CEK!",
            "status laporan",
        ] {
            assert_eq!(
                parse_status_request(typed, "WA"),
                Some(StatusRequest::Mine),
                "{typed}"
            );
        }
        for typed in [
            "cek WA-2026-000042",
            "STATUS wa 2026 000042",
            "cek tiket WA-2026-000042",
        ] {
            assert_eq!(
                parse_status_request(typed, "WA"),
                Some(ticket("WA-2026-000042")),
                "{typed}"
            );
        }
    }

    #[test]
    fn sentences_about_a_case_are_not_status_requests() {
        for text in [
            "cek tkp pak ada begal",
            "motor saya dicuri",
            "status saya sebagai korban bagaimana pak",
            "2026 000042",
            "WA 2026",
            "cek 12345",
            "",
            "WAX2026000042",
        ] {
            assert_eq!(parse_status_request(text, "WA"), None, "{text}");
        }
    }

    #[test]
    fn buttons_round_trip_through_their_ids_and_foreign_ids_are_not_ours() {
        for button in [
            CitizenButton::CheckStatus,
            CitizenButton::AddMedia(ReportId::new(17)),
            CitizenButton::Rate(SatisfactionRating::Dissatisfied, ReportId::new(9)),
        ] {
            assert_eq!(CitizenButton::parse(&button.id()), Some(button));
        }
        for foreign in [
            "siaga:urgent:now",
            "siaga:media:",
            "siaga:media:0",
            "siaga:media:-1",
            "siaga:rate:great:5",
            "siaga:rate:puas:",
            "status",
        ] {
            assert_eq!(CitizenButton::parse(foreign), None, "{foreign}");
        }
    }
}
