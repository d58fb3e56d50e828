//! The words of a report as the router reads them, and phrase lists matched on them (keywords,
//! time cues, object nouns): exact on the analyzer's tokens, or on stems.

// Looked up for every word of every message: FxHash, not the slower default SipHash.
use rustc_hash::FxHashMap;

use crate::text::{Analyzer, stem};

/// Negation words as the analyzer leaves them (it maps most chat spellings to "tidak").
/// "hampir nabrak", "nyaris tenggelam": what almost happened did not happen.
const NEGATION_WORDS: &[&str] = &[
    "tidak", "tak", "bukan", "belum", "tanpa", "jangan", "tiada", "enggak", "nggak", "ngga", "gak",
    "ga", "gk", "tdk", "blm", "dak", "idak", "katek", "ndak", "hampir", "nyaris",
];
/// Roots too common to carry a category through their stem alone: "ditinggal" is not
/// "ketinggalan", "kebobolan" (an account) is not "dibobol" (a house).
const ROOTS_TOO_COMMON_TO_STEM: &[&str] = &[
    "tinggal", "jatuh", "hilang", "ambil", "bawa", "kirim", "lapor", "tanya", "jual", "minta",
    "bayar", "tarik", "buka", "tutup", "pakai", "ikut", "masuk", "keluar", "pergi", "datang",
    "pulang", "kena", "buat", "kasih", "dapat", "kata", "lihat", "dengar", "tahu", "cari", "orang",
    "rumah", "jalan", "anak", "main", "lama", "bobol", "ajar", "aman", "bantu", "tolong", "info",
    "rusak", "serang", "panjang", "padat", "lempar", "celaka", "baru", "cepat", "sebar",
];
/// Words that may stand inside a keyword phrase: "motor saya hilang" is "motor hilang".
const MAX_WORDS_INSIDE_PHRASE: usize = 2;
/// A phrase found with words inside counts a little less than the exact phrase.
pub(super) const LOOSE_PHRASE_FACTOR: f32 = 0.8;
/// "tidak tahu siapa yang mencuri": the negation belongs to the verb of knowing, not to the next
/// keyword.
const WORDS_THAT_ABSORB_NEGATION: &[&str] = &[
    "tahu",
    "tau",
    "ngerti",
    "mengerti",
    "paham",
    "jelas",
    "yakin",
    "kenal",
    "sengaja",
    "lama",
    "dikenal",
    "dikenali",
    "diketahui",
];
/// How many words before a keyword a negation still reaches ("tidak ada korban").
const NEGATION_REACH: usize = 2;
/// Characters that end a clause; phrases and negation do not cross them.
const CLAUSE_BREAKS: &[char] = &['.', ',', ';', ':', '!', '?', '\n', '(', ')'];

/// One analysed word of the report.
#[derive(Debug, Clone)]
pub(super) struct Word {
    /// Folded, slang-expanded, unstemmed.
    pub surface: String,
    pub stem: String,
    /// Clauses are numbered across all texts of the report; a new text starts a new clause.
    pub clause: u32,
    /// A negation word stands shortly before this word in the same clause.
    pub negated: bool,
    /// Part of a place name ("Sungai Lilin", "Pasar Cinde"): where, not what happened.
    pub in_place_name: bool,
}

impl Word {
    pub fn is_negation(&self) -> bool {
        NEGATION_WORDS.contains(&self.surface.as_str())
    }
}

/// Analyses every text of the report into one word sequence with clause numbers.
pub(super) fn read_words(analyzer: &Analyzer, texts: &[&str]) -> Vec<Word> {
    let mut words: Vec<Word> = Vec::new();
    let mut clause: u32 = 0;
    for text in texts {
        clause += 1;
        let mut previous_end: Option<usize> = None;
        for token in analyzer.tokens(text) {
            if let Some(end) = previous_end {
                let between = text.get(end..token.offset_from).unwrap_or("");
                if between.contains(CLAUSE_BREAKS) {
                    clause += 1;
                }
            }
            previous_end = Some(token.offset_to);
            let stem = stem(&token.term);
            words.push(Word {
                surface: token.term,
                stem,
                clause,
                negated: false,
                in_place_name: false,
            });
        }
    }
    mark_negated_words(&mut words);
    words
}

/// Marks the words that spell one of the place names found in the report.
pub(super) fn mark_place_names(analyzer: &Analyzer, words: &mut [Word], place_names: &[&str]) {
    for name in place_names {
        let name_words: Vec<String> = analyzer
            .tokens(name)
            .into_iter()
            .map(|token| token.term)
            .collect();
        if name_words.is_empty() || name_words.len() > words.len() {
            continue;
        }
        for start in 0..=words.len() - name_words.len() {
            let spells_it = name_words
                .iter()
                .enumerate()
                .all(|(offset, name_word)| words[start + offset].surface == *name_word);
            if spells_it {
                for word in &mut words[start..start + name_words.len()] {
                    word.in_place_name = true;
                }
            }
        }
    }
}

fn mark_negated_words(words: &mut [Word]) {
    for index in 0..words.len() {
        let reach_start = index.saturating_sub(NEGATION_REACH);
        let mut negated = false;
        for earlier in reach_start..index {
            if words[earlier].clause != words[index].clause || !words[earlier].is_negation() {
                continue;
            }
            let absorbed = words
                .get(earlier + 1)
                .is_some_and(|next| WORDS_THAT_ABSORB_NEGATION.contains(&next.surface.as_str()));
            if !absorbed {
                negated = true;
            }
        }
        words[index].negated = negated;
    }
}

