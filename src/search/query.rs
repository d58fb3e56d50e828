//! The search box language: words (all must match), "quoted phrases", `-exclusions`, `OR`
//! between two items, ticket numbers, phone numbers and Indonesian relative dates. Parsing is
//! lenient: an unbalanced quote runs to the end, a dangling `OR` is dropped.

use chrono::{DateTime, Utc};

use super::SearchError;
use super::dates::{TimeRange, date_at};

/// Longer input is no search but a pasted document.
const MAX_QUERY_CHARS: usize = 1000;
/// Every item costs term lookups and typo automata; real queries have a handful.
const MAX_QUERY_ITEMS: usize = 32;
const MIN_PHONE_DIGITS: usize = 9;
const MAX_PHONE_DIGITS: usize = 15;
/// Ticket sequences are written with at least this many digits (`WA-2026-000123`).
const TICKET_SEQUENCE_DIGITS: usize = 6;

/// One thing to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    Word(String),
    Phrase(String),
    /// The ways the ticket may be stored, lowercase (as typed, and with the sequence padded).
    Ticket(Vec<String>),
    /// E.164 digits, and the text as typed for when phone search is not allowed.
    Phone {
        digits: String,
        text: String,
    },
}

/// A parsed query: every group must match (a group of several items is an `OR`), no excluded
/// item may match, and the document must be created within `created`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParsedQuery {
    pub(crate) required: Vec<Vec<Item>>,
    pub(crate) excluded: Vec<Item>,
    pub(crate) created: TimeRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    Word { text: String, negated: bool },
    Phrase { text: String, negated: bool },
    Or,
}

impl Lexeme {
    fn is_positive_item(&self) -> bool {
        matches!(
            self,
            Lexeme::Word { negated: false, .. } | Lexeme::Phrase { negated: false, .. }
        )
    }
}

pub(crate) fn parse(query: &str, now: DateTime<Utc>) -> Result<ParsedQuery, SearchError> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(SearchError::BadQuery(format!(
            "the query is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let lexemes = lex(query);
    let (lexemes, created) = take_dates(lexemes, now);
    let item_count = lexemes
        .iter()
        .filter(|lexeme| **lexeme != Lexeme::Or)
        .count();
    if item_count > MAX_QUERY_ITEMS {
        return Err(SearchError::BadQuery(format!(
            "the query has more than {MAX_QUERY_ITEMS} words and phrases"
        )));
    }
    let mut parsed = ParsedQuery {
        created,
        ..ParsedQuery::default()
    };
    let mut joins_previous_group = false;
    for (index, lexeme) in lexemes.iter().enumerate() {
        let (item, negated) = match lexeme {
            Lexeme::Or => {
                // Only an OR between two positive items joins them; others are ignored.
                let previous_positive = index > 0 && lexemes[index - 1].is_positive_item();
                let next_positive = lexemes.get(index + 1).is_some_and(Lexeme::is_positive_item);
                joins_previous_group = previous_positive && next_positive;
                continue;
            }
            Lexeme::Word { text, negated } => (classify_word(text), *negated),
            Lexeme::Phrase { text, negated } => (classify_phrase(text), *negated),
        };
        if negated {
            parsed.excluded.push(item);
        } else if joins_previous_group && let Some(group) = parsed.required.last_mut() {
            group.push(item);
        } else {
            parsed.required.push(vec![item]);
        }
        joins_previous_group = false;
    }
    Ok(parsed)
}

fn lex(query: &str) -> Vec<Lexeme> {
    let mut lexemes = Vec::new();
    let mut rest = query;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return lexemes;
        }
        let (negated, body) = match rest.strip_prefix('-') {
            Some(body) => (true, body),
            None => (false, rest),
        };
        if let Some(after_quote) = body.strip_prefix('"') {
            // An unbalanced quote makes the rest of the query the phrase.
            let (phrase, remainder) = match after_quote.find('"') {
                Some(end) => (&after_quote[..end], &after_quote[end + 1..]),
                None => (after_quote, ""),
            };
            if phrase.chars().any(char::is_alphanumeric) {
                lexemes.push(Lexeme::Phrase {
                    text: phrase.trim().to_owned(),
                    negated,
                });
            }
            rest = remainder;
            continue;
        }
        let end = body
            .find(|character: char| character.is_whitespace() || character == '"')
            .unwrap_or(body.len());
        let word = &body[..end];
        rest = &body[end..];
        if word.is_empty() {
            continue;
        }
        if !negated && word == "OR" {
            lexemes.push(Lexeme::Or);
        } else {
            lexemes.push(Lexeme::Word {
                text: word.to_owned(),
                negated,
            });
        }
    }
}

