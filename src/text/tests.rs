//! Tests of the Indonesian analyzer: the stem table, slang, stopwords, folding and offsets.

use super::*;

const STEM_TABLE: &str = include_str!("stem_table.tsv");

/// Snowball's known defects and the domain words the brief names: every one must pass.
const REQUIRED_STEMS: &[(&str, &str)] = &[
    ("penipuan", "tipu"),
    ("menipu", "tipu"),
    ("ditipu", "tipu"),
    ("menulis", "tulis"),
    ("mengirim", "kirim"),
    ("menabrak", "tabrak"),
    ("perampokan", "rampok"),
    ("dirampok", "rampok"),
    ("penculikan", "culik"),
    ("pemerkosaan", "perkosa"),
    ("penganiayaan", "aniaya"),
    ("pengeroyokan", "keroyok"),
    ("penjambretan", "jambret"),
    ("pencurian", "curi"),
    ("kecurian", "curi"),
    ("dicuri", "curi"),
    ("kemacetan", "macet"),
    ("melaporkan", "lapor"),
    ("laporan", "lapor"),
    ("pemukulan", "pukul"),
    ("dipukul", "pukul"),
    ("dipukuli", "pukul"),
    ("memukul", "pukul"),
    ("pembunuhan", "bunuh"),
    ("kebakaran", "bakar"),
    ("kecelakaan", "celaka"),
    ("perjudian", "judi"),
    ("narkoba", "narkoba"),
];

fn stem_table() -> Vec<(&'static str, &'static str)> {
    STEM_TABLE
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.split_once('\t')
                .expect("stem table line is word<TAB>stem")
        })
        .collect()
}

fn terms_of(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer
        .terms(text)
        .into_iter()
        .map(|token| token.term)
        .collect()
}

fn words_of(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer
        .tokens(text)
        .into_iter()
        .map(|token| token.term)
        .collect()
}

#[test]
fn stem_table_passes_at_least_95_percent_and_every_required_pair() {
    let table = stem_table();
    assert!(table.len() >= 200, "the table has {} pairs", table.len());
    let failures: Vec<String> = table
        .iter()
        .filter_map(|(word, expected)| {
            let actual = stem(word);
            (actual != *expected).then(|| format!("{word}: expected {expected}, got {actual}"))
        })
        .collect();
    let pass_rate = 1.0 - failures.len() as f64 / table.len() as f64;
    println!(
        "stem table: {} of {} pass ({:.1}%)",
        table.len() - failures.len(),
        table.len(),
        pass_rate * 100.0
    );
    for failure in &failures {
        println!("  {failure}");
    }
    let required_failures: Vec<String> = REQUIRED_STEMS
        .iter()
        .filter(|(word, expected)| stem(word) != *expected)
        .map(|(word, expected)| format!("{word}: expected {expected}, got {}", stem(word)))
        .collect();
    assert!(required_failures.is_empty(), "{required_failures:#?}");
    assert!(pass_rate >= 0.95, "pass rate {pass_rate:.3}: {failures:#?}");
}

#[test]
fn required_pairs_are_all_in_the_table_file() {
    let table = stem_table();
    for pair in REQUIRED_STEMS {
        assert!(table.contains(pair), "{pair:?} missing from stem_table.tsv");
    }
}

#[test]
fn stem_candidates_start_with_the_stem_and_resolve_known_roots_to_one() {
    assert_eq!(stem_candidates("penipuan"), ["tipu"]);
    assert_eq!(stem_candidates("menulis"), ["tulis"]);
    assert_eq!(stem_candidates("memukul"), ["pukul"]);
    for word in [
        "mengaku",
        "mengamen",
        "pengawalan",
        "dicuri",
        "bg",
        "1234",
        "Motor",
    ] {
        let candidates = stem_candidates(word);
        assert_eq!(candidates[0], stem(word), "{word}: {candidates:?}");
    }
}