/// One entry of a phrase list: the analysed words of a keyword or cue.
#[derive(Debug, Clone)]
pub(super) struct Phrase {
    pub surfaces: Vec<String>,
    pub stems: Vec<String>,
    /// The keyword as written in the profile or lexicon, for reasons.
    pub label: String,
    /// What the phrase stands for (a category index, a cue kind...), chosen by the caller.
    pub tag: usize,
    pub weight: f32,
    /// Whether a match on stems counts ("dicuri" for "pencurian"); cues of time do not stem.
    pub matches_stems: bool,
}

impl Phrase {
    /// A phrase that itself carries a negation ("tidak pulang") is not cancelled by it.
    pub fn starts_with_negation(&self) -> bool {
        self.surfaces
            .first()
            .is_some_and(|first| NEGATION_WORDS.contains(&first.as_str()))
    }
}

/// Where a phrase was found; `len` counts the words inside a loose match too.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    pub phrase: usize,
    pub start: usize,
    pub len: usize,
    pub by_stem: bool,
    pub negated: bool,
    /// Found with other words between its words.
    pub loose: bool,
}

/// A list of phrases indexed by their first word and first stem.
#[derive(Debug, Clone, Default)]
pub(super) struct PhraseList {
    phrases: Vec<Phrase>,
    by_first_surface: FxHashMap<String, Vec<usize>>,
    by_first_stem: FxHashMap<String, Vec<usize>>,
}

impl PhraseList {
    pub fn builder(analyzer: &Analyzer) -> PhraseListBuilder<'_> {
        PhraseListBuilder {
            analyzer,
            list: PhraseList::default(),
        }
    }

    pub fn phrase(&self, index: usize) -> &Phrase {
        &self.phrases[index]
    }

    /// Every place a phrase matches, overlapping matches included. With `loose`, a few words
    /// may stand between the words of a phrase (never a negation).
    pub fn find(&self, words: &[Word], loose: bool) -> Vec<Hit> {
        let mut hits = Vec::new();
        for start in 0..words.len() {
            let word = &words[start];
            if let Some(candidates) = self.by_first_surface.get(&word.surface) {
                for &phrase_index in candidates {
                    if let Some(hit) = self.match_at(phrase_index, words, start, false, loose) {
                        hits.push(hit);
                    }
                }
            }
            let Some(candidates) = self.by_first_stem.get(&word.stem) else {
                continue;
            };
            if ROOTS_TOO_COMMON_TO_STEM.contains(&word.stem.as_str()) {
                continue;
            }
            for &phrase_index in candidates {
                let phrase = &self.phrases[phrase_index];
                if !phrase.matches_stems || word.surface == phrase.surfaces[0] {
                    continue;
                }
                if let Some(hit) = self.match_at(phrase_index, words, start, true, loose) {
                    hits.push(hit);
                }
            }
        }
        hits
    }

    /// The phrase's words in order from `start`, exactly adjacent, or (loose) with up to
    /// `MAX_WORDS_INSIDE_PHRASE` other words between them, all in one clause.
    fn match_at(
        &self,
        phrase_index: usize,
        words: &[Word],
        start: usize,
        by_stem: bool,
        loose: bool,
    ) -> Option<Hit> {
        let phrase = &self.phrases[phrase_index];
        let expected = if by_stem {
            &phrase.stems
        } else {
            &phrase.surfaces
        };
        let clause = words[start].clause;
        let reads_as = |word: &Word, wanted: &String| {
            let seen = if by_stem { &word.stem } else { &word.surface };
            seen == wanted
        };
        let mut position = start;
        let mut words_inside = 0;
        for (offset, wanted) in expected.iter().enumerate() {
            if offset > 0 {
                position += 1;
            }
            loop {
                let word = words.get(position)?;
                if word.clause != clause {
                    return None;
                }
                if reads_as(word, wanted) {
                    break;
                }
                let may_skip = loose
                    && offset > 0
                    && words_inside < MAX_WORDS_INSIDE_PHRASE
                    && !word.is_negation();
                if !may_skip {
                    return None;
                }
                words_inside += 1;
                position += 1;
            }
        }
        Some(Hit {
            phrase: phrase_index,
            start,
            len: position + 1 - start,
            by_stem,
            negated: words[start].negated && !phrase.starts_with_negation(),
            loose: words_inside > 0,
        })
    }
}

/// Adds phrases through the analyzer so they read exactly like the messages.
pub(super) struct PhraseListBuilder<'analyzer> {
    analyzer: &'analyzer Analyzer,
    list: PhraseList,
}

impl PhraseListBuilder<'_> {
    pub fn add(&mut self, text: &str, tag: usize, weight: f32, matches_stems: bool) -> &mut Self {
        let surfaces: Vec<String> = self
            .analyzer
            .tokens(text)
            .into_iter()
            .map(|token| token.term)
            .collect();
        let Some(first_surface) = surfaces.first().cloned() else {
            return self;
        };
        let stems: Vec<String> = surfaces.iter().map(|surface| stem(surface)).collect();
        let first_stem = stems.first().cloned().unwrap_or_default();
        let index = self.list.phrases.len();
        self.list.phrases.push(Phrase {
            surfaces,
            stems,
            label: text.to_string(),
            tag,
            weight,
            matches_stems,
        });
        self.list
            .by_first_surface
            .entry(first_surface)
            .or_default()
            .push(index);
        if matches_stems {
            self.list
                .by_first_stem
                .entry(first_stem)
                .or_default()
                .push(index);
        }
        self
    }

    pub fn build(&mut self) -> PhraseList {
        std::mem::take(&mut self.list)
    }
}
