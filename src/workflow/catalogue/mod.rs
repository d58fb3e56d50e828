//! The report catalogue: a compact summary of every report in memory (`summary.rs`), which
//! lists and their total counts are answered from (`query.rs`) instead of decoding the reports
//! table on every call.
//!
//! The store stays the source of truth. The catalogue is built from it when the workflow
//! starts and follows it through `ledger::Reports::watch`: every transaction that saves a
//! report, whoever runs it, tells the catalogue right after it is applied and before its
//! writer goes on, so a list asked for after a mutation or a webhook has returned already
//! shows it. The catalogue re-reads each changed report under its own lock, so that two
//! writers telling it in the other order than they committed still leave the newest state.
//! Should it fail to read a report, it says so in the log and lists fall back to the scan.
//!
//! Who holds a report is kept beside the summaries, in a map of the held reports only: few
//! reports are in someone's hands at a time, so the summary stays at 32 bytes. A bit of the
//! summary says whether it is held, so that holder filters look up only the held ones.

mod query;
mod summary;

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use crate::domain::access::AccessRules;
use crate::domain::ids::ReportId;
use crate::domain::report::Report;
use crate::ledger::{Ledger, ReportWatcher};
use crate::store::{Store, StoreError};

pub use query::{CataloguePage, Reading};
use summary::{Interner, Locations, NO_LOCATION, ReportSummary};

/// A handle on the catalogue: cheap to clone.
#[derive(Clone)]
pub struct Catalogue {
    inner: Arc<Inner>,
}

struct Inner {
    rules: Arc<AccessRules>,
    shelf: RwLock<Shelf>,
}

/// What the catalogue holds.
#[derive(Default)]
struct Shelf {
    /// Every report's summary, by ascending id.
    summaries: Vec<ReportSummary>,
    locations: Locations,
    categories: Interner,
    units: Interner,
    channels: Interner,
    /// The holder of every held report (`Report::assignee`), by report id, interned in `people`.
    holders: rustc_hash::FxHashMap<u64, u16>,
    people: Interner,
    /// Why the catalogue stopped following the store, if it did.
    lost_track: Option<String>,
}

/// The size of the catalogue, for the log and the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueSize {
    pub reports: usize,
    /// Bytes held, capacity included.
    pub bytes: usize,
}

impl Catalogue {
    /// Builds the catalogue from every stored report and starts following the store.
    pub fn open(store: &Store, rules: Arc<AccessRules>) -> Result<Catalogue, StoreError> {
        let started = Instant::now();
        let catalogue = Catalogue {
            inner: Arc::new(Inner {
                rules,
                shelf: RwLock::new(Shelf::default()),
            }),
        };
        {
            // Writers that change a report meanwhile wait for this lock, then re-read the
            // report: nothing changed during the build is missed.
            let mut shelf = catalogue.write();
            store.reports().watch(&catalogue.inner);
            for report in store.reports().oldest_first() {
                shelf.upsert(&report?, &catalogue.inner.rules);
            }
            // Room for the reports of the next while, not the doubling's spare half.
            let room = shelf.summaries.len() + shelf.summaries.len() / 32 + 1024;
            shelf.summaries.shrink_to(room);
        }
        let size = catalogue.size();
        tracing::info!(
            reports = size.reports,
            bytes = size.bytes,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "report catalogue built"
        );
        Ok(catalogue)
    }

    /// Builds the catalogue; if the store cannot be read, a catalogue that sends every list to
    /// the scan (which reports the failure to its caller).
    pub fn open_or_scan(store: &Store, rules: Arc<AccessRules>) -> Catalogue {
        match Catalogue::open(store, Arc::clone(&rules)) {
            Ok(catalogue) => catalogue,
            Err(error) => {
                tracing::error!(%error, "the report catalogue cannot be built; lists scan the store");
                let catalogue = Catalogue::of_reports([], rules);
                catalogue.write().lost_track = Some(error.to_string());
                catalogue
            }
        }
    }

    /// A catalogue with the given summaries of reports, not following any store (benches).
    #[doc(hidden)]
    pub fn of_reports(
        reports: impl IntoIterator<Item = Report>,
        rules: Arc<AccessRules>,
    ) -> Catalogue {
        let catalogue = Catalogue {
            inner: Arc::new(Inner {
                rules,
                shelf: RwLock::new(Shelf::default()),
            }),
        };
        {
            let mut shelf = catalogue.write();
            for report in reports {
                shelf.upsert(&report, &catalogue.inner.rules);
            }
        }
        catalogue
    }

    pub fn size(&self) -> CatalogueSize {
        let shelf = self.read();
        CatalogueSize {
            reports: shelf.summaries.len(),
            bytes: shelf.summaries.capacity() * std::mem::size_of::<ReportSummary>()
                + shelf.locations.footprint()
                + shelf.categories.footprint()
                + shelf.units.footprint()
                + shelf.holders.capacity() * 16
                + shelf.people.footprint(),
        }
    }