#[test]
fn stem_candidates_offer_both_readings_of_an_unknown_root() {
    // "amen" is not in the lexicon: meng- + vowel is read as a lost k, the vowel reading follows.
    assert_eq!(stem_candidates("mengamen"), ["kamen", "amen"]);
    // men- + vowel: a lost t first, then an n-root (menafkahi is nafkah).
    assert_eq!(stem_candidates("menerjemahkan"), ["terjemah", "nerjemah"]);
}

#[test]
fn stem_leaves_non_words_alone() {
    assert_eq!(stem(""), "");
    assert_eq!(stem("bg1234xy"), "bg1234xy");
    assert_eq!(stem("motor\u{e9}"), "motor\u{e9}");
    let long_word = "a".repeat(100);
    assert_eq!(stem(&long_word), long_word);
}

#[test]
fn chat_message_is_expanded_to_standard_words() {
    let analyzer = Analyzer::sumsel();
    assert_eq!(
        words_of(&analyzer, "sy liat mtr dicuri otk"),
        [
            "saya", "lihat", "motor", "dicuri", "orang", "tak", "dikenal"
        ]
    );
    assert_eq!(
        terms_of(&analyzer, "sy liat mtr dicuri otk"),
        ["lihat", "motor", "curi", "orang", "tak", "kenal"]
    );
}

#[test]
fn slang_glosses_are_dropped_and_phrases_match_across_words() {
    let analyzer = Analyzer::sumsel();
    assert_eq!(words_of(&analyzer, "dak ado"), ["tidak", "ada"]);
    assert_eq!(
        words_of(&analyzer, "Pak Pol tolongg"),
        ["bapak", "polisi", "tolong"]
    );
    assert_eq!(words_of(&analyzer, "cak mano pak"), ["bagaimana", "pak"]);
    assert_eq!(words_of(&analyzer, "ada ss"), ["ada", "sabu", "sabu"]);
    assert_eq!(
        words_of(&analyzer, "hpnya dijambret"),
        ["handphone", "dijambret"]
    );
}

#[test]
fn one_slang_word_becomes_several_tokens_spanning_the_original_word() {
    let analyzer = Analyzer::sumsel();
    let text = "spm saya hilang";
    let tokens = analyzer.tokens(text);
    assert_eq!(tokens[0].term, "sepeda");
    assert_eq!(tokens[1].term, "motor");
    assert_eq!(
        (tokens[0].position, tokens[1].position, tokens[2].position),
        (0, 1, 2)
    );
    for token in &tokens[..2] {
        assert_eq!(&text[token.offset_from..token.offset_to], "spm");
    }
    assert_eq!(&text[tokens[2].offset_from..tokens[2].offset_to], "saya");
}

#[test]
fn slang_map_of_new_is_used_exactly_as_given() {
    let slang = vec![
        ("mtr".to_owned(), "motor".to_owned()),
        ("pak pol".to_owned(), "bapak polisi (sapaan)".to_owned()),
    ];
    let analyzer = Analyzer::new(&slang, &["yang".to_owned()]);
    assert_eq!(
        words_of(&analyzer, "Mtr yg pak pol"),
        ["motor", "yg", "bapak", "polisi"]
    );
    assert_eq!(
        terms_of(&analyzer, "motor yang hilang"),
        ["motor", "hilang"]
    );
}

#[test]
fn stopwords_are_dropped_but_negation_is_kept() {
    let analyzer = Analyzer::sumsel();
    assert!(analyzer.is_stopword("yang"));
    assert!(analyzer.is_stopword("Dengan"));
    for negation in [
        "tidak", "bukan", "belum", "jangan", "tak", "tanpa", "enggak", "gak", "tdk",
    ] {
        assert!(
            !analyzer.is_stopword(negation),
            "{negation} must not be a stopword"
        );
    }
    assert_eq!(
        terms_of(&analyzer, "motor saya tidak hilang"),
        ["motor", "tidak", "hilang"]
    );
    assert_eq!(terms_of(&analyzer, "gk jadi hilang"), ["tidak", "hilang"]);
    assert_eq!(terms_of(&analyzer, "belum ditangani"), ["belum", "tangan"]);
}

