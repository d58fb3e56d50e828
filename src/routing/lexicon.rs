//! Indonesian and Palembang cue words the router adds to the profile's category keywords: the
//! terms that define a category (strong), everyday spellings the profile lists lack, and the
//! generic words that only hint. The words live in `lexicon.txt`; a category code missing from
//! the profile is simply skipped.

const LEXICON_TEXT: &str = include_str!("lexicon.txt");
const WEAK_SECTION: &str = "weak";
const STRONG_PREFIX: &str = "strong:";
const EXTRA_PREFIX: &str = "extra:";

/// Keywords for one category beyond the profile's own list.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct CategoryWords {
    pub code: String,
    /// Words that name the category outright ("dibegal", "tenggelam").
    pub strong: Vec<String>,
    /// Ordinary evidence, weighed like the profile's keywords.
    pub extra: Vec<String>,
}

/// The parsed lexicon.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Lexicon {
    /// Generic words that appear in many kinds of reports; wherever they are listed, they only
    /// hint.
    pub weak: Vec<String>,
    pub categories: Vec<CategoryWords>,
}

impl Lexicon {
    pub fn built_in() -> Lexicon {
        Lexicon::parse(&crate::text::embedded_or_eval_copy(
            "lexicon.txt",
            LEXICON_TEXT,
        ))
    }

    /// `[section]` headers, `strong:`/`extra:` lines of comma-separated phrases, `#` comments.
    pub fn parse(text: &str) -> Lexicon {
        let mut lexicon = Lexicon::default();
        let mut section: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
            {
                section = Some(name.trim().to_string());
                if name != WEAK_SECTION {
                    lexicon.categories.push(CategoryWords {
                        code: name.trim().to_string(),
                        ..CategoryWords::default()
                    });
                }
                continue;
            }
            let Some(section) = section.as_deref() else {
                continue;
            };
            if section == WEAK_SECTION {
                lexicon.weak.extend(phrases(line));
                continue;
            }
            let Some(category) = lexicon.categories.last_mut() else {
                continue;
            };
            if let Some(list) = line.strip_prefix(STRONG_PREFIX) {
                category.strong.extend(phrases(list));
            } else if let Some(list) = line.strip_prefix(EXTRA_PREFIX) {
                category.extra.extend(phrases(list));
            }
        }
        lexicon
    }
}

/// Comma-separated phrases of one line, trimmed and lowercased.
pub(super) fn phrases(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .map(|phrase| phrase.trim().to_lowercase())
        .filter(|phrase| !phrase.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_lexicon_names_only_profile_categories() {
        let profile = crate::profile::Profile::load("sumsel").unwrap();
        let lexicon = Lexicon::built_in();
        assert!(lexicon.weak.len() > 50);
        assert_eq!(lexicon.categories.len(), profile.categories.len());
        for words in &lexicon.categories {
            assert!(
                profile
                    .categories
                    .iter()
                    .any(|category| category.code == words.code),
                "{} is not a profile category",
                words.code
            );
        }
    }

    #[test]
    fn sections_and_prefixed_lines_are_read() {
        let lexicon = Lexicon::parse("# note\n[weak]\ninfo, lama\n[x]\nstrong: a b, c\nextra: d\n");
        assert_eq!(lexicon.weak, vec!["info", "lama"]);
        assert_eq!(lexicon.categories[0].strong, vec!["a b", "c"]);
        assert_eq!(lexicon.categories[0].extra, vec!["d"]);
    }
}
