//! Canned replies: the sentences operators send again and again, with variables filled in from
//! the report, its reporter, the unit and the operator when used. Supervisors (and admins)
//! manage them; everyone signed in reads them.
//!
//! A variable is a name in braces. Only `{ticket}`, `{nama}`, `{satuan}` and `{petugas}` exist;
//! a text naming any other is refused when it is saved, so that a citizen never receives a
//! stray `{alamat}`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The variables a canned reply may use, and what fills them.
pub const VARIABLES: [(&str, &str); 4] = [
    ("ticket", "the report's ticket number"),
    ("nama", "the reporter's WhatsApp name"),
    ("satuan", "the unit handling the report"),
    ("petugas", "the operator's name"),
];

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CannedReply {
    pub id: u64,
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Replies sent with it.
    #[serde(default)]
    pub usage_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who changed it last; `None` for the profile's starter set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

/// Which canned reply a message was written from, kept on the message (the title as it was,
/// should the canned reply change or go later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReplyRef {
    pub id: u64,
    pub title: String,
}

/// The values of the variables for one use.
#[derive(Debug, Clone)]
pub struct Filling<'a> {
    pub ticket: &'a str,
    pub nama: &'a str,
    pub satuan: &'a str,
    pub petugas: &'a str,
}

impl Filling<'_> {
    fn value(&self, variable: &str) -> Option<&str> {
        match variable {
            "ticket" => Some(self.ticket),
            "nama" => Some(self.nama),
            "satuan" => Some(self.satuan),
            "petugas" => Some(self.petugas),
            _ => None,
        }
    }
}

/// The `{name}`s of `text`, in order: braces around letters, digits and `_`. Other braces
/// ("{ }", "{{") are plain text.
fn variables_in(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices('{').filter_map(move |(start, _)| {
        let rest = &text[start + 1..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        is_name.then_some((start, name))
    })
}

/// Refuses a text that names a variable that does not exist.
pub fn check_variables(text: &str) -> Result<(), String> {
    let known = || VARIABLES.iter().map(|(name, _)| format!("{{{name}}}"));
    for (_, name) in variables_in(text) {
        if !VARIABLES.iter().any(|(known, _)| *known == name) {
            let names: Vec<String> = known().collect();
            return Err(format!(
                "unknown variable {{{name}}}: a canned reply may use {}",
                names.join(", ")
            ));
        }
    }
    Ok(())
}

/// `text` with every known variable replaced by its value; anything else stays as written.
pub fn fill(text: &str, filling: &Filling<'_>) -> String {
    let mut filled = String::with_capacity(text.len() + 32);
    let mut copied_to = 0;
    for (start, name) in variables_in(text) {
        let Some(value) = filling.value(name) else {
            continue;
        };
        if start < copied_to {
            continue;
        }
        filled.push_str(&text[copied_to..start]);
        filled.push_str(value);
        copied_to = start + name.len() + 2;
    }
    filled.push_str(&text[copied_to..]);
    filled
}

/// Tags as stored: trimmed, lowercase, without empties and repeats, in the order given.
pub fn normalise_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let mut normalised: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || normalised.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(format!(
                "the tag {tag:?} is longer than {MAX_TAG_CHARS} characters"
            ));
        }
        normalised.push(tag);
    }
    if normalised.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags are allowed"));
    }
    Ok(normalised)
}

impl CannedReply {
    /// Whether every word of `search` occurs in the title, the text or a tag (case aside); an
    /// empty search matches every reply.
    pub fn matches(&self, search: &str) -> bool {
        let haystack =
            format!("{} {} {}", self.title, self.text, self.tags.join(" ")).to_lowercase();
        search
            .to_lowercase()
            .split_whitespace()
            .all(|word| haystack.contains(word))
    }

    pub fn reference(&self) -> CannedReplyRef {
        CannedReplyRef {
            id: self.id,
            title: self.title.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILLING: Filling<'static> = Filling {
        ticket: "WA-2026-000042",
        nama: "Siti",
        satuan: "Polsek Ilir Barat I",
        petugas: "Brigadir Andi",
    };

    #[test]
    fn every_known_variable_is_filled_and_other_braces_stay() {
        let text = "Yth. {nama}, laporan {ticket} ditangani {satuan}. Salam, {petugas} { } {{x";
        assert_eq!(
            fill(text, &FILLING),
            "Yth. Siti, laporan WA-2026-000042 ditangani Polsek Ilir Barat I. Salam, Brigadir Andi { } {{x"
        );
        assert_eq!(
            fill("{ticket}{ticket}", &FILLING),
            "WA-2026-000042WA-2026-000042"
        );
    }

    #[test]
    fn an_unknown_variable_is_named_in_the_refusal() {
        assert!(check_variables("Halo {nama}, tiket {ticket} { }").is_ok());
        let refusal = check_variables("Halo {nama}, alamat {alamat}?").unwrap_err();
        assert!(
            refusal.starts_with("unknown variable {alamat}"),
            "{refusal}"
        );
        assert!(refusal.contains("{petugas}"), "{refusal}");
    }

    #[test]
    fn tags_are_trimmed_lowercased_and_deduplicated() {
        let tags = vec![
            " Foto ".to_string(),
            "foto".into(),
            "".into(),
            "Saksi".into(),
        ];
        assert_eq!(normalise_tags(&tags).unwrap(), vec!["foto", "saksi"]);
        let many: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
        assert!(normalise_tags(&many).is_err());
    }
}
