//! A synthetic archive of citizen reports for the search and lists benches: the profile's
//! 300 labelled sample messages, varied (other kecamatan and towns, chat spellings, plates,
//! amounts, extra sentences), spread over two years, with the statuses, units, priorities and
//! response times of a working command center. Deterministic: the same seed gives the same
//! reports. Also the benches' reading of their own memory.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use siaga::domain::ids::{ReportId, Ticket};
use siaga::domain::report::{GeoPoint, Priority, ReportStatus};
use siaga::domain::unit::UnitTree;
use siaga::profile::Profile;
use siaga::search::IndexDoc;

/// The bench's "now": the newest synthetic report is a little older.
pub fn end_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-28T12:00:00+07:00")
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// A field of `/proc/self/status` in KiB (`VmRSS:`, `VmHWM:`), 0 where there is none.
pub fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

struct Place {
    kecamatan: String,
    kabupaten: String,
    polsek_path: Vec<String>,
    point: Option<(f64, f64)>,
}

pub struct Corpus {
    samples: Vec<(String, String, Option<String>)>,
    places: Vec<Place>,
    towns: Vec<String>,
    pub tree: UnitTree,
}

const SLANG: &[(&str, &str)] = &[
    (" yang ", " yg "),
    (" tidak ", " tdk "),
    (" motor ", " mtr "),
    (" sudah ", " udh "),
    (" saya ", " sy "),
    (" tolong ", " tlg "),
    (" dengan ", " dgn "),
    (" bapak ", " bpk "),
];

const EXTRA_SENTENCES: &[&str] = &[
    "Mohon segera ditindaklanjuti pak.",
    "Kejadiannya sekitar jam 9 malam.",
    "Saya sudah lapor ke RT tapi belum ada tindakan.",
    "Ada rekaman CCTV di toko sebelah.",
    "Pelaku kabur ke arah jalan besar.",
    "Terima kasih atas perhatiannya.",
    "Warga sekitar resah dengan kejadian ini.",
    "Sudah beberapa kali terjadi minggu ini.",
];

const NOTES: &[&str] = &[
    "pelapor dihubungi, akan datang ke polsek",
    "unit reskrim sudah cek lokasi",
    "menunggu keterangan saksi",
    "pelapor tidak dapat dihubungi",
    "sudah dikoordinasikan dengan bhabinkamtibmas",
];

impl Corpus {
    pub fn load() -> Corpus {
        let profile = Profile::load("sumsel").expect("the built-in profile");
        let tree = UnitTree::new(
            profile
                .units
                .iter()
                .filter_map(|unit| unit.to_record().ok()),
        );
        let samples = profile
            .samples
            .iter()
            .map(|sample| {
                (
                    sample.text.clone(),
                    sample.category.clone(),
                    sample.place.clone(),
                )
            })
            .collect();
        let mut places = Vec::new();
        for kabkota in &profile.gazetteer.kabkota {
            for kecamatan in &kabkota.kecamatan {
                let unit = kecamatan
                    .polsek
                    .clone()
                    .or_else(|| kabkota.polres.clone())
                    .unwrap_or_default();
                let polsek_path: Vec<String> = tree
                    .path(&unit)
                    .iter()
                    .map(|unit| unit.code.to_string())
                    .collect();
                places.push(Place {
                    kecamatan: kecamatan.name.clone(),
                    kabupaten: kabkota.name.clone(),
                    polsek_path,
                    point: kecamatan.approx_point.map(|point| (point.lat, point.lon)),
                });
            }
        }
        let towns = profile
            .gazetteer
            .places
            .iter()
            .map(|place| place.name.clone())
            .collect();
        Corpus {
            samples,
            places,
            towns,
            tree,
        }
    }

