//! Fast-field columns read by document id, one document or a block of them at a time, and the
//! counts per value that facets and statistics make of them.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use tantivy::DocId;
use tantivy::columnar::{Cardinality, Column, ColumnValues, StrColumn};

use super::schema::NO_VALUE;

/// Documents counted together: a block costs one dynamic call per column instead of one per
/// document, and the reads of one column stay in one tight loop.
pub(crate) const BLOCK_DOCS: usize = 64;

/// The value a block read gives a document without one; beyond every count array.
const ABSENT_CODE: u64 = u64::MAX;

/// A fast-field column, read the quickest way its shape allows.
pub(crate) enum FastColumn<T> {
    /// Every document has one value: read by document id, no presence lookup.
    Dense(Arc<dyn ColumnValues<T>>),
    Sparse(Column<T>),
    Absent,
}

impl<T> FastColumn<T>
where
    T: PartialOrd + Copy + std::fmt::Debug + Send + Sync + 'static,
{
    pub(crate) fn new(column: Option<Column<T>>) -> FastColumn<T> {
        match column {
            Some(column) if column.get_cardinality() == Cardinality::Full => {
                FastColumn::Dense(column.values)
            }
            Some(column) => FastColumn::Sparse(column),
            None => FastColumn::Absent,
        }
    }

    #[inline]
    pub(crate) fn get(&self, doc: DocId) -> Option<T> {
        match self {
            FastColumn::Dense(values) => Some(values.get_val(doc)),
            FastColumn::Sparse(column) => column.first(doc),
            FastColumn::Absent => None,
        }
    }

    /// The value of each of `docs` into `values` (as long as `docs`), `absent` for a document
    /// without one.
    pub(crate) fn get_block(&self, docs: &[DocId], values: &mut [T], absent: T) {
        debug_assert_eq!(docs.len(), values.len());
        match self {
            FastColumn::Dense(column) => column.get_vals(docs, values),
            FastColumn::Sparse(column) => {
                for (doc, value) in docs.iter().zip(values.iter_mut()) {
                    *value = column.first(*doc).unwrap_or(absent);
                }
            }
            FastColumn::Absent => values.fill(absent),
        }
    }
}

/// Counts the document's code; codes beyond `counts` (no value) are not counted.
#[inline]
pub(crate) fn count_code(column: &FastColumn<u64>, doc: DocId, counts: &mut [u64]) {
    if let Some(code) = column.get(doc)
        && let Some(count) = counts.get_mut(code as usize)
    {
        *count += 1;
    }
}

/// `count_code` for a block of at most `BLOCK_DOCS` documents; `scratch` is working space.
#[inline]
pub(crate) fn count_codes(
    column: &FastColumn<u64>,
    docs: &[DocId],
    scratch: &mut [u64; BLOCK_DOCS],
    counts: &mut [u64],
) {
    let codes = &mut scratch[..docs.len()];
    column.get_block(docs, codes, ABSENT_CODE);
    for code in codes.iter() {
        if let Some(count) = counts.get_mut(*code as usize) {
            *count += 1;
        }
    }
}

/// Counts per term ordinal of a string column, turned into strings once per segment.
pub(crate) struct OrdinalCounts {
    column: Option<StrColumn>,
    ordinals: FastColumn<u64>,
    counts: Vec<u64>,
}

impl OrdinalCounts {
    pub(crate) fn open(column: Option<StrColumn>) -> OrdinalCounts {
        let terms = column.as_ref().map_or(0, |column| column.num_terms());
        let ordinals = FastColumn::new(column.as_ref().map(|column| column.ords().clone()));
        OrdinalCounts {
            column,
            ordinals,
            counts: vec![0; terms],
        }
    }

    #[inline]
    pub(crate) fn count(&mut self, doc: DocId) {
        count_code(&self.ordinals, doc, &mut self.counts);
    }

    /// `count` for a block of at most `BLOCK_DOCS` documents.
    #[inline]
    pub(crate) fn count_block(&mut self, docs: &[DocId], scratch: &mut [u64; BLOCK_DOCS]) {
        count_codes(&self.ordinals, docs, scratch, &mut self.counts);
    }

    pub(crate) fn into_counts(self) -> io::Result<HashMap<String, u64>> {
        let mut counts = HashMap::new();
        let Some(column) = self.column else {
            return Ok(counts);
        };
        for (ordinal, count) in self.counts.into_iter().enumerate() {
            if count == 0 {
                continue;
            }
            let mut value = String::new();
            if column.ord_to_str(ordinal as u64, &mut value)? && value != NO_VALUE {
                *counts.entry(value).or_default() += count;
            }
        }
        Ok(counts)
    }
}
