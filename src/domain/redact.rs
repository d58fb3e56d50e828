//! Redaction of what analysts must never read: phone numbers and WhatsApp user ids inside free
//! text (what citizens typed, WhatsApp's system messages, timeline notes, search snippets).
//!
//! A run of digits counts as a phone number when it has 9 to 15 digits and starts the way
//! numbers are written here: `+`, `0` (08…, 0711-…) or `62`, or when it is a mobile number
//! without its leading 0 (`8…`, 10 digits or more). Single separators (space, `-`,
//! `.`, parentheses) may stand between digit groups, and so may the `<b>`/`</b>` tags that
//! search snippets put around matched words. Every digit of such a run becomes `•`; tickets
//! (`WA-2026-000123`), dates, money and other numbers stay as they are. A business-scoped user
//! id (`US.1349…`: two capitals, a dot, and an id with digits) is masked the same way.

use std::borrow::Cow;

/// What replaces each digit of a phone number.
pub const MASK: char = '•';

const MIN_PHONE_DIGITS: usize = 9;
const MAX_PHONE_DIGITS: usize = 15;
/// `8…` mobile numbers without the leading 0 have 10 to 12 digits; fewer is likely an amount.
const MIN_MOBILE_WITHOUT_ZERO: usize = 10;
/// Separators allowed between the digit groups of one number.
const SEPARATORS: [char; 5] = [' ', '-', '.', '(', ')'];
/// Markup of search snippets that may split a number.
const SNIPPET_TAGS: [&str; 2] = ["<b>", "</b>"];
/// The shortest id part of a business-scoped user id that is masked.
const MIN_BSUID_ID_CHARS: usize = 6;

/// `text` with every phone number and business-scoped user id masked; borrowed when there was
/// nothing to mask.
pub fn mask_phone_numbers(text: &str) -> Cow<'_, str> {
    let spans = sensitive_spans(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut masked = String::with_capacity(text.len() + spans.len() * 8);
    let mut span_index = 0;
    for (offset, character) in text.char_indices() {
        while span_index < spans.len() && spans[span_index].1 <= offset {
            span_index += 1;
        }
        let inside = spans
            .get(span_index)
            .is_some_and(|&(start, end)| start <= offset && offset < end);
        if inside && character.is_ascii_alphanumeric() && !in_tag(text, offset) {
            masked.push(MASK);
        } else {
            masked.push(character);
        }
    }
    Cow::Owned(masked)
}

/// `text` masked for a reader who may not see phone numbers, as it is for anyone else.
pub fn mask_phone_numbers_if(text: &str, reader_is_masked: bool) -> Cow<'_, str> {
    if reader_is_masked {
        mask_phone_numbers(text)
    } else {
        Cow::Borrowed(text)
    }
}

/// Byte ranges [start, end) of the phone numbers and user ids in `text`, in order.
fn sensitive_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut position = 0;
    while position < bytes.len() {
        let byte = bytes[position];
        let starts_word = position == 0 || !bytes[position - 1].is_ascii_alphanumeric();
        if starts_word
            && (byte == b'+' || byte.is_ascii_digit())
            && let Some(end) = phone_run_end(text, position)
        {
            spans.push((position, end));
            position = end;
            continue;
        }
        if starts_word
            && byte.is_ascii_uppercase()
            && let Some(end) = bsuid_end(bytes, position)
        {
            spans.push((position, end));
            position = end;
            continue;
        }
        position += 1;
    }
    spans
}

/// Where the phone number starting at `start` ends, if one does.
fn phone_run_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let plus = bytes[start] == b'+';
    let mut position = start + usize::from(plus);
    let mut digits = String::new();
    let mut end = position;
    loop {
        if position < bytes.len() && bytes[position].is_ascii_digit() {
            digits.push(bytes[position] as char);
            position += 1;
            end = position;
            continue;
        }
        // Between two digits: one separator, and any snippet tags.
        let mut next = position;
        while let Some(tag) = SNIPPET_TAGS
            .iter()
            .find(|tag| text[next..].starts_with(**tag))
        {
            next += tag.len();
        }
        next += separator_length(&bytes[next..]);
        while let Some(tag) = SNIPPET_TAGS
            .iter()
            .find(|tag| text[next..].starts_with(**tag))
        {
            next += tag.len();
        }
        if next > position && next < bytes.len() && bytes[next].is_ascii_digit() {
            position = next;
            continue;
        }
        break;
    }
    let followed_by_word = end < bytes.len() && bytes[end].is_ascii_alphanumeric();
    // A mobile number is also written without its leading 0 (`812 7777 8888`).
    let mobile_without_zero = digits.starts_with('8')
        && (MIN_MOBILE_WITHOUT_ZERO..=MAX_PHONE_DIGITS).contains(&digits.len());
    let looks_like_a_phone =
        plus || digits.starts_with('0') || digits.starts_with("62") || mobile_without_zero;
    ((MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len())
        && looks_like_a_phone
        && !followed_by_word)
        .then_some(end)
}