#[test]
fn negation_is_kept_even_when_the_caller_lists_it_as_a_stopword() {
    let stopwords: Vec<String> = ["tidak", "bukannya", "yang"].map(str::to_owned).to_vec();
    let analyzer = Analyzer::new(&[], &stopwords);
    assert!(!analyzer.is_stopword("tidak"));
    assert!(!analyzer.is_stopword("bukannya"));
    assert!(analyzer.is_stopword("yang"));
}

#[test]
fn terms_keep_the_positions_of_tokens_so_stopwords_leave_gaps() {
    let analyzer = Analyzer::sumsel();
    let terms = analyzer.terms("motor yang dicuri");
    let positions: Vec<u32> = terms.iter().map(|token| token.position).collect();
    assert_eq!(positions, [0, 2]);
}

#[test]
fn accents_quotes_and_fancy_letters_fold_to_ascii() {
    let analyzer = Analyzer::sumsel();
    assert_eq!(analyzer.normalize_word("CAFÉ"), "cafe");
    assert_eq!(analyzer.normalize_word("Straße"), "strasse");
    assert_eq!(analyzer.normalize_word("“Jum’at”"), "\"jum'at\"");
    assert_eq!(analyzer.normalize_word("ＭＯＴＯＲ"), "motor");
    assert_eq!(analyzer.normalize_word("𝐓𝐨𝐥𝐨𝐧𝐠"), "tolong");
    assert_eq!(analyzer.normalize_word("mtr"), "mtr");
    // e + combining acute accent stays one word.
    assert_eq!(words_of(&analyzer, "Pe\u{301}ncurian"), ["pencurian"]);
    assert_eq!(words_of(&analyzer, "“DICURI”…"), ["dicuri"]);
}

#[test]
fn offsets_point_into_the_original_text_after_emoji_and_multibyte_letters() {
    let analyzer = Analyzer::sumsel();
    let text = "🙏🏻 Tolong pak!! Motor saya 🏍️ dicuri di Pasar Café 16 Ilir 😭";
    let tokens = analyzer.tokens(text);
    for token in &tokens {
        let original = &text[token.offset_from..token.offset_to];
        assert_eq!(analyzer.normalize_word(original), token.term, "{token:?}");
    }
    let dicuri = tokens.iter().find(|token| token.term == "dicuri").unwrap();
    assert_eq!(&text[dicuri.offset_from..dicuri.offset_to], "dicuri");
    let cafe = tokens.iter().find(|token| token.term == "cafe").unwrap();
    assert_eq!(&text[cafe.offset_from..cafe.offset_to], "Café");
    let stems = analyzer.terms(text);
    let curi = stems.iter().find(|token| token.term == "curi").unwrap();
    assert_eq!(&text[curi.offset_from..curi.offset_to], "dicuri");
}

#[test]
fn digits_and_plate_numbers_are_kept_as_words() {
    let analyzer = Analyzer::sumsel();
    assert_eq!(
        terms_of(&analyzer, "Plat BG 1234 XY, pasar 16 Ilir, bayar 100rb"),
        [
            "plat", "bg", "1234", "xy", "pasar", "16", "ilir", "bayar", "100rb"
        ]
    );
    assert_eq!(
        words_of(&analyzer, "0813-7000-2110"),
        ["0813", "7000", "2110"]
    );
}

#[test]
fn reduplication_with_a_hyphen_or_a_2_gives_the_word_twice() {
    let analyzer = Analyzer::sumsel();
    assert_eq!(words_of(&analyzer, "anak-anak"), ["anak", "anak"]);
    assert_eq!(
        words_of(&analyzer, "anak2 hati2"),
        ["anak", "anak", "hati", "hati"]
    );
    assert_eq!(words_of(&analyzer, "kebut2an"), ["kebut", "kebutan"]);
    assert_eq!(
        terms_of(&analyzer, "kebut-kebutan"),
        terms_of(&analyzer, "kebut2an")
    );
    // Abbreviations with a 2 are not reduplications.
    assert_eq!(words_of(&analyzer, "r2"), ["kendaraan", "roda", "dua"]);
    assert_eq!(words_of(&analyzer, "sp2hp"), ["sp2hp"]);
}

