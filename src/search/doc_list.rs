//! A doc set over an ascending list of document ids, shared (`Arc`) so that a cached list
//! serves many queries.

use std::sync::Arc;

use tantivy::{DocId, DocSet, TERMINATED};

pub(crate) struct DocList {
    docs: Arc<Vec<DocId>>,
    cursor: usize,
}

impl DocList {
    /// `docs` ascending, without repeats.
    pub(crate) fn new(docs: Arc<Vec<DocId>>) -> DocList {
        debug_assert!(docs.windows(2).all(|pair| pair[0] < pair[1]));
        DocList { docs, cursor: 0 }
    }

    /// The position of the current document in the list.
    #[inline]
    pub(crate) fn cursor(&self) -> usize {
        self.cursor
    }
}

impl DocSet for DocList {
    #[inline]
    fn advance(&mut self) -> DocId {
        if self.cursor < self.docs.len() {
            self.cursor += 1;
        }
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = &self.docs[self.cursor..];
        // Galloping: the target is usually near.
        let mut bound = 1;
        while bound < rest.len() && rest[bound] < target {
            bound *= 2;
        }
        let window = &rest[..bound.min(rest.len())];
        // Everything before `bound` may be below the target; `rest[bound]`, if any, is not.
        self.cursor += window.partition_point(|doc| *doc < target);
        self.doc()
    }

    #[inline]
    fn doc(&self) -> DocId {
        self.docs.get(self.cursor).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.cursor) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_and_seeks() {
        let docs: Vec<DocId> = (0..1000).map(|doc| doc * 3).collect();
        let mut list = DocList::new(Arc::new(docs));
        assert_eq!(list.doc(), 0);
        assert_eq!(list.advance(), 3);
        assert_eq!(list.seek(14), 15);
        assert_eq!(list.seek(15), 15);
        assert_eq!(list.seek(2000), 2001);
        assert_eq!(list.cursor(), 667);
        assert_eq!(list.seek(2997), 2997);
        assert_eq!(list.advance(), TERMINATED);
        assert_eq!(list.seek(5000), TERMINATED);
        let mut empty = DocList::new(Arc::new(Vec::new()));
        assert_eq!(empty.doc(), TERMINATED);
        assert_eq!(empty.advance(), TERMINATED);
    }
}
