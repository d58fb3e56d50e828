//! Snippets: the part of a hit's text around the best match, matched words (exact, another
//! inflection, or a typo away) wrapped in `<b>…</b>` and everything else HTML-escaped.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::text_query::allowed_edits;
use crate::text::{Analyzer, Token, stem, stem_candidates};

/// The longest snippet, in characters of the original text.
const SNIPPET_CHARS: usize = 180;
/// How much text to show before the first match of a window, in characters.
const LEADING_CONTEXT_CHARS: usize = 40;
const ELLIPSIS: &str = "…";

/// What a snippet marks: the analysed words and phrase words of the query.
#[derive(Debug, Clone, Default)]
pub(crate) struct HighlightTerms {
    /// Stems and unstemmed forms that match as they are.
    exact: HashSet<String>,
    /// Words that also match a near spelling, with the edits allowed.
    fuzzy: Vec<(String, u8)>,
    /// What `matches` found for each word of the texts it was asked about that is not in
    /// `exact`: a page's hits repeat many words, and deciding one stems it (root lexicon
    /// lookups, which miss the CPU caches when other work ran between two searches) and
    /// compares it with every fuzzy term. Lives as long as the terms, one search.
    decided: RefCell<HashMap<String, bool>>,
}

impl HighlightTerms {
    pub(crate) fn add_word(&mut self, surface: &str) {
        self.decided.get_mut().clear();
        let candidates = stem_candidates(surface);
        if let Some(stemmed) = candidates.first() {
            self.add_fuzzy(stemmed);
        }
        self.add_fuzzy(surface);
        self.exact.extend(candidates);
        self.exact.insert(surface.to_owned());
    }

    pub(crate) fn add_phrase_word(&mut self, surface: &str) {
        self.decided.get_mut().clear();
        self.exact.insert(stem(surface));
        self.exact.insert(surface.to_owned());
    }

