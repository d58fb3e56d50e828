//! Entry points of the fuzz targets in `fuzz/` and of their replay on the stable toolchain in
//! `tests/fuzz_replay.rs`: each takes the fuzzer's bytes, reaches the code that handles citizen
//! input (webhook parsing and intake on a real store, text analysis and routing, the search box
//! language with its snippets, relative dates), and panics when an invariant breaks. Not an API:
//! hidden from the docs, kept here so the fuzz crate and `cargo test` call the same code.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use crate::domain::inbound::InboundItem;
use crate::domain::phone::PhoneNumber;
use crate::domain::unit::UnitTree;
use crate::intake::{Intake, IntakeSettings};
use crate::profile::Profile;
use crate::routing::Router;
use crate::search::{IndexDoc, SearchIndex, SearchRequest, Visibility};
use crate::store::Store;
use crate::text::{Analyzer, stem, stem_candidates};
use crate::whatsapp::payload::{Citizen, text_message, to_wire_bytes};
use crate::whatsapp::webhook::parse_notification;
use crate::workflow::ReportFilter;

pub use crate::search::fuzz_entries::{query_and_snippet, relative_dates};

/// A fresh store is opened after this many deliveries, so a long run neither fills the disk
/// nor slows down as reports pile up.
const DELIVERIES_PER_STORE: u32 = 2_000;

static PROFILE: LazyLock<Profile> =
    LazyLock::new(|| Profile::load("sumsel").expect("the embedded sumsel profile loads"));
static ROUTER: LazyLock<Router> = LazyLock::new(|| Router::new(&PROFILE, Analyzer::sumsel()));

/// The clock of every target: fixed, so that a crash replays the same way (10 March 2026,
/// 12:00 WIB; the webhook fixtures are from 2025 and 2026).
pub fn fixed_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_773_118_800, 0).unwrap_or_default()
}

/// A store in a temporary folder and the intake that writes to it, as the server builds them
/// (with the router, so suggestions and the questions to the citizen run too).
pub struct IntakeHarness {
    folder: tempfile::TempDir,
    intake: Intake,
    deliveries: u32,
}

impl IntakeHarness {
    pub fn new() -> IntakeHarness {
        let folder = tempfile::tempdir().expect("a temporary folder for the fuzzing store");
        let intake = open_intake(folder.path());
        IntakeHarness {
            folder,
            intake,
            deliveries: 0,
        }
    }

    fn renew_when_due(&mut self) {
        self.deliveries += 1;
        if self.deliveries >= DELIVERIES_PER_STORE {
            *self = IntakeHarness::new();
        }
    }
}

impl Default for IntakeHarness {
    fn default() -> Self {
        IntakeHarness::new()
    }
}

fn open_intake(folder: &std::path::Path) -> Intake {
    let store = Store::open(&folder.join("store")).expect("the fuzzing store opens");
    let profile = &*PROFILE;
    let settings = IntakeSettings {
        thread_window: chrono::Duration::hours(24),
        ticket_prefix: "WA".into(),
        follow_up_ack_interval: chrono::Duration::minutes(10),
        mark_read: true,
        replies: profile.replies.clone(),
        router: Some(ROUTER.clone()),
        access: profile.access_rules(),
        category_titles: std::sync::Arc::new(profile.category_titles()),
        pace_limit: Default::default(),
        channels: Default::default(),
        panic_on_text: None,
    };
    Intake::new(store, settings)
}

/// A webhook body as the server reads it: parsed, then applied to the store twice (Meta
/// redelivers), which must succeed whatever the body holds. Bytes that are not a JSON object
/// are also sent as the text of a citizen's message (one of a few citizens, so that reports
/// thread and questions get answered), which reaches deeper into intake than broken JSON.
pub fn webhook_and_intake(harness: &mut IntakeHarness, body: &[u8]) {
    let now = fixed_now();
    match parse_notification(body, now) {
        Ok(items) => apply_twice(harness, body, &items),
        Err(_) => {
            let citizen = Citizen {
                phone: PhoneNumber::parse(&format!("08120000{:04}", citizen_of(body)))
                    .expect("a valid test number"),
                name: "Warga".into(),
            };
            let wamid = format!("wamid.fuzz.{}", harness.deliveries);
            let text = String::from_utf8_lossy(body);
            let wrapped = to_wire_bytes(&text_message(&citizen, &wamid, now.timestamp(), &text));
            let items = parse_notification(&wrapped, now).expect("a built text message parses");
            apply_twice(harness, &wrapped, &items);
        }
    }
    harness.renew_when_due();
}