/// Removes relative dates from runs of positive words and returns the range they name together.
fn take_dates(lexemes: Vec<Lexeme>, now: DateTime<Utc>) -> (Vec<Lexeme>, TimeRange) {
    let lowercase: Vec<Option<String>> = lexemes
        .iter()
        .map(|lexeme| match lexeme {
            Lexeme::Word {
                text,
                negated: false,
            } => Some(text.to_lowercase()),
            _ => None,
        })
        .collect();
    let mut created = TimeRange::default();
    let mut is_date = vec![false; lexemes.len()];
    let mut index = 0;
    while index < lexemes.len() {
        let window: Vec<&str> = lowercase[index..]
            .iter()
            .take(3)
            .map_while(|word| word.as_deref())
            .collect();
        match date_at(&window, now) {
            Some((span, range)) => {
                created = created.intersect(range);
                is_date[index..index + span].fill(true);
                index += span;
            }
            None => index += 1,
        }
    }
    let kept = lexemes
        .into_iter()
        .zip(is_date)
        .filter_map(|(lexeme, date)| (!date).then_some(lexeme))
        .collect();
    (kept, created)
}

/// What a query looks up besides words: phone numbers and tickets (access to both is
/// restricted or audited).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryLookups {
    pub phone: bool,
    pub ticket: bool,
}

impl ParsedQuery {
    pub(crate) fn lookups(&self) -> QueryLookups {
        let mut lookups = QueryLookups::default();
        for item in self.required.iter().flatten().chain(&self.excluded) {
            match item {
                Item::Phone { .. } => lookups.phone = true,
                Item::Ticket(_) => lookups.ticket = true,
                Item::Word(_) | Item::Phrase(_) => {}
            }
        }
        lookups
    }
}

fn classify_word(word: &str) -> Item {
    if let Some(variants) = ticket_variants(word) {
        return Item::Ticket(variants);
    }
    if let Some(digits) = phone_digits(word) {
        return Item::Phone {
            digits,
            text: word.to_owned(),
        };
    }
    Item::Word(word.to_owned())
}

fn classify_phrase(phrase: &str) -> Item {
    if let Some(variants) = ticket_variants(phrase) {
        return Item::Ticket(variants);
    }
    if let Some(digits) = phone_digits(phrase) {
        return Item::Phone {
            digits,
            text: phrase.to_owned(),
        };
    }
    Item::Phrase(phrase.to_owned())
}

/// `WA-2026-000123` (any case): `^[A-Za-z]{1,10}-\d{4}-\d{1,10}$`.
fn ticket_variants(text: &str) -> Option<Vec<String>> {
    let mut parts = text.split('-');
    let (prefix, year, sequence) = (parts.next()?, parts.next()?, parts.next()?);
    let is_ticket = parts.next().is_none()
        && (1..=10).contains(&prefix.len())
        && prefix.bytes().all(|byte| byte.is_ascii_alphabetic())
        && year.len() == 4
        && year.bytes().all(|byte| byte.is_ascii_digit())
        && (1..=10).contains(&sequence.len())
        && sequence.bytes().all(|byte| byte.is_ascii_digit());
    if !is_ticket {
        return None;
    }
    let prefix = prefix.to_ascii_lowercase();
    let significant = sequence.trim_start_matches('0');
    let padded = format!("{significant:0>width$}", width = TICKET_SEQUENCE_DIGITS);
    let mut variants = vec![format!("{prefix}-{year}-{sequence}")];
    let padded_variant = format!("{prefix}-{year}-{padded}");
    if !variants.contains(&padded_variant) {
        variants.push(padded_variant);
    }
    Some(variants)
}