    fn add_fuzzy(&mut self, term: &str) {
        let edits = allowed_edits(term);
        if edits > 0 && !self.fuzzy.iter().any(|(known, _)| known == term) {
            self.fuzzy.push((term.to_owned(), edits));
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    fn matches(&self, surface: &str) -> bool {
        if self.exact.contains(surface) {
            return true;
        }
        if let Some(matched) = self.decided.borrow().get(surface) {
            return *matched;
        }
        let matched = self.matches_inflected(surface);
        self.decided
            .borrow_mut()
            .insert(surface.to_owned(), matched);
        matched
    }

    /// `matches` for a word that is not one of the exact terms.
    fn matches_inflected(&self, surface: &str) -> bool {
        let stemmed = stem(surface);
        if self.exact.contains(&stemmed) {
            return true;
        }
        self.fuzzy.iter().any(|(term, edits)| {
            within_edits(term, surface, *edits) || within_edits(term, &stemmed, *edits)
        })
    }
}

/// A snippet of the text with the most matches in the first tier that has any (citizen texts,
/// then the summary, then notes); without any match, the start of the first non-empty text.
pub(crate) fn snippet(tiers: &[Vec<&str>], analyzer: &Analyzer, terms: &HighlightTerms) -> String {
    if !terms.is_empty() {
        for tier in tiers {
            let mut best: Option<(&str, Vec<(usize, usize)>)> = None;
            for text in tier {
                let matches = matched_spans(text, analyzer, terms);
                if matches.len() > best.as_ref().map_or(0, |(_, best)| best.len()) {
                    best = Some((text, matches));
                }
            }
            if let Some((text, matches)) = best {
                return highlighted_window(text, &matches);
            }
        }
    }
    let first = tiers
        .iter()
        .flatten()
        .map(|text| text.trim())
        .find(|text| !text.is_empty())
        .unwrap_or_default();
    plain_start(first)
}

/// Byte ranges of the matched words of `text`, in order, without duplicates.
fn matched_spans(text: &str, analyzer: &Analyzer, terms: &HighlightTerms) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for Token {
        term,
        offset_from,
        offset_to,
        ..
    } in analyzer.tokens(text)
    {
        if analyzer.is_stopword(&term) {
            continue;
        }
        // Slang expansions share one span; it is marked once.
        if spans.last() == Some(&(offset_from, offset_to)) {
            continue;
        }
        if terms.matches(&term) {
            spans.push((offset_from, offset_to));
        }
    }
    spans
}

/// The window of at most `SNIPPET_CHARS` characters holding the most matches.
fn highlighted_window(text: &str, matches: &[(usize, usize)]) -> String {
    let mut best: Option<(usize, usize, usize)> = None; // (matches inside, start, end)
    for (first_index, (first_start, _)) in matches.iter().enumerate() {
        let start = window_start(text, *first_start);
        let end = window_end(text, start);
        let inside = matches[first_index..]
            .iter()
            .take_while(|(_, match_end)| *match_end <= end)
            .count();
        if best.is_none_or(|(best_inside, _, _)| inside > best_inside) {
            best = Some((inside, start, end));
        }
    }
    let Some((_, start, end)) = best else {
        return plain_start(text);
    };
    let mut html = String::with_capacity(end - start + 32);
    if start > 0 {
        html.push_str(ELLIPSIS);
    }
    let mut cursor = start;
    for (match_start, match_end) in matches {
        if *match_start < start.max(cursor) || *match_end > end {
            continue;
        }
        push_escaped(&mut html, &text[cursor..*match_start]);
        html.push_str("<b>");
        push_escaped(&mut html, &text[*match_start..*match_end]);
        html.push_str("</b>");
        cursor = *match_end;
    }
    push_escaped(&mut html, &text[cursor..end]);
    if end < text.len() {
        html.push_str(ELLIPSIS);
    }
    html
}

/// Where a window showing the match at `match_start` begins: some words before it, at a word
/// boundary.
fn window_start(text: &str, match_start: usize) -> usize {
    let before = &text[..match_start];
    let Some((context_start, _)) = before.char_indices().rev().nth(LEADING_CONTEXT_CHARS) else {
        return 0;
    };
    // Begin after the first space of the context, so that no word is cut.
    let context = &before[context_start..];
    match context
        .char_indices()
        .find(|(_, character)| character.is_whitespace())
    {
        Some((space, character)) => context_start + space + character.len_utf8(),
        None => context_start,
    }
}

/// The end of a window starting at `start`: at most `SNIPPET_CHARS` characters, cut at a word
/// boundary when the text goes on.
fn window_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    let Some((limit, _)) = rest.char_indices().nth(SNIPPET_CHARS) else {
        return text.len();
    };
    match rest[..limit].rfind(char::is_whitespace) {
        Some(space) if space > 0 => start + space,
        _ => start + limit,
    }
}

/// The start of `text`, escaped, cut at a word boundary.
fn plain_start(text: &str) -> String {
    let end = window_end(text, 0);
    let mut html = String::with_capacity(end + 8);
    push_escaped(&mut html, text[..end].trim_end());
    if end < text.len() {
        html.push_str(ELLIPSIS);
    }
    html
}

fn push_escaped(html: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#x27;"),
            other => html.push(other),
        }
    }
}

/// Whether `left` and `right` are at most `edits` insertions, deletions, substitutions or
/// adjacent transpositions apart (optimal string alignment distance). Snippets ask it for every
/// word of every hit, so ASCII words (nearly all) are compared as bytes, on the stack.
pub(crate) fn within_edits(left: &str, right: &str, edits: u8) -> bool {
    if left.is_ascii() && right.is_ascii() {
        return within_edits_of(left.as_bytes(), right.as_bytes(), edits);
    }
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    within_edits_of(&left, &right, edits)
}

/// Words up to this long are compared with rows on the stack.
const STACK_ROW: usize = 64;

fn within_edits_of<T: PartialEq>(left: &[T], right: &[T], edits: u8) -> bool {
    let edits = usize::from(edits);
    if left.len().abs_diff(right.len()) > edits {
        return false;
    }
    let width = right.len() + 1;
    if width <= STACK_ROW {
        let mut rows = [[0usize; STACK_ROW]; 3];
        let [before_previous, previous, current] = &mut rows;
        return alignment_within(
            left,
            right,
            edits,
            [
                &mut before_previous[..width],
                &mut previous[..width],
                &mut current[..width],
            ],
        );
    }
    let mut rows = vec![0usize; 3 * width];
    let (before_previous, rest) = rows.split_at_mut(width);
    let (previous, current) = rest.split_at_mut(width);
    alignment_within(left, right, edits, [before_previous, previous, current])
}