    /// `count` reports, newest last, from `seed`.
    pub fn reports(&self, count: u64, seed: u64) -> impl Iterator<Item = IndexDoc> + '_ {
        let mut rng = StdRng::seed_from_u64(seed);
        let end = end_time();
        let span_seconds = 730 * 24 * 3600_i64;
        (0..count).map(move |index| {
            let offset = span_seconds - (span_seconds as f64 * index as f64 / count as f64) as i64;
            let created_at =
                end - Duration::seconds(offset) + Duration::seconds(rng.random_range(0..60));
            self.report(&mut rng, index, created_at)
        })
    }

    fn report(&self, rng: &mut StdRng, index: u64, created_at: DateTime<Utc>) -> IndexDoc {
        let (text, category, place_named) = &self.samples[rng.random_range(0..self.samples.len())];
        let place = &self.places[rng.random_range(0..self.places.len())];
        let mut text = format!(" {text} ");
        if let Some(named) = place_named.as_deref().filter(|named| text.contains(*named)) {
            text = text.replace(named, &place.kecamatan);
        } else if rng.random_bool(0.5) {
            text.push_str(&format!("di {} ", place.kecamatan));
        }
        if rng.random_bool(0.15) && !self.towns.is_empty() {
            text.push_str(&format!(
                "dekat {} ",
                self.towns[rng.random_range(0..self.towns.len())]
            ));
        }
        for (word, slang) in SLANG {
            if rng.random_bool(0.3) {
                text = text.replace(word, slang);
            }
        }
        if rng.random_bool(0.1) {
            let letters = ["AB", "AC", "BK", "AF", "A", "B"];
            text.push_str(&format!(
                "plat BG {} {} ",
                rng.random_range(1000..9999),
                letters[rng.random_range(0..letters.len())]
            ));
        }
        if rng.random_bool(0.1) {
            text.push_str(&format!("kerugian {} juta ", rng.random_range(1..50)));
        }
        let mut citizen_texts = vec![text.trim().to_string()];
        if rng.random_bool(0.3) {
            citizen_texts
                .push(EXTRA_SENTENCES[rng.random_range(0..EXTRA_SENTENCES.len())].to_string());
        }
        let status = match rng.random_range(0..100) {
            0..15 => ReportStatus::New,
            15..20 => ReportStatus::Triaged,
            20..40 => ReportStatus::Forwarded,
            40..50 => ReportStatus::InProgress,
            50..65 => ReportStatus::Resolved,
            65..95 => ReportStatus::Closed,
            95..98 => ReportStatus::Rejected,
            _ => ReportStatus::Spam,
        };
        let handled = !matches!(status, ReportStatus::New);
        let forwarded = matches!(
            status,
            ReportStatus::Forwarded
                | ReportStatus::InProgress
                | ReportStatus::Resolved
                | ReportStatus::Closed
        );
        let resolved = matches!(status, ReportStatus::Resolved | ReportStatus::Closed);
        let priority = handled.then(|| match rng.random_range(0..10) {
            0 => Priority::Urgent,
            1..3 => Priority::High,
            3..8 => Priority::Normal,
            _ => Priority::Low,
        });
        let first_action_secs = handled.then(|| rng.random_range(30..3600));
        let forward_secs =
            forwarded.then(|| first_action_secs.unwrap_or(0) + rng.random_range(60..14_400));
        let resolve_secs =
            resolved.then(|| forward_secs.unwrap_or(0) + rng.random_range(3600..400_000));
        let phone = format!(
            "628{}{:08}",
            rng.random_range(11..99),
            rng.random_range(0..100_000_000)
        );
        let location =
            (rng.random_bool(0.3))
                .then_some(place.point)
                .flatten()
                .map(|(latitude, longitude)| GeoPoint {
                    latitude: latitude + rng.random_range(-0.01..0.01),
                    longitude: longitude + rng.random_range(-0.01..0.01),
                });
        let year = chrono::Datelike::year(&created_at);
        IndexDoc {
            report_id: ReportId::new(index + 1),
            ticket: Ticket::format("WA", year, index + 1),
            citizen_texts,
            summary: handled
                .then(|| format!("{} di {}", category.replace('_', " "), place.kecamatan)),
            notes: if forwarded && rng.random_bool(0.4) {
                vec![NOTES[rng.random_range(0..NOTES.len())].to_string()]
            } else {
                Vec::new()
            },
            tags: vec![
                category.replace('_', " "),
                place.kecamatan.clone(),
                place.kabupaten.clone(),
            ],
            category: handled.then(|| category.clone()),
            status,
            priority,
            unit_path: if forwarded {
                place.polsek_path.clone()
            } else {
                Vec::new()
            },
            created_at,
            updated_at: created_at + Duration::seconds(resolve_secs.or(forward_secs).unwrap_or(0)),
            location,
            has_media: rng.random_bool(0.25),
            compartmented: category.as_str() == "pungli_oknum",
            blocked: false,
            reporter_phone: Some(phone),
            sla_due_at: (!resolved).then(|| created_at + Duration::hours(4)),
            sla_breaches: Vec::new(),
            first_action_secs,
            forward_secs,
            resolve_secs,
            // Three in four resolved reports answered, the ratings in turn; no random draw, so
            // the rest of the corpus stays what it was.
            satisfaction: resolve_secs.filter(|_| index % 4 != 3).map(|_| {
                siaga::domain::satisfaction::SatisfactionRating::ALL[(index % 3) as usize]
            }),
            channel: None,
        }
    }
}