/// The E.164 digits of a phone number written `0813…`, `+62813…`, `62813…` or `813…`, with
/// `-`, `.`, spaces or parentheses inside; `None` for anything else.
pub(crate) fn phone_digits(text: &str) -> Option<String> {
    let text = text.trim();
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    let mut digits = String::with_capacity(unsigned.len());
    for character in unsigned.chars() {
        match character {
            '0'..='9' => digits.push(character),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    if !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len()) {
        return None;
    }
    let international = if digits.starts_with("62") {
        digits
    } else if let Some(national) = digits.strip_prefix('0') {
        format!("62{national}")
    } else if digits.starts_with('8') {
        format!("62{digits}")
    } else {
        return None;
    };
    (international.len() <= MAX_PHONE_DIGITS).then_some(international)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-12T05:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn word(text: &str) -> Item {
        Item::Word(text.to_owned())
    }

    #[test]
    fn words_phrases_exclusions_and_or() {
        let parsed = parse(
            r#"begal OR jambret "motor hilang" -palsu -"kunci t" sukarami"#,
            now(),
        )
        .unwrap();
        assert_eq!(
            parsed.required,
            vec![
                vec![word("begal"), word("jambret")],
                vec![Item::Phrase("motor hilang".to_owned())],
                vec![word("sukarami")],
            ]
        );
        assert_eq!(
            parsed.excluded,
            vec![word("palsu"), Item::Phrase("kunci t".to_owned())]
        );
        assert!(parsed.created.is_unbounded());
    }

    #[test]
    fn or_chains_and_dangling_or() {
        let parsed = parse("OR a OR b OR c d OR", now()).unwrap();
        assert_eq!(
            parsed.required,
            vec![vec![word("a"), word("b"), word("c")], vec![word("d")]]
        );
        let parsed = parse("a OR -b", now()).unwrap();
        assert_eq!(parsed.required, vec![vec![word("a")]]);
        assert_eq!(parsed.excluded, vec![word("b")]);
        assert_eq!(parse("a or b", now()).unwrap().required.len(), 3);
    }

    #[test]
    fn an_unbalanced_quote_runs_to_the_end() {
        let parsed = parse(r#"copet "pasar 16 ilir"#, now()).unwrap();
        assert_eq!(
            parsed.required,
            vec![
                vec![word("copet")],
                vec![Item::Phrase("pasar 16 ilir".to_owned())]
            ]
        );
        assert!(parse(r#"  "   - "#, now()).unwrap().required.is_empty());
    }

    #[test]
    fn tickets_are_recognised_and_padded() {
        let parsed = parse("wa-2026-123 WA-2026-000123", now()).unwrap();
        assert_eq!(
            parsed.required[0],
            vec![Item::Ticket(vec![
                "wa-2026-123".to_owned(),
                "wa-2026-000123".to_owned()
            ])]
        );
        assert_eq!(
            parsed.required[1],
            vec![Item::Ticket(vec!["wa-2026-000123".to_owned()])]
        );
        assert_eq!(
            parse("WA-26-1", now()).unwrap().required[0],
            vec![word("WA-26-1")]
        );
    }

    #[test]
    fn phones_in_common_forms() {
        for form in [
            "081370002110",
            "+6281370002110",
            "6281370002110",
            "81370002110",
            "0813-7000-2110",
            "0813.7000.2110",
        ] {
            assert_eq!(
                phone_digits(form).as_deref(),
                Some("6281370002110"),
                "{form}"
            );
        }
        let parsed = parse(r#""0813 7000 2110""#, now()).unwrap();
        assert!(
            matches!(&parsed.required[0][0], Item::Phone { digits, .. } if digits == "6281370002110")
        );
        for not_phone in ["12345678901", "0813", "08137000211012345", "0813x7000"] {
            assert_eq!(phone_digits(not_phone), None, "{not_phone}");
        }
    }

    #[test]
    fn dates_are_taken_out_of_the_words() {
        let parsed = parse("curanmor di Sukarami bulan lalu", now()).unwrap();
        assert_eq!(
            parsed.required,
            vec![
                vec![word("curanmor")],
                vec![word("di")],
                vec![word("Sukarami")]
            ]
        );
        assert!(parsed.created.from.is_some() && parsed.created.to.is_some());
        let quoted = parse(r#""bulan lalu""#, now()).unwrap();
        assert!(quoted.created.is_unbounded(), "a quoted date is a phrase");
    }

    #[test]
    fn unusable_queries_are_refused() {
        assert!(matches!(
            parse(&"a ".repeat(600), now()),
            Err(SearchError::BadQuery(_))
        ));
        assert!(matches!(
            parse(&"kata ".repeat(40), now()),
            Err(SearchError::BadQuery(_))
        ));
    }
}