/// The separator at the start of `rest`: one character, or two when one is a parenthesis
/// (`(0711) 354`).
fn separator_length(rest: &[u8]) -> usize {
    let is_separator = |index: usize| {
        rest.get(index)
            .is_some_and(|byte| SEPARATORS.contains(&(*byte as char)))
    };
    let is_parenthesis = |index: usize| matches!(rest.get(index), Some(b'(' | b')'));
    match (is_separator(0), is_separator(1)) {
        (true, true) if is_parenthesis(0) || is_parenthesis(1) => 2,
        (true, _) => 1,
        _ => 0,
    }
}

/// Where the business-scoped user id starting at `start` ends, if one does: `XX.` and an id of
/// letters and digits with at least one digit.
fn bsuid_end(bytes: &[u8], start: usize) -> Option<usize> {
    if bytes.len() < start + 3 || !bytes[start + 1].is_ascii_uppercase() || bytes[start + 2] != b'.'
    {
        return None;
    }
    let id_start = start + 3;
    let id_end = bytes[id_start..]
        .iter()
        .position(|byte| !byte.is_ascii_alphanumeric())
        .map_or(bytes.len(), |length| id_start + length);
    let id = &bytes[id_start..id_end];
    (id.len() >= MIN_BSUID_ID_CHARS && id.iter().any(u8::is_ascii_digit)).then_some(id_end)
}

/// Whether `offset` lies inside a snippet tag (whose letters are markup, not text).
fn in_tag(text: &str, offset: usize) -> bool {
    let before = &text[..offset];
    match (before.rfind('<'), before.rfind('>')) {
        (Some(open), Some(close)) => open > close && is_snippet_tag_at(text, open),
        (Some(open), None) => is_snippet_tag_at(text, open),
        _ => false,
    }
}

fn is_snippet_tag_at(text: &str, offset: usize) -> bool {
    SNIPPET_TAGS
        .iter()
        .any(|tag| text[offset..].starts_with(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask_phone_numbers(text).into_owned()
    }

    #[test]
    fn numbers_as_indonesians_write_them_are_masked_digit_by_digit() {
        assert_eq!(masked("hubungi 081377101001 ya"), "hubungi •••••••••••• ya");
        assert_eq!(masked("wa: +62 813-7710-1001."), "wa: +•• •••-••••-••••.");
        assert_eq!(masked("kantor (0711) 354 100"), "kantor (••••) ••• •••");
        assert_eq!(masked("6281255556666"), "•••••••••••••");
        assert_eq!(masked("wa 812 7777 8888"), "wa ••• •••• ••••");
        assert_eq!(
            masked("User Dewi Lestari changed from 6281255556666 to 6281277778888"),
            "User Dewi Lestari changed from ••••••••••••• to •••••••••••••"
        );
        assert_eq!(
            masked("user_changed_number: now +6281277778888"),
            "user_changed_number: now +•••••••••••••"
        );
    }

    #[test]
    fn tickets_dates_money_and_short_numbers_stay() {
        for text in [
            "laporan WA-2026-000123 sudah diteruskan",
            "tanggal 01.02.2026 jam 14.30",
            "uang Rp 1.500.000 hilang",
            "kerugian 850.000.000 rupiah",
            "nomor polisi BG 1234 AB",
            "0812345",
            "NIK 1671012345678901",
            "kode 12345678901",
        ] {
            assert_eq!(masked(text), text, "{text}");
        }
    }

    #[test]
    fn numbers_split_by_snippet_tags_are_masked_and_the_tags_kept() {
        assert_eq!(
            masked("telp <b>0813</b> 7710 1001 malam"),
            "telp <b>••••</b> •••• •••• malam"
        );
        assert_eq!(masked("<b>081377101001</b>"), "<b>••••••••••••</b>");
    }

    #[test]
    fn business_scoped_user_ids_are_masked() {
        assert_eq!(
            masked("User changed from US.13491208655302741918 to US.99"),
            "User changed from ••.•••••••••••••••••••• to US.99"
        );
        assert_eq!(masked("JL.SUDIRMAN no 5"), "JL.SUDIRMAN no 5");
    }

    #[test]
    fn any_text_comes_back_the_same_length_in_characters() {
        for text in [
            "",
            "+",
            "0",
            "08-",
            "+62 ",
            "ÄÖ 0813 7710 1001 ü",
            "<b",
            "<b>0",
        ] {
            assert_eq!(
                masked(text).chars().count(),
                text.chars().count(),
                "{text:?}"
            );
        }
    }
}
