//! What may be sent as a WhatsApp attachment: accepted types, Meta's size limits, and a check
//! of the file's first bytes so a file is what it claims to be.

use super::MediaKind;

/// Kind and size limit (bytes) for a MIME type WhatsApp accepts, by Meta's media table.
#[must_use]
pub fn accepted(mime: &str) -> Option<(MediaKind, usize)> {
    const MB: usize = 1024 * 1024;
    Some(match mime {
        "image/jpeg" | "image/png" => (MediaKind::Image, 5 * MB),
        "image/webp" => (MediaKind::Sticker, 500 * 1024),
        "video/mp4" | "video/3gpp" => (MediaKind::Video, 16 * MB),
        "audio/aac" | "audio/amr" | "audio/mpeg" | "audio/mp4" | "audio/ogg" => {
            (MediaKind::Audio, 16 * MB)
        }
        "application/pdf"
        | "text/plain"
        | "application/msword"
        | "application/vnd.ms-excel"
        | "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            (MediaKind::Document, 100 * MB)
        }
        _ => return None,
    })
}

/// True when the first bytes match the claimed type (magic numbers).
#[must_use]
pub fn content_matches(mime: &str, bytes: &[u8]) -> bool {
    let starts = |m: &[u8]| bytes.starts_with(m);
    let ftyp = bytes.len() > 11 && &bytes[4..8] == b"ftyp";
    match mime {
        "image/jpeg" => starts(&[0xFF, 0xD8, 0xFF]),
        "image/png" => starts(b"\x89PNG\r\n\x1a\n"),
        "image/webp" => starts(b"RIFF") && bytes.len() > 11 && &bytes[8..12] == b"WEBP",
        "video/mp4" | "video/3gpp" | "audio/mp4" => ftyp,
        "audio/ogg" => starts(b"OggS"),
        "audio/amr" => starts(b"#!AMR"),
        "audio/mpeg" => {
            starts(b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
        }
        "audio/aac" => bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xF6 == 0xF0,
        "application/pdf" => starts(b"%PDF-"),
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint" => {
            starts(&[0xD0, 0xCF, 0x11, 0xE0])
        }
        m if m.starts_with("application/vnd.openxmlformats") => starts(b"PK\x03\x04"),
        "text/plain" => {
            std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_ok() || bytes.len() > 4096
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_types_and_limits() {
        assert_eq!(
            accepted("image/jpeg"),
            Some((MediaKind::Image, 5 * 1024 * 1024))
        );
        assert_eq!(
            accepted("application/pdf").map(|a| a.0),
            Some(MediaKind::Document)
        );
        assert_eq!(accepted("text/html"), None);
        assert_eq!(accepted("image/svg+xml"), None);
    }

    #[test]
    fn first_bytes_must_match_the_claimed_type() {
        assert!(content_matches("image/jpeg", b"\xFF\xD8\xFF\xE0rest"));
        assert!(!content_matches("image/jpeg", b"<html><script>"));
        assert!(content_matches("application/pdf", b"%PDF-1.7"));
        assert!(!content_matches("application/pdf", b"MZ\x90\x00"));
        assert!(content_matches("video/mp4", b"\x00\x00\x00\x18ftypmp42"));
        assert!(content_matches(
            "image/webp",
            b"RIFF\x00\x00\x00\x00WEBPVP8 "
        ));
    }
}
