//! Key encoding: big-endian integers and length-safe composite keys, so that sled's byte order
//! is the order of the values (ids and times sort numerically, composites sort by their parts).

/// A key made of parts, written so that byte-wise order equals part-wise order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KeyBuilder {
    bytes: Vec<u8>,
}

impl KeyBuilder {
    pub fn new() -> KeyBuilder {
        KeyBuilder {
            bytes: Vec::with_capacity(24),
        }
    }

    pub fn u64(mut self, value: u64) -> KeyBuilder {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// Signed values are stored with the sign bit flipped so that negatives sort first.
    pub fn i64(mut self, value: i64) -> KeyBuilder {
        self.bytes
            .extend_from_slice(&((value as u64) ^ (1 << 63)).to_be_bytes());
        self
    }

    /// A string part. A zero byte ends it, and zero bytes inside are escaped as `0x00 0xFF`, so
    /// that `"a"` sorts before `"a\0"` before `"ab"` and no part can run into the next one.
    pub fn str(mut self, value: &str) -> KeyBuilder {
        for &byte in value.as_bytes() {
            self.bytes.push(byte);
            if byte == 0 {
                self.bytes.push(0xFF);
            }
        }
        self.bytes.push(0);
        self.bytes.push(0);
        self
    }

    pub fn build(self) -> Vec<u8> {
        self.bytes
    }
}

pub fn u64_key(value: u64) -> [u8; 8] {
    value.to_be_bytes()
}

/// Reads a big-endian u64 at `offset`; `None` when the key is too short (a foreign key).
pub fn read_u64(key: &[u8], offset: usize) -> Option<u64> {
    let slice = key.get(offset..offset + 8)?;
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(slice);
    Some(u64::from_be_bytes(bytes))
}

pub fn read_i64(key: &[u8], offset: usize) -> Option<i64> {
    read_u64(key, offset).map(|value| (value ^ (1 << 63)) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn u64_keys_sort_like_numbers(a: u64, b: u64) {
            prop_assert_eq!(a.cmp(&b), u64_key(a).cmp(&u64_key(b)));
        }

        #[test]
        fn i64_keys_sort_like_numbers_and_read_back(a: i64, b: i64) {
            let key_a = KeyBuilder::new().i64(a).build();
            let key_b = KeyBuilder::new().i64(b).build();
            prop_assert_eq!(a.cmp(&b), key_a.cmp(&key_b));
            prop_assert_eq!(read_i64(&key_a, 0), Some(a));
        }

        #[test]
        fn composite_keys_sort_part_by_part(a: (u64, u64), b: (u64, u64)) {
            let key_a = KeyBuilder::new().u64(a.0).u64(a.1).build();
            let key_b = KeyBuilder::new().u64(b.0).u64(b.1).build();
            prop_assert_eq!(a.cmp(&b), key_a.cmp(&key_b));
            prop_assert_eq!(read_u64(&key_a, 8), Some(a.1));
        }

        #[test]
        fn string_then_number_keys_sort_part_by_part(a: (String, u64), b: (String, u64)) {
            let key_a = KeyBuilder::new().str(&a.0).u64(a.1).build();
            let key_b = KeyBuilder::new().str(&b.0).u64(b.1).build();
            prop_assert_eq!(a.cmp(&b), key_a.cmp(&key_b));
        }

        #[test]
        fn strings_with_zero_bytes_keep_their_order(a in "[a\\x00b]{0,6}", b in "[a\\x00b]{0,6}", n: u64) {
            let key_a = KeyBuilder::new().str(&a).u64(n).build();
            let key_b = KeyBuilder::new().str(&b).u64(n).build();
            prop_assert_eq!(a.cmp(&b), key_a.cmp(&key_b));
        }
    }

    #[test]
    fn short_keys_read_as_none() {
        assert_eq!(read_u64(&[1, 2, 3], 0), None);
        assert_eq!(read_u64(&u64_key(7), 1), None);
    }
}