    /// The reports created within `window` of `report_id`'s creation (itself excluded), at
    /// most `limit`, nearest in id first; `None` when the catalogue does not know the report
    /// or lost track of the store. Ids follow creation (intake opens reports one at a time),
    /// so this walks outward from the report's place and stops past the window: it costs the
    /// reports in the window, not the catalogue's size.
    pub fn created_near(
        &self,
        report_id: ReportId,
        window: chrono::Duration,
        limit: usize,
    ) -> Option<Vec<ReportId>> {
        let shelf = self.read();
        if shelf.lost_track.is_some() {
            return None;
        }
        let summaries = &shelf.summaries;
        let place = summaries
            .binary_search_by_key(&report_id.get(), |summary| summary.id)
            .ok()?;
        let centre = summaries[place].created;
        let reach = window.num_nanoseconds().unwrap_or(i64::MAX);
        // A clock step back can put a later id a little earlier: look this far past the edge.
        let slack = chrono::Duration::minutes(10).num_nanoseconds().unwrap_or(0);
        let within = |created: i64| created.abs_diff(centre) <= reach.unsigned_abs();
        let beyond =
            |created: i64| created.abs_diff(centre) > reach.saturating_add(slack).unsigned_abs();
        let mut near = Vec::new();
        let (mut before, mut after) = (
            summaries[..place].iter().rev(),
            summaries[place + 1..].iter(),
        );
        let (mut before_open, mut after_open) = (true, true);
        while (before_open || after_open) && near.len() < limit {
            for (open, side) in [
                (
                    &mut before_open,
                    &mut before as &mut dyn Iterator<Item = &ReportSummary>,
                ),
                (&mut after_open, &mut after),
            ] {
                if !*open {
                    continue;
                }
                match side.next() {
                    Some(summary) if beyond(summary.created) => *open = false,
                    Some(summary) if within(summary.created) => {
                        near.push(ReportId::new(summary.id))
                    }
                    Some(_) => {}
                    None => *open = false,
                }
            }
        }
        near.truncate(limit);
        Some(near)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Shelf> {
        // Every change of the shelf is complete before it can panic (see `Shelf::upsert`).
        self.inner
            .shelf
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Shelf> {
        self.inner
            .shelf
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl ReportWatcher for Inner {
    fn changed(&self, store: &Store, report_ids: &[ReportId]) {
        let mut shelf = self.shelf.write().unwrap_or_else(PoisonError::into_inner);
        if shelf.lost_track.is_some() {
            return;
        }
        let ledger = store.reports();
        for report_id in report_ids {
            match ledger.get(*report_id) {
                Ok(Some(report)) => shelf.upsert(&report, &self.rules),
                Ok(None) => shelf.remove(*report_id),
                Err(error) => {
                    tracing::error!(report_id = report_id.get(), %error, "the report catalogue cannot read a changed report; lists fall back to scanning the store");
                    shelf.lost_track = Some(error.to_string());
                    return;
                }
            }
        }
    }
}

impl Shelf {
    fn upsert(&mut self, report: &Report, rules: &AccessRules) {
        if self.lost_track.is_some() {
            return;
        }
        let interned = (
            self.categories.intern(report.category.as_deref()),
            self.units.intern(report.assigned_unit.as_deref()),
        );
        let channel = self
            .channels
            .intern(report.channel.as_deref())
            .filter(|number| *number <= summary::MAX_CHANNELS)
            .and_then(|number| u8::try_from(number).ok());
        let (Some(category), Some(unit), Some(channel)) = (interned.0, interned.1, channel) else {
            tracing::error!(
                "more than 65,535 distinct categories or units, or 63 business numbers; lists fall back to scanning the store"
            );
            self.lost_track = Some("too many distinct codes".into());
            return;
        };
        let id = report.id.get();
        let holder = report
            .assignee
            .as_ref()
            .map(|assignee| assignee.username.as_str());
        match self.people.intern(holder) {
            Some(0) => {
                self.holders.remove(&id);
            }
            Some(person) => {
                self.holders.insert(id, person);
            }
            None => {
                tracing::error!(
                    "more than 65,535 distinct holders; lists fall back to scanning the store"
                );
                self.lost_track = Some("too many distinct holders".into());
                return;
            }
        }
        let place = self
            .summaries
            .binary_search_by_key(&id, |summary| summary.id);
        let previous_location = match place {
            Ok(index) => self.summaries[index].location,
            Err(_) => NO_LOCATION,
        };
        let location = self.locations.place(previous_location, report.location);
        let summary = ReportSummary::of(report, rules, (category, unit, channel), location);
        match place {
            Ok(index) => self.summaries[index] = summary,
            Err(index) => self.summaries.insert(index, summary),
        }
    }

    fn remove(&mut self, report_id: ReportId) {
        let id = report_id.get();
        self.holders.remove(&id);
        if let Ok(index) = self
            .summaries
            .binary_search_by_key(&id, |summary| summary.id)
        {
            self.summaries.remove(index);
        }
    }
}
