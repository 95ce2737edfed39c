use super::*;
use std::io::Cursor;

const KEY: [u8; 32] = [7u8; 32];

fn seal(plain: &[u8]) -> Vec<u8> {
    let mut w = Writer::new(Cursor::new(Vec::new()), &KEY).expect("header");
    w.write_all(plain).expect("write");
    let (out, len) = w.finish().expect("finish");
    let bytes = out.into_inner();
    assert_eq!(bytes.len() as u64, len);
    bytes
}

fn open(bytes: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, StreamError> {
    let fail = |e: io::Error| StreamError::from_io(&e).cloned().expect("a stream error");
    let mut r = Reader::new(bytes, key, Some(bytes.len() as u64)).map_err(fail)?;
    let mut out = Vec::new();
    r.read_to_end(&mut out).map_err(fail)?;
    Ok(out)
}

fn sample(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from(i * 31 % 251).unwrap_or(0))
        .collect()
}

#[test]
fn round_trips_at_every_size_around_the_chunk_boundary() {
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 5] {
        let plain = sample(len);
        let sealed = seal(&plain);
        assert_eq!(open(&sealed, &KEY).expect("open"), plain, "length {len}");
        assert!(
            !sealed
                .windows(64)
                .any(|w| plain.len() >= 64 && w == &plain[..64]),
            "plaintext visible"
        );
    }
}

#[test]
fn a_wrong_key_is_named_before_anything_is_decrypted() {
    let sealed = seal(b"customer history");
    let err = open(&sealed, &[8u8; 32]).expect_err("wrong key");
    assert!(matches!(err, StreamError::WrongKey { .. }), "{err}");
    assert!(err.to_string().starts_with("wrong backup key"), "{err}");
}

#[test]
fn truncation_anywhere_is_named_truncation() {
    let sealed = seal(&sample(3 * CHUNK + 100));
    for cut in [sealed.len() - 1, sealed.len() / 2, HEADER_LEN + 10, 41] {
        let err = open(&sealed[..cut], &KEY).expect_err("truncated");
        assert!(
            matches!(err, StreamError::Truncated { .. }),
            "cut at {cut}: {err}"
        );
    }
    // Cut at a chunk boundary with the length field fixed up to match: the last-chunk flag
    // still tells.
    let boundary = HEADER_LEN + 2 * (CHUNK + TAG_LEN);
    let mut short = sealed[..boundary].to_vec();
    short[32..40].copy_from_slice(&(boundary as u64).to_be_bytes());
    let err = open(&short, &KEY).expect_err("cut short");
    assert_eq!(err, StreamError::CutShort(1));
}

#[test]
fn altered_reordered_or_appended_chunks_are_refused() {
    let sealed = seal(&sample(3 * CHUNK));
    let mut flipped = sealed.clone();
    flipped[HEADER_LEN + CHUNK + 100] ^= 1;
    assert_eq!(open(&flipped, &KEY), Err(StreamError::Tampered(1)));
    let c = CHUNK + TAG_LEN;
    let mut swapped = sealed[..HEADER_LEN].to_vec();
    swapped.extend_from_slice(&sealed[HEADER_LEN + c..HEADER_LEN + 2 * c]);
    swapped.extend_from_slice(&sealed[HEADER_LEN..HEADER_LEN + c]);
    swapped.extend_from_slice(&sealed[HEADER_LEN + 2 * c..]);
    assert_eq!(open(&swapped, &KEY), Err(StreamError::Tampered(0)));
    let mut header = sealed.clone();
    header[24] ^= 1;
    assert_eq!(open(&header, &KEY), Err(StreamError::Tampered(0)));
    let mut longer = sealed.clone();
    longer.extend_from_slice(&sealed[HEADER_LEN..HEADER_LEN + c]);
    assert!(matches!(open(&longer, &KEY), Err(StreamError::Tampered(_))));
}

#[test]
fn other_files_are_not_archives() {
    assert_eq!(
        open(b"SQLite format 3\0", &KEY),
        Err(StreamError::NotAnArchive)
    );
    assert_eq!(open(b"", &KEY), Err(StreamError::NotAnArchive));
    let mut future = seal(b"x");
    future[8] = 9;
    assert_eq!(open(&future, &KEY), Err(StreamError::Version(9)));
}
