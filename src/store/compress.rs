//! LZ4 (block format) against a fixed dictionary, for stored values (`codec`) and raw webhook
//! bodies (`ledger/raw_bodies.rs`): the compressed bytes follow the plain length (4 bytes LE).
//! LZ4 because it is fast enough to run inside a transaction (a few microseconds for a record)
//! and already built for tantivy; the dictionary because records of a few hundred bytes share
//! little within themselves and much with each other (field names, enum values, reply texts).
//! A dictionary is part of the format: changing one makes values written with it unreadable,
//! so each lives in a file of its own under a version that never changes.

/// `plain` compressed against `dictionary`, after its length; `None` when it does not fit a
/// length of 4 bytes.
pub fn compress(plain: &[u8], dictionary: &[u8]) -> Option<Vec<u8>> {
    let length = u32::try_from(plain.len()).ok()?;
    let mut packed = vec![0; 4 + lz4_flex::block::get_maximum_output_size(plain.len())];
    packed[..4].copy_from_slice(&length.to_le_bytes());
    let written =
        lz4_flex::block::compress_into_with_dict(plain, &mut packed[4..], dictionary).ok()?;
    packed.truncate(4 + written);
    Some(packed)
}

/// The plain bytes of `packed` (as written by `compress` with the same dictionary).
pub fn decompress(packed: &[u8], dictionary: &[u8]) -> Result<Vec<u8>, String> {
    let length = packed
        .get(..4)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| "no length before the compressed bytes".to_string())?;
    // A corrupt length must not allocate without bound: LZ4 expands at most 255 times.
    if u64::from(length) > (packed.len() as u64).saturating_mul(255) + 64 {
        return Err(format!("a length of {length} bytes cannot be right"));
    }
    let mut plain = vec![0; length as usize];
    let written = lz4_flex::block::decompress_into_with_dict(&packed[4..], &mut plain, dictionary)
        .map_err(|error| error.to_string())?;
    if written != plain.len() {
        return Err(format!("{written} bytes where {length} were kept"));
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_garbage_is_an_error() {
        let dictionary = b"the quick brown fox jumps over the lazy dog";
        for plain in [
            &b""[..],
            b"x",
            b"the lazy dog jumps over the quick brown fox again",
        ] {
            let packed = compress(plain, dictionary).unwrap();
            assert_eq!(decompress(&packed, dictionary).unwrap(), plain);
        }
        let packed = compress(b"the lazy dog jumps over the quick brown fox", dictionary).unwrap();
        assert!(decompress(&packed[..packed.len() - 3], dictionary).is_err());
        assert!(decompress(&[1, 2], dictionary).is_err());
        assert!(decompress(&[255, 255, 255, 255, 0], dictionary).is_err());
    }
}
