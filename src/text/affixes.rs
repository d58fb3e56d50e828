//! Indonesian affixes as the stemmer reads them: the suffix layers (-lah, -nya, -kan), the prefix
//! readings with the consonant a nasal absorbed (menipu: men- + t), chat spellings that drop the
//! me- (nabrak), and the prefix-suffix pairs that never form a confix.

use super::stemmer::MIN_ROOT_BYTES;

/// The roots a chat spelling without the me- (nabrak, nyolong, mukul) could stand for.
pub(crate) fn colloquial_nasal_roots(word: &str) -> Vec<String> {
    let mut readings = PrefixReadings::default();
    colloquial_prefix_readings(word.as_bytes(), &mut readings);
    readings
        .iter()
        .filter(|reading| word.len() > reading.consumed)
        .map(|reading| format!("{}{}", reading.restored, &word[reading.consumed..]))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PrefixClass {
    Di,
    Ke,
    Se,
    Be,
    Te,
    Me,
    Pe,
    Colloquial,
}

impl PrefixClass {
    pub(super) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Derivational {
    None,
    I,
    Kan,
    An,
    /// Colloquial -in (dipukulin, dibiarin), Jakarta speech for -i/-kan.
    In,
}

/// Prefix-suffix pairs that never form an Indonesian confix (Nazief and Adriani); they stop readings
/// like melawan = me- + law + -an.
pub(super) fn is_forbidden_confix(
    outermost_prefix: PrefixClass,
    derivational: Derivational,
) -> bool {
    use Derivational as D;
    use PrefixClass as P;
    matches!(
        (outermost_prefix, derivational),
        (P::Be, D::I)
            | (P::Di, D::An)
            | (P::Ke, D::I)
            | (P::Ke, D::Kan)
            | (P::Me, D::An)
            | (P::Se, D::I)
            | (P::Se, D::Kan)
            | (P::Te, D::An)
    )
}

#[derive(Debug, Clone, Copy)]
pub(super) struct SuffixSplit {
    pub(super) body_end: usize,
    pub(super) removed_affixes: u8,
    pub(super) derivational: Derivational,
}

pub(super) struct SuffixSplits {
    splits: [SuffixSplit; 24],
    count: usize,
}

impl SuffixSplits {
    fn push(&mut self, split: SuffixSplit) {
        if self.count < self.splits.len() {
            self.splits[self.count] = split;
            self.count += 1;
        }
    }

    pub(super) fn as_slice(&self) -> &[SuffixSplit] {
        &self.splits[..self.count]
    }
}

/// Every way to read the end of the word as particle (-lah), possessive (-nya), derivational
/// suffix (-kan), each optional, in that order from the end.
pub(super) fn suffix_splits(word: &[u8]) -> SuffixSplits {
    let whole = SuffixSplit {
        body_end: word.len(),
        removed_affixes: 0,
        derivational: Derivational::None,
    };
    let mut splits = SuffixSplits {
        splits: [whole; 24],
        count: 0,
    };
    splits.push(whole);
    for particle in ["lah", "kah", "tah", "pun"] {
        if word.ends_with(particle.as_bytes()) && word.len() >= particle.len() + MIN_ROOT_BYTES {
            splits.push(SuffixSplit {
                body_end: word.len() - particle.len(),
                removed_affixes: 1,
                ..whole
            });
        }
    }
    let after_particles = splits.count;
    for index in 0..after_particles {
        let base = splits.splits[index];
        let body = &word[..base.body_end];
        for possessive in ["nya", "ku", "mu"] {
            if body.ends_with(possessive.as_bytes())
                && body.len() >= possessive.len() + MIN_ROOT_BYTES
            {
                splits.push(SuffixSplit {
                    body_end: base.body_end - possessive.len(),
                    removed_affixes: base.removed_affixes + 1,
                    ..whole
                });
            }
        }
    }
    let after_possessives = splits.count;
    let derivational_suffixes = [
        ("kan", Derivational::Kan),
        ("an", Derivational::An),
        ("i", Derivational::I),
        ("in", Derivational::In),
    ];
    for index in 0..after_possessives {
        let base = splits.splits[index];
        let body = &word[..base.body_end];
        for (suffix, derivational) in derivational_suffixes {
            if body.ends_with(suffix.as_bytes()) && body.len() >= suffix.len() + 2 {
                splits.push(SuffixSplit {
                    body_end: base.body_end - suffix.len(),
                    removed_affixes: base.removed_affixes + 1,
                    derivational,
                });
            }
        }
    }
    splits
}

/// One way to read the start of a word as a prefix: `consumed` bytes go, `restored` letters (the
/// consonant a nasal absorbed) come back.
#[derive(Debug, Clone, Copy)]
pub(super) struct PrefixReading {
    pub(super) consumed: usize,
    pub(super) restored: &'static str,
    pub(super) class: PrefixClass,
}

#[derive(Default)]
pub(super) struct PrefixReadings {
    readings: [Option<PrefixReading>; 6],
    count: usize,
}

impl PrefixReadings {
    fn push(&mut self, consumed: usize, restored: &'static str, class: PrefixClass) {
        if self.count < self.readings.len() {
            self.readings[self.count] = Some(PrefixReading {
                consumed,
                restored,
                class,
            });
            self.count += 1;
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = PrefixReading> + '_ {
        self.readings[..self.count].iter().flatten().copied()
    }
}

pub(super) fn byte_at(word: &[u8], index: usize) -> u8 {
    word.get(index).copied().unwrap_or(0)
}

pub(super) fn is_consonant(byte: u8) -> bool {
    byte.is_ascii_lowercase() && !is_vowel(byte)
}

/// The standard prefix readings at the start of `word`, most likely first.
pub(super) fn standard_prefix_readings(word: &[u8], readings: &mut PrefixReadings) {
    use PrefixClass as P;
    let at = |index| byte_at(word, index);
    match (at(0), at(1)) {
        (b'd', b'i') => readings.push(2, "", P::Di),
        (b'k', b'e') => readings.push(2, "", P::Ke),
        (b's', b'e') => readings.push(2, "", P::Se),
        (b'b', b'e') => {
            if word.starts_with(b"belajar") {
                readings.push(3, "", P::Be);
            } else if at(2) == b'r' && is_vowel(at(3)) {
                readings.push(3, "", P::Be);
                readings.push(2, "", P::Be);
            } else if at(2) == b'r' {
                readings.push(3, "", P::Be);
            } else if is_consonant(at(2)) && at(3) == b'e' && at(4) == b'r' {
                readings.push(2, "", P::Be);
            }
        }
        (b't', b'e') if at(2) == b'r' => {
            readings.push(3, "", P::Te);
            if is_vowel(at(3)) {
                readings.push(2, "", P::Te);
            }
        }
        (b'm', b'e') => nasal_prefix_readings(word, P::Me, readings),
        (b'p', b'e') => {
            if word.starts_with(b"pelajar") {
                readings.push(3, "", P::Pe);
            } else if at(2) == b'r' {
                if is_vowel(at(3)) {
                    readings.push(2, "", P::Pe);
                }
                readings.push(3, "", P::Pe);
            } else if matches!(at(2), b'm' | b'n') {
                nasal_prefix_readings(word, P::Pe, readings);
            } else if is_consonant(at(2)) {
                readings.push(2, "", P::Pe);
            }
        }
        _ => {}
    }
}

/// me- and pe- with their nasal forms; `word` starts with "me" or "pe".
pub(super) fn nasal_prefix_readings(
    word: &[u8],
    class: PrefixClass,
    readings: &mut PrefixReadings,
) {
    let at = |index| byte_at(word, index);
    match at(2) {
        b'l' | b'r' | b'w' | b'y' => readings.push(2, "", class),
        b'm' => {
            let next = at(3);
            if matches!(next, b'b' | b'f' | b'v' | b'p') {
                readings.push(3, "", class);
            } else if is_vowel(next) {
                readings.push(3, "m", class);
                readings.push(3, "p", class);
            }
        }
        b'n' => {
            let next = at(3);
            match next {
                b'g' => {
                    let after_ng = at(4);
                    if is_vowel(after_ng) {
                        readings.push(4, "", class);
                        readings.push(4, "k", class);
                        if after_ng == b'e' && is_consonant(at(5)) {
                            readings.push(5, "", class);
                        }
                    } else if after_ng != 0 {
                        readings.push(4, "", class);
                    }
                }
                b'y' if is_vowel(at(4)) => {
                    readings.push(4, "s", class);
                    readings.push(4, "ny", class);
                }
                b'c' | b'd' | b'j' | b'z' | b't' | b's' => readings.push(3, "", class),
                _ if is_vowel(next) => {
                    readings.push(3, "n", class);
                    readings.push(3, "t", class);
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// Chat spellings that drop the me-: nyolong (colong), nyuri (curi), nabrak (tabrak), ngamuk
/// (amuk), ngirim (kirim), ngelapor (lapor), mukul (pukul).
pub(super) fn colloquial_prefix_readings(word: &[u8], readings: &mut PrefixReadings) {
    use PrefixClass as P;
    let at = |index| byte_at(word, index);
    match (at(0), at(1)) {
        (b'n', b'y') if is_vowel(at(2)) => {
            readings.push(2, "s", P::Colloquial);
            readings.push(2, "c", P::Colloquial);
        }
        (b'n', b'g') if is_vowel(at(2)) => {
            readings.push(2, "", P::Colloquial);
            readings.push(2, "k", P::Colloquial);
            if at(2) == b'e' && is_consonant(at(3)) {
                readings.push(3, "", P::Colloquial);
            }
        }
        (b'n', next) if is_vowel(next) => readings.push(1, "t", P::Colloquial),
        (b'm', next) if is_vowel(next) => readings.push(1, "p", P::Colloquial),
        _ => {}
    }
}

pub(crate) fn is_vowel(byte: u8) -> bool {
    matches!(byte, b'a' | b'e' | b'i' | b'o' | b'u')
}