/// The dynamic programme of `within_edits_of`, in three rows as wide as `right` plus one.
fn alignment_within<T: PartialEq>(
    left: &[T],
    right: &[T],
    edits: usize,
    rows: [&mut [usize]; 3],
) -> bool {
    let [mut before_previous, mut previous, mut current] = rows;
    let width = right.len() + 1;
    for (j, cell) in previous.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=left.len() {
        current[0] = i;
        let mut row_minimum = current[0];
        for j in 1..width {
            let substitution = usize::from(left[i - 1] != right[j - 1]);
            let mut distance = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + substitution);
            if i > 1 && j > 1 && left[i - 1] == right[j - 2] && left[i - 2] == right[j - 1] {
                distance = distance.min(before_previous[j - 2] + 1);
            }
            current[j] = distance;
            row_minimum = row_minimum.min(distance);
        }
        if row_minimum > edits {
            return false;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[width - 1] <= edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_transposition_as_one() {
        assert!(within_edits("pencurian", "pencurain", 1));
        assert!(within_edits("dicuri", "dcuri", 1));
        assert!(!within_edits("dicuri", "dcur", 1));
        assert!(within_edits("motor", "motor", 0));
        assert!(!within_edits("motor", "mobil", 2));
    }

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let analyzer = Analyzer::sumsel();
        let mut terms = HighlightTerms::default();
        terms.add_word("dicuri");
        let html = snippet(
            &[vec!["<script>x</script> motor saya dicuri & dcuri"]],
            &analyzer,
            &terms,
        );
        assert_eq!(
            html,
            "&lt;script&gt;x&lt;/script&gt; motor saya <b>dicuri</b> &amp; <b>dcuri</b>"
        );
    }

    #[test]
    fn decisions_are_kept_per_word_and_forgotten_when_words_are_added() {
        let analyzer = Analyzer::sumsel();
        let mut terms = HighlightTerms::default();
        terms.add_word("dicuri");
        let text = "motor dicuri, dcuri lagi, warga kehilangan motor";
        let first = snippet(&[vec![text]], &analyzer, &terms);
        assert_eq!(
            first,
            "motor <b>dicuri</b>, <b>dcuri</b> lagi, warga kehilangan motor"
        );
        assert_eq!(snippet(&[vec![text]], &analyzer, &terms), first);
        // "kehilangan" was decided not to match; it matches the stem of a word added later.
        terms.add_word("hilang");
        assert_eq!(
            snippet(&[vec![text]], &analyzer, &terms),
            "motor <b>dicuri</b>, <b>dcuri</b> lagi, warga <b>kehilangan</b> motor"
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_best_match() {
        let analyzer = Analyzer::sumsel();
        let mut terms = HighlightTerms::default();
        terms.add_word("copet");
        let text = format!(
            "{} ada copet di pasar {}",
            "kata ".repeat(60),
            "lain ".repeat(60)
        );
        let html = snippet(&[vec![text.as_str()]], &analyzer, &terms);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<b>copet</b>"), "{html}");
        assert!(html.chars().count() <= SNIPPET_CHARS + 20, "{html}");
    }

    #[test]
    fn windows_start_and_end_on_character_boundaries() {
        let analyzer = Analyzer::sumsel();
        let mut terms = HighlightTerms::default();
        terms.add_word("copet");
        // Non-breaking and ideographic spaces are several bytes long.
        let text = format!(
            "{}ada copet{}",
            "kata\u{a0}".repeat(60),
            "\u{3000}lain".repeat(60)
        );
        let html = snippet(&[vec![text.as_str()]], &analyzer, &terms);
        assert!(html.contains("<b>copet</b>"), "{html}");
    }

    #[test]
    fn without_matches_the_start_is_shown() {
        let analyzer = Analyzer::sumsel();
        let text = format!("awal {}", "kata ".repeat(60));
        let html = snippet(&[vec!["", &text]], &analyzer, &HighlightTerms::default());
        assert!(
            html.starts_with("awal kata") && html.ends_with('…'),
            "{html}"
        );
        assert!(!html.contains("<b>"));
    }
}