#[test]
fn sumsel_analyzer_loads_the_embedded_profile() {
    let analyzer = Analyzer::sumsel();
    // 41 single-word and 2 phrase entries in the profile, plus the general chat spellings.
    assert!(
        analyzer.slang_entry_count() >= 43 + 80,
        "{}",
        analyzer.slang_entry_count()
    );
    assert!(
        analyzer.stopword_count() > 800,
        "{}",
        analyzer.stopword_count()
    );
    let from_files = Analyzer::from_profile_files(SUMSEL_CATEGORIES, SUMSEL_STOPWORDS).unwrap();
    assert_eq!(from_files.slang_entry_count(), analyzer.slang_entry_count());
    assert!(Analyzer::from_profile_files("{}", "yang").is_err());
}

#[test]
fn analyzer_is_shareable_across_threads() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Analyzer>();
}

#[test]
fn root_lexicon_takes_profile_keywords_but_not_chat_spellings() {
    let lexicon = lexicon::RootLexicon::sumsel();
    assert!(lexicon.root_count() > 700, "{}", lexicon.root_count());
    assert!(lexicon.is_place_word("kertapati"));
    assert_eq!(stem("keliatan"), "lihat");
    // From keywords where Snowball is unambiguous.
    assert!(lexicon.contains("jambret"));
    assert!(lexicon.contains("keras"));
    // Chat spellings of curated roots, and Snowball's defects, are not roots.
    for not_a_root in [
        "nabrak", "mukul", "malak", "nyolong", "ipu", "royok", "kosa", "ita",
    ] {
        assert!(
            !lexicon.contains(not_a_root),
            "{not_a_root} must not be a root"
        );
    }
}

#[test]
fn every_corpus_message_is_analysed_with_offsets_inside_the_text() {
    let corpus = include_str!("../profile/sumsel/corpus_dev.jsonl");
    let analyzer = Analyzer::sumsel();
    let mut message_count = 0;
    for line in corpus.lines().filter(|line| !line.trim().is_empty()) {
        let message: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = message["text"].as_str().unwrap();
        let terms = analyzer.terms(text);
        assert!(!terms.is_empty(), "{text}");
        for term in terms {
            assert!(text.is_char_boundary(term.offset_from) && term.offset_to <= text.len());
            assert!(term.offset_from < term.offset_to);
        }
        message_count += 1;
    }
    assert_eq!(message_count, 300);
}

#[test]
fn palembang_malay_reads_as_standard_indonesian() {
    let analyzer = Analyzer::sumsel();
    assert_eq!(
        words_of(&analyzer, "apinyo la gedé, wongnyo masih di dalem kini"),
        vec![
            "apinya", "sudah", "besar", "orang", "masih", "di", "dalam", "sekarang"
        ]
    );
    assert_eq!(
        words_of(&analyzer, "dio nyalake lampu, motor dilarike"),
        vec!["dia", "nyalakan", "lampu", "motor", "dilarikan"]
    );
    assert_eq!(
        words_of(&analyzer, "kawan aku ditujah, dak biso jalan"),
        vec!["teman", "aku", "ditusuk", "tidak", "bisa", "jalan"]
    );
}

#[test]
fn komering_and_jakarta_slang_are_expanded() {
    let analyzer = Analyzer::sumsel();
    assert_eq!(
        words_of(&analyzer, "nyak dibegal ganta"),
        vec!["saya", "dibegal", "sekarang"]
    );
    assert_eq!(
        words_of(&analyzer, "bokap gw digebukin"),
        vec!["ayah", "saya", "dipukuli"]
    );
}
