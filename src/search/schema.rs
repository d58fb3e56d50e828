//! The index schema: which field holds what, how each is indexed, and how an `IndexDoc` becomes a
//! tantivy document. Bump `SCHEMA_VERSION` whenever anything here changes meaning.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use super::tokenizer::TOKENIZER_NAME;
use super::{IndexDoc, SlaStage};
use crate::domain::report::{Priority, ReportStatus};
use crate::domain::satisfaction::SatisfactionRating;

/// The version of the schema and of what the fields mean; an index written with another version
/// must be rebuilt from the store.
pub(crate) const SCHEMA_VERSION: u32 = 5;

/// Field names, also the names of their fast-field columns.
pub(crate) mod names {
    pub(crate) const REPORT_ID: &str = "report_id";
    pub(crate) const CATEGORY: &str = "category";
    pub(crate) const STATUS: &str = "status";
    pub(crate) const PRIORITY: &str = "priority";
    pub(crate) const UNIT: &str = "unit";
    pub(crate) const CREATED_AT: &str = "created_at";
    pub(crate) const SLA_BREACHES: &str = "sla_breaches";
    pub(crate) const FIRST_ACTION_SECS: &str = "first_action_secs";
    pub(crate) const FORWARD_SECS: &str = "forward_secs";
    pub(crate) const RESOLVE_SECS: &str = "resolve_secs";
    pub(crate) const SATISFACTION: &str = "satisfaction";
    pub(crate) const CHANNEL: &str = "channel";
}

/// The category or unit of a document that has none; never counted.
pub(crate) const NO_VALUE: &str = "";
/// The priority code of a document without priority; never counted.
pub(crate) const NO_PRIORITY: u64 = PRIORITIES.len() as u64;

pub(crate) const PRIORITIES: [Priority; 4] = [
    Priority::Urgent,
    Priority::High,
    Priority::Normal,
    Priority::Low,
];

pub(crate) const SLA_STAGES: [SlaStage; 3] = SlaStage::ALL;

/// The satisfaction code of a document whose citizen has not answered; never counted. An
/// answer is its position in `SatisfactionRating::ALL`.
pub(crate) const NO_SATISFACTION: u64 = SatisfactionRating::ALL.len() as u64;

pub(crate) fn satisfaction_code(rating: Option<SatisfactionRating>) -> u64 {
    rating
        .and_then(|rating| {
            SatisfactionRating::ALL
                .iter()
                .position(|candidate| *candidate == rating)
        })
        .map_or(NO_SATISFACTION, |position| position as u64)
}

/// The position of a status in `ReportStatus::ALL`, which is what the status field holds.
pub(crate) fn status_code(status: ReportStatus) -> u64 {
    ReportStatus::ALL
        .iter()
        .position(|candidate| *candidate == status)
        .unwrap_or_default() as u64
}

pub(crate) fn priority_code(priority: Priority) -> u64 {
    PRIORITIES
        .iter()
        .position(|candidate| *candidate == priority)
        .unwrap_or_default() as u64
}

/// The bit of a stage in the `sla_breaches` bit set.
pub(crate) fn sla_stage_bit(stage: SlaStage) -> u64 {
    match stage {
        SlaStage::FirstAction => 1,
        SlaStage::Forward => 2,
        SlaStage::Resolution => 4,
    }
}

/// The fields of the schema, by role. Built together with the schema, so the handles are valid
/// for every index whose schema equals `Fields::schema().0`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) report_id: Field,
    /// Lowercase ticket, one raw term.
    pub(crate) ticket: Field,
    pub(crate) citizen: Field,
    pub(crate) summary: Field,
    pub(crate) notes: Field,
    pub(crate) tags: Field,
    pub(crate) category: Field,
    pub(crate) status: Field,
    pub(crate) priority: Field,
    /// The unit path as a hierarchical facet: a term on an ancestor matches its whole subtree.
    pub(crate) unit_path: Field,
    /// The assigned unit's code (the leaf of the path), for facet counts.
    pub(crate) unit: Field,
    /// Unix milliseconds, like every instant in the index.
    pub(crate) created_at: Field,
    pub(crate) updated_at: Field,
    pub(crate) latitude: Field,
    pub(crate) longitude: Field,
    pub(crate) has_media: Field,
    /// E.164 digits; indexed only, never stored, so a reader of hits never sees it.
    pub(crate) phone: Field,
    /// The open SLA stage's due time; absent when no clock runs.
    pub(crate) sla_due: Field,
    pub(crate) sla_breaches: Field,
    pub(crate) first_action_secs: Field,
    pub(crate) forward_secs: Field,
    pub(crate) resolve_secs: Field,
    /// The citizen's answer to the satisfaction question (`satisfaction_code`).
    pub(crate) satisfaction: Field,
    /// In the internal-affairs compartment (`AccessRules::is_compartmented`), as judged when
    /// the report was last indexed.
    pub(crate) compartmented: Field,
    /// Opened for a blocked reporter (`Report::blocked`): out of every search unless asked for.
    pub(crate) blocked: Field,
    /// The business number's phone number id, one raw term (filter and facet counts).
    pub(crate) channel: Field,
}

/// How much a match in each text field counts: the operator's summary says what the case is
/// about, notes are mostly procedure.
const CITIZEN_BOOST: f32 = 1.0;
const SUMMARY_BOOST: f32 = 1.5;
const NOTES_BOOST: f32 = 0.7;
const TAGS_BOOST: f32 = 1.0;

