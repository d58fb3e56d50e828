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
//! The summaries are kept by column (`columns.rs`), so that a request reads only the facts
//! its filter and order need.

mod columns;
mod matcher;
mod query;
mod sparse;
mod summary;

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use crate::domain::access::AccessRules;
use crate::domain::ids::ReportId;
use crate::domain::report::Report;
use crate::ledger::{Ledger, ReportWatcher};
use crate::store::{Store, StoreError};

use columns::Columns;
pub use query::{CataloguePage, Reading};
use summary::{Interned, Interner, ReportSummary};

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
    columns: Columns,
    categories: Interner,
    units: Interner,
    channels: Interner,
    /// The holders (`Report::assignee`) by username.
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
            let room = shelf.columns.len() + shelf.columns.len() / 32 + 1024;
            shelf.columns.shrink_to(room);
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
            reports: shelf.columns.len(),
            bytes: shelf.columns.footprint()
                + shelf.categories.footprint()
                + shelf.units.footprint()
                + shelf.channels.footprint()
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
        let (columns, created) = (&shelf.columns, &shelf.columns.created);
        let place = shelf.columns.place(report_id.get()).ok()?;
        let centre = created[place];
        let reach = window.num_nanoseconds().unwrap_or(i64::MAX);
        // A clock step back can put a later id a little earlier: look this far past the edge.
        let slack = chrono::Duration::minutes(10).num_nanoseconds().unwrap_or(0);
        let within = |created: i64| created.abs_diff(centre) <= reach.unsigned_abs();
        let beyond =
            |created: i64| created.abs_diff(centre) > reach.saturating_add(slack).unsigned_abs();
        let mut near = Vec::new();
        let (mut before, mut after) = ((0..place).rev(), place + 1..columns.len());
        let (mut before_open, mut after_open) = (true, true);
        while (before_open || after_open) && near.len() < limit {
            for (open, side) in [
                (
                    &mut before_open,
                    &mut before as &mut dyn Iterator<Item = usize>,
                ),
                (&mut after_open, &mut after),
            ] {
                if !*open {
                    continue;
                }
                match side.next().map(|index| (columns.id(index), created[index])) {
                    Some((_, at)) if beyond(at) => *open = false,
                    Some((id, at)) if within(at) => near.push(ReportId::new(id)),
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
        let holder = report
            .assignee
            .as_ref()
            .map(|assignee| assignee.username.as_str());
        let interned = (
            self.categories.intern(report.category.as_deref()),
            self.units.intern(report.assigned_unit.as_deref()),
            self.channels
                .intern(report.channel.as_deref())
                .filter(|number| *number <= summary::MAX_CHANNELS)
                .and_then(|number| u8::try_from(number).ok()),
            self.people.intern(holder),
        );
        let (Some(category), Some(unit), Some(channel), Some(holder)) = interned else {
            tracing::error!(
                "more than 65,535 distinct categories, units or holders, or 255 business numbers; lists fall back to scanning the store"
            );
            self.lost_track = Some("too many distinct codes".into());
            return;
        };
        let place = self.columns.place(report.id.get());
        let interned = Interned {
            category,
            unit,
            channel,
            holder,
        };
        let summary = ReportSummary::of(report, rules, interned);
        self.columns.put(place, &summary);
    }

    fn remove(&mut self, report_id: ReportId) {
        if let Ok(index) = self.columns.place(report_id.get()) {
            self.columns.remove(index);
        }
    }
}
