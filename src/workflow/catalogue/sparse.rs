//! Facts only some reports have (a location, time spent waiting for the reporter), kept by
//! report id for those reports alone instead of a slot in a column every report pays for.

/// A value for some report ids, by ascending id.
#[derive(Debug)]
pub(super) struct Sparse<T> {
    ids: Vec<u64>,
    values: Vec<T>,
}

impl<T> Default for Sparse<T> {
    fn default() -> Sparse<T> {
        Sparse {
            ids: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<T: Copy> Sparse<T> {
    /// Sets (`Some`) or clears (`None`) the value of `id`.
    pub fn set(&mut self, id: u64, value: Option<T>) {
        match (self.ids.binary_search(&id), value) {
            (Ok(at), Some(value)) => self.values[at] = value,
            (Ok(at), None) => {
                self.ids.remove(at);
                self.values.remove(at);
            }
            (Err(at), Some(value)) => {
                self.ids.insert(at, id);
                self.values.insert(at, value);
            }
            (Err(_), None) => {}
        }
    }

    #[cfg(test)]
    pub fn get(&self, id: u64) -> Option<T> {
        let at = self.ids.binary_search(&id).ok()?;
        Some(self.values[at])
    }

    /// A reader of the values of ascending ids, from `id` up.
    pub fn from(&self, id: u64) -> SparseCursor<'_, T> {
        SparseCursor {
            sparse: self,
            at: self.ids.partition_point(|each| *each < id),
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Bytes held, capacity included.
    pub fn footprint(&self) -> usize {
        self.ids.capacity() * 8 + self.values.capacity() * std::mem::size_of::<T>()
    }
}

/// Reads a `Sparse` for ids asked in ascending order, walking it once.
pub(super) struct SparseCursor<'a, T> {
    sparse: &'a Sparse<T>,
    at: usize,
}

impl<T: Copy> SparseCursor<'_, T> {
    /// The value of `id`, which is at least every id asked before.
    #[inline]
    pub fn get(&mut self, id: u64) -> Option<T> {
        let ids = &self.sparse.ids;
        while self.at < ids.len() && ids[self.at] < id {
            self.at += 1;
        }
        (ids.get(self.at) == Some(&id)).then(|| self.sparse.values[self.at])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_set_cleared_and_read_in_order() {
        let mut sparse = Sparse::default();
        for id in [9, 3, 7, 1] {
            sparse.set(id, Some(id * 10));
        }
        sparse.set(7, None);
        sparse.set(3, Some(31));
        sparse.set(5, None);
        assert_eq!(sparse.len(), 3);
        assert_eq!(sparse.get(3), Some(31));
        assert_eq!(sparse.get(7), None);
        let mut cursor = sparse.from(2);
        let read: Vec<Option<u64>> = (2..=10).map(|id| cursor.get(id)).collect();
        assert_eq!(
            read,
            [None, Some(31), None, None, None, None, None, Some(90), None]
        );
    }
}