impl Fields {
    pub(crate) fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let analysed = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let stored_text = TextOptions::default()
            .set_indexing_options(analysed.clone())
            .set_stored();
        let unstored_text = TextOptions::default().set_indexing_options(analysed);
        let fields = Fields {
            report_id: builder.add_u64_field(names::REPORT_ID, INDEXED | FAST),
            ticket: builder.add_text_field("ticket", STRING),
            citizen: builder.add_text_field("citizen", stored_text.clone()),
            summary: builder.add_text_field("summary", stored_text.clone()),
            notes: builder.add_text_field("notes", stored_text),
            tags: builder.add_text_field("tags", unstored_text),
            category: builder.add_text_field(names::CATEGORY, STRING | FAST),
            status: builder.add_u64_field(names::STATUS, INDEXED | FAST),
            priority: builder.add_u64_field(names::PRIORITY, INDEXED | FAST),
            unit_path: builder.add_facet_field("unit_path", FacetOptions::default()),
            unit: builder.add_text_field(names::UNIT, STRING | FAST),
            created_at: builder.add_i64_field(names::CREATED_AT, FAST),
            updated_at: builder.add_i64_field("updated_at", FAST),
            latitude: builder.add_f64_field("latitude", FAST),
            longitude: builder.add_f64_field("longitude", FAST),
            has_media: builder.add_bool_field("has_media", INDEXED),
            phone: builder.add_text_field("phone", STRING),
            sla_due: builder.add_i64_field("sla_due", FAST),
            sla_breaches: builder.add_u64_field(names::SLA_BREACHES, FAST),
            first_action_secs: builder.add_i64_field(names::FIRST_ACTION_SECS, FAST),
            forward_secs: builder.add_i64_field(names::FORWARD_SECS, FAST),
            resolve_secs: builder.add_i64_field(names::RESOLVE_SECS, FAST),
            satisfaction: builder.add_u64_field(names::SATISFACTION, FAST),
            compartmented: builder.add_bool_field("compartmented", INDEXED),
            blocked: builder.add_bool_field("blocked", INDEXED),
            channel: builder.add_text_field(names::CHANNEL, STRING | FAST),
        };
        (builder.build(), fields)
    }

    /// The analysed text fields with the weight of a match in each.
    pub(crate) fn text_fields(&self) -> [(Field, f32); 4] {
        [
            (self.citizen, CITIZEN_BOOST),
            (self.summary, SUMMARY_BOOST),
            (self.notes, NOTES_BOOST),
            (self.tags, TAGS_BOOST),
        ]
    }

    pub(crate) fn document(&self, doc: &IndexDoc) -> TantivyDocument {
        let mut document = TantivyDocument::new();
        document.add_u64(self.report_id, doc.report_id.get());
        document.add_text(self.ticket, doc.ticket.trim().to_lowercase());
        for text in &doc.citizen_texts {
            document.add_text(self.citizen, text);
        }
        if let Some(summary) = &doc.summary {
            document.add_text(self.summary, summary);
        }
        for note in &doc.notes {
            document.add_text(self.notes, note);
        }
        for tag in &doc.tags {
            document.add_text(self.tags, tag);
        }
        // Every document gets a value in the facet columns (`NO_VALUE`, `NO_PRIORITY` for
        // none), so that they are dense and read without a presence lookup.
        document.add_text(self.category, doc.category.as_deref().unwrap_or(NO_VALUE));
        document.add_u64(self.status, status_code(doc.status));
        document.add_u64(
            self.priority,
            doc.priority.map_or(NO_PRIORITY, priority_code),
        );
        document.add_text(
            self.unit,
            doc.unit_path.last().map_or(NO_VALUE, String::as_str),
        );
        if !doc.unit_path.is_empty() {
            document.add_facet(self.unit_path, Facet::from_path(&doc.unit_path));
        }
        document.add_i64(self.created_at, doc.created_at.timestamp_millis());
        document.add_i64(self.updated_at, doc.updated_at.timestamp_millis());
        if let Some(point) = doc.location
            && point.latitude.is_finite()
            && point.longitude.is_finite()
        {
            document.add_f64(self.latitude, point.latitude);
            document.add_f64(self.longitude, point.longitude);
        }
        document.add_bool(self.has_media, doc.has_media);
        document.add_bool(self.compartmented, doc.compartmented);
        document.add_bool(self.blocked, doc.blocked);
        document.add_text(self.channel, doc.channel.as_deref().unwrap_or(NO_VALUE));
        if let Some(phone) = &doc.reporter_phone {
            let digits = phone.trim().trim_start_matches('+');
            if !digits.is_empty() {
                document.add_text(self.phone, digits);
            }
        }
        if let Some(due) = doc.sla_due_at {
            document.add_i64(self.sla_due, due.timestamp_millis());
        }
        let breaches = doc
            .sla_breaches
            .iter()
            .fold(0, |bits, stage| bits | sla_stage_bit(*stage));
        document.add_u64(self.sla_breaches, breaches);
        document.add_u64(self.satisfaction, satisfaction_code(doc.satisfaction));
        let durations = [
            (self.first_action_secs, doc.first_action_secs),
            (self.forward_secs, doc.forward_secs),
            (self.resolve_secs, doc.resolve_secs),
        ];
        for (field, seconds) in durations {
            if let Some(seconds) = seconds {
                document.add_i64(field, seconds);
            }
        }
        document
    }
}