/// One of `CITIZENS`, picked by the bytes: enough for reports to stay short (routing a report
/// costs time in proportion to what its citizen wrote), few enough for follow-ups to thread.
fn citizen_of(body: &[u8]) -> u32 {
    const CITIZENS: u32 = 64;
    let hash = body.iter().fold(2_166_136_261u32, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(16_777_619)
    });
    hash % CITIZENS
}

fn apply_twice(harness: &IntakeHarness, body: &[u8], items: &[InboundItem]) {
    let now = fixed_now();
    for attempt in ["first delivery", "redelivery"] {
        if let Err(error) = harness.intake.ingest(body, items, now) {
            panic!(
                "intake refused the {attempt} of a parsed webhook: {error}; store {}",
                harness.folder.path().display()
            );
        }
    }
}

/// A citizen's text through the analyzer (tokens, terms, folding, stems) and the router (each
/// line a message of the report, and the whole text as one).
pub fn text_and_routing(text: &str) {
    let analyzer = Analyzer::sumsel();
    for token in analyzer.tokens(text).iter().chain(&analyzer.terms(text)) {
        assert!(
            token.offset_from <= token.offset_to
                && text.get(token.offset_from..token.offset_to).is_some(),
            "token {token:?} is not a slice of {text:?}"
        );
    }
    for word in text.split_whitespace().take(64) {
        let normalized = analyzer.normalize_word(word);
        let _ = analyzer.is_stopword(word);
        let _ = stem(&normalized);
        let _ = stem_candidates(&normalized);
    }
    let lines: Vec<&str> = text.lines().take(16).collect();
    let router = &*ROUTER;
    let _ = router.suggest(&lines, None);
    let _ = router.suggest(&[text], Some((-2.99, 104.76)));
    let _ = router.ranked_categories(&[text]);
}

/// A search index in a temporary folder holding a few reports of the profile's corpus.
pub struct SearchHarness {
    _folder: tempfile::TempDir,
    index: SearchIndex,
}

/// How many of the profile's sample messages the search harness indexes.
const INDEXED_SAMPLES: usize = 40;

impl SearchHarness {
    pub fn new() -> SearchHarness {
        let folder = tempfile::tempdir().expect("a temporary folder for the fuzzing index");
        let index = SearchIndex::open(&folder.path().join("index"), Analyzer::sumsel())
            .expect("the fuzzing index opens");
        let docs: Vec<IndexDoc> = PROFILE
            .samples
            .iter()
            .take(INDEXED_SAMPLES)
            .zip(1u64..)
            .map(|(sample, report_id)| sample_doc(report_id, &sample.text))
            .collect();
        index.apply(&docs, &[], 1).expect("the samples are indexed");
        SearchHarness {
            _folder: folder,
            index,
        }
    }
}

impl Default for SearchHarness {
    fn default() -> Self {
        SearchHarness::new()
    }
}

fn sample_doc(report_id: u64, text: &str) -> IndexDoc {
    let created_at = fixed_now() - chrono::Duration::hours(report_id as i64);
    IndexDoc {
        reporter_phone: Some("6281234567890".to_owned()),
        ..IndexDoc::new_report(
            crate::domain::ids::ReportId::new(report_id),
            text,
            created_at,
        )
    }
}

/// The first line is typed into the search box and searched for in the harness's index (with
/// snippets of what it finds); the rest is a report's text to take the snippet of as well.
pub fn search_query(harness: &SearchHarness, input: &str) {
    let (query, text) = input.split_once('\n').unwrap_or((input, input));
    let now = fixed_now();
    let _ = crate::search::query_lookups(query, now);
    let _ = query_and_snippet(query, text, now);
    let request = SearchRequest {
        query,
        filter: &ReportFilter::default(),
        tree: &UnitTree::default(),
        visibility: &Visibility {
            phone_search: true,
            ..Visibility::default()
        },
        offset: 0,
        limit: 5,
        now,
        facets: true,
    };
    // A refusal (too long, too many words) is an answer; only a panic is a finding.
    let _ = harness.index.search(&request);
}

/// The first eight bytes pick the clock (any second from year 1 to 9999), the rest are query
/// words.
pub fn dates(data: &[u8]) {
    let (clock, words) = data.split_at(data.len().min(8));
    let mut seconds = [0u8; 8];
    seconds[..clock.len()].copy_from_slice(clock);
    const FIRST: i64 = -62_135_596_800; // 0001-01-01
    const LAST: i64 = 253_402_300_799; // 9999-12-31
    let now = i64::from_le_bytes(seconds).rem_euclid(LAST - FIRST) + FIRST;
    let now = DateTime::from_timestamp(now, 0).unwrap_or_else(fixed_now);
    let text = String::from_utf8_lossy(words);
    let _ = relative_dates(&text, now);
}
