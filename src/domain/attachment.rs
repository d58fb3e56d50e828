//! Files operators send to citizens: which types WhatsApp accepts, how large each may be, and
//! what a file really is, told from its first bytes (its magic number) and checked against the
//! type it was declared as. Plain data and rules; `api/upload.rs` streams the file and
//! `workflow/attachments.rs` records it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{AttachmentId, MessageId};

/// Meta counts in decimal megabytes; staying under its limits by that reading never sends a
/// file Meta refuses as too large.
const MB: u64 = 1_000_000;

/// How many of a file's first bytes `sniff` needs to tell every accepted type apart.
pub const SNIFF_BYTES: usize = 64;

/// What WhatsApp sends the file as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Image,
    Document,
    Audio,
    Video,
}

impl AttachmentKind {
    /// The message type and object name in Meta's send request.
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Image => "image",
            AttachmentKind::Document => "document",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Video => "video",
        }
    }

    /// Meta's limit for sending this kind.
    pub fn max_bytes(self) -> u64 {
        match self {
            AttachmentKind::Image => 5 * MB,
            AttachmentKind::Document => 100 * MB,
            AttachmentKind::Audio | AttachmentKind::Video => 16 * MB,
        }
    }

    /// Audio messages carry no caption on WhatsApp.
    pub fn takes_caption(self) -> bool {
        !matches!(self, AttachmentKind::Audio)
    }
}

/// The largest file any kind may be: the upload route's body limit is set from it.
pub const LARGEST_ATTACHMENT_BYTES: u64 = 100 * MB;

/// One type WhatsApp accepts for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedType {
    pub mime: &'static str,
    pub kind: AttachmentKind,
    /// File name endings that name this type.
    pub extensions: &'static [&'static str],
}

const fn accepted(
    mime: &'static str,
    kind: AttachmentKind,
    extensions: &'static [&'static str],
) -> AcceptedType {
    AcceptedType {
        mime,
        kind,
        extensions,
    }
}

const JPEG: AcceptedType = accepted("image/jpeg", AttachmentKind::Image, &["jpg", "jpeg"]);
const PNG: AcceptedType = accepted("image/png", AttachmentKind::Image, &["png"]);
const PDF: AcceptedType = accepted("application/pdf", AttachmentKind::Document, &["pdf"]);
const TEXT: AcceptedType = accepted("text/plain", AttachmentKind::Document, &["txt"]);
const DOC: AcceptedType = accepted("application/msword", AttachmentKind::Document, &["doc"]);
const XLS: AcceptedType = accepted(
    "application/vnd.ms-excel",
    AttachmentKind::Document,
    &["xls"],
);
const PPT: AcceptedType = accepted(
    "application/vnd.ms-powerpoint",
    AttachmentKind::Document,
    &["ppt"],
);
const DOCX: AcceptedType = accepted(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    AttachmentKind::Document,
    &["docx"],
);
const XLSX: AcceptedType = accepted(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    AttachmentKind::Document,
    &["xlsx"],
);
const PPTX: AcceptedType = accepted(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    AttachmentKind::Document,
    &["pptx"],
);
const AAC: AcceptedType = accepted("audio/aac", AttachmentKind::Audio, &["aac"]);
const AMR: AcceptedType = accepted("audio/amr", AttachmentKind::Audio, &["amr"]);
const MP3: AcceptedType = accepted("audio/mpeg", AttachmentKind::Audio, &["mp3"]);
const M4A: AcceptedType = accepted("audio/mp4", AttachmentKind::Audio, &["m4a"]);
const OGG: AcceptedType = accepted("audio/ogg", AttachmentKind::Audio, &["ogg", "opus"]);
const MP4: AcceptedType = accepted("video/mp4", AttachmentKind::Video, &["mp4"]);
const THREE_GP: AcceptedType = accepted("video/3gpp", AttachmentKind::Video, &["3gp"]);

/// Every type WhatsApp accepts for sending (Meta's media reference), stickers aside.
pub const ACCEPTED_TYPES: [AcceptedType; 17] = [
    JPEG, PNG, PDF, TEXT, DOC, XLS, PPT, DOCX, XLSX, PPTX, AAC, AMR, MP3, M4A, OGG, MP4, THREE_GP,
];

/// Why a file is not accepted; the message names what was found and what was claimed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeRefusal {
    #[error(
        "the file is not a type WhatsApp can send ({found}); send JPEG or PNG images, PDF, TXT or Office documents, AAC, AMR, MP3, M4A or OGG (OPUS) audio, or MP4 or 3GP video"
    )]
    Unsupported { found: String },
    #[error("the file's contents are {found} but it was declared as {claimed}")]
    Mismatch { found: String, claimed: String },
    #[error("the file is {found}; name its type ({choices}) in the file name or Content-Type")]
    Ambiguous { found: String, choices: String },
}

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signature {
    Known(&'static [AcceptedType], &'static str),
    Unsupported(&'static str),
}

fn signature_of(head: &[u8]) -> Signature {
    use Signature::{Known, Unsupported};
    const OLE2: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Known(&[JPEG], "a JPEG image");
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Known(&[PNG], "a PNG image");
    }
    if starts(b"%PDF-") {
        return Known(&[PDF], "a PDF document");
    }
    if starts(OLE2) {
        return Known(&[DOC, XLS, PPT], "an Office 97-2003 document");
    }
    if starts(b"PK\x03\x04") {
        return Known(&[DOCX, XLSX, PPTX], "a ZIP container (an Office document?)");
    }
    if starts(b"OggS") {
        return if contains(head, b"OpusHead") {
            Known(&[OGG], "OGG (OPUS) audio")
        } else {
            Unsupported("OGG audio that is not OPUS")
        };
    }
    if starts(b"#!AMR") {
        return Known(&[AMR], "AMR audio");
    }
    if starts(b"ID3") {
        return Known(&[MP3], "MP3 audio");
    }
    if head.get(4..8) == Some(b"ftyp") {
        let brand = head.get(8..12).unwrap_or_default();
        if brand.starts_with(b"M4A") || brand.starts_with(b"M4B") {
            return Known(&[M4A], "M4A audio");
        }
        if brand.starts_with(b"3gp") || brand.starts_with(b"3g2") {
            return Known(&[THREE_GP], "3GP video");
        }
        if brand == b"qt  " {
            return Unsupported("a QuickTime video");
        }
        return Known(&[MP4, M4A], "an MP4 container");
    }
    match head {
        // MPEG audio frame sync: layer III is MP3, layer "00" is AAC in ADTS framing.
        [0xFF, second, ..] if second & 0xE0 == 0xE0 => match second & 0x06 {
            0x02 => return Known(&[MP3], "MP3 audio"),
            0x00 if second & 0xF0 == 0xF0 => return Known(&[AAC], "AAC audio"),
            _ => {}
        },
        _ => {}
    }
    if starts(b"GIF8") {
        return Unsupported("a GIF image");
    }
    if starts(b"RIFF") {
        return Unsupported("a RIFF file (WEBP, WAV or AVI)");
    }
    if looks_like_text(head) {
        return Known(&[TEXT], "plain text");
    }
    Unsupported("an unrecognised binary file")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// UTF-8 without NUL or other control bytes than whitespace; a character cut at the end of the
/// head is allowed.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    valid
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

/// The declared Content-Type, lowercased, without parameters, with common aliases mapped to
/// Meta's names; `None` when it says nothing (absent, empty, `application/octet-stream`).
fn declared_mime(content_type: Option<&str>) -> Option<String> {
    let mime = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    let mime = match mime.as_str() {
        "" | "application/octet-stream" | "binary/octet-stream" => return None,
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_string(),
        "audio/mp3" | "audio/mpeg3" => "audio/mpeg".to_string(),
        "audio/m4a" | "audio/x-m4a" => "audio/mp4".to_string(),
        "audio/opus" => "audio/ogg".to_string(),
        "video/3gp" => "video/3gpp".to_string(),
        "audio/x-aac" => "audio/aac".to_string(),
        _ => mime,
    };
    Some(mime)
}

/// The accepted type a file name's ending names; `None` when it names none we know.
fn type_of_file_name(file_name: Option<&str>) -> Option<AcceptedType> {
    let (_, extension) = file_name?.rsplit_once('.')?;
    let extension = extension.to_ascii_lowercase();
    ACCEPTED_TYPES
        .into_iter()
        .find(|accepted| accepted.extensions.contains(&extension.as_str()))
}

/// What the file is: from its first bytes (at least `SNIFF_BYTES` unless the file is shorter),
/// checked against the declared Content-Type and the file name's ending. Both claims, when
/// they say anything, must agree with the contents; they only choose between the types a
/// container holds (an Office 97-2003 file is a .doc, .xls or .ppt).
pub fn sniff(
    head: &[u8],
    content_type: Option<&str>,
    file_name: Option<&str>,
) -> Result<AcceptedType, TypeRefusal> {
    let (candidates, found) = match signature_of(head) {
        Signature::Known(candidates, found) => (candidates, found),
        Signature::Unsupported(found) => {
            return Err(TypeRefusal::Unsupported {
                found: found.to_string(),
            });
        }
    };
    let mut chosen = None;
    if let Some(claimed) = declared_mime(content_type) {
        let Some(matching) = candidates.iter().find(|c| c.mime == claimed) else {
            return Err(TypeRefusal::Mismatch {
                found: found.to_string(),
                claimed,
            });
        };
        chosen = Some(*matching);
    }
    if let Some(named) = type_of_file_name(file_name) {
        if !candidates.contains(&named) {
            return Err(TypeRefusal::Mismatch {
                found: found.to_string(),
                claimed: format!("a .{} file", named.extensions[0]),
            });
        }
        chosen = chosen.or(Some(named));
    }
    if let Some(chosen) = chosen {
        return Ok(chosen);
    }
    match candidates {
        [only] => Ok(*only),
        // An MP4 container without a claim is sent as video, its most common use.
        [first, ..] if first.mime == MP4.mime => Ok(MP4),
        several => Err(TypeRefusal::Ambiguous {
            found: found.to_string(),
            choices: several
                .iter()
                .map(|accepted| format!(".{}", accepted.extensions[0]))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The id Meta gave the file when it was uploaded to the Graph API, and when: such ids last
/// 30 days, so an older one is uploaded again before a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphMediaId {
    pub id: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Meta keeps uploaded media 30 days; a day's margin covers a send that waits in retries.
pub const GRAPH_MEDIA_ID_LIFETIME_DAYS: i64 = 29;

impl GraphMediaId {
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        now - self.uploaded_at < chrono::Duration::days(GRAPH_MEDIA_ID_LIFETIME_DAYS)
    }
}

/// An uploaded file, kept as evidence of what was sent: who uploaded it, when, its hash (the
/// file itself is in the media store under that hash), and the messages that sent it. An
/// upload that is never sent is kept too, with its uploader (see README, "Replies with
/// media").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub kind: AttachmentKind,
    pub content_type: String,
    /// As the uploader's browser named it (shown to the citizen for documents).
    #[serde(default)]
    pub file_name: Option<String>,
    pub sha256_hex: String,
    pub size_bytes: u64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// The messages that sent it, oldest first.
    #[serde(default)]
    pub sent_in: Vec<MessageId>,
    /// Meta's id of the file, once uploaded to the Graph API.
    #[serde(default)]
    pub graph_media: Option<GraphMediaId>,
}

/// File names are shown to citizens and stored: control characters and paths are dropped, and
/// the name is cut to a length WhatsApp shows.
pub fn clean_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().to_string();
    (!cleaned.is_empty()).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn contents_decide_and_claims_must_agree() {
        assert_eq!(sniff(PNG_HEAD, Some("image/png"), Some("a.png")), Ok(PNG));
        assert_eq!(sniff(PNG_HEAD, None, None), Ok(PNG));
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF", Some("image/jpg"), None),
            Ok(JPEG)
        );
        let refused = sniff(PNG_HEAD, Some("application/pdf"), Some("surat.pdf")).unwrap_err();
        assert!(
            matches!(&refused, TypeRefusal::Mismatch { claimed, .. } if claimed == "application/pdf")
        );
        assert!(refused.to_string().contains("PNG image"));
        let renamed = sniff(PNG_HEAD, None, Some("surat.pdf")).unwrap_err();
        assert!(matches!(renamed, TypeRefusal::Mismatch { .. }));
        assert_eq!(
            sniff(
                b"%PDF-1.7\n",
                Some("application/octet-stream"),
                Some("x.PDF")
            ),
            Ok(PDF)
        );
    }

    #[test]
    fn containers_take_their_type_from_the_claim() {
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(sniff(&ole, None, Some("laporan.xls")), Ok(XLS));
        assert!(matches!(
            sniff(&ole, None, None),
            Err(TypeRefusal::Ambiguous { .. })
        ));
        assert_eq!(sniff(b"PK\x03\x04\x14\0", None, Some("a.docx")), Ok(DOCX));
        assert!(matches!(
            sniff(b"PK\x03\x04\x14\0", None, Some("a.zip")),
            Err(TypeRefusal::Ambiguous { .. })
        ));
    }

    #[test]
    fn audio_and_video_are_told_apart() {
        assert_eq!(
            sniff(b"ID3\x04\0", None, None).map(|t| t.kind),
            Ok(AttachmentKind::Audio)
        );
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64], None, None), Ok(MP3));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80], None, None), Ok(AAC));
        assert_eq!(sniff(b"#!AMR\n", None, None), Ok(AMR));
        let mut ogg = b"OggS\0\x02".to_vec();
        ogg.resize(28, 0);
        ogg.extend_from_slice(b"OpusHead");
        assert_eq!(sniff(&ogg, None, None), Ok(OGG));
        assert!(matches!(
            sniff(b"OggS\0\x02\0\0\x01vorbis", None, None),
            Err(TypeRefusal::Unsupported { .. })
        ));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0", None, None), Ok(MP4));
        assert_eq!(
            sniff(b"\0\0\0\x20ftypisom\0\0", Some("audio/m4a"), None),
            Ok(M4A)
        );
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0", None, None), Ok(M4A));
        assert_eq!(sniff(b"\0\0\0\x20ftyp3gp5\0\0", None, None), Ok(THREE_GP));
    }

    #[test]
    fn text_and_unknown_files() {
        assert_eq!(
            sniff("Surat panggilan\n".as_bytes(), None, Some("a.txt")),
            Ok(TEXT)
        );
        assert!(matches!(
            sniff(b"GIF89a", None, None),
            Err(TypeRefusal::Unsupported { .. })
        ));
        assert!(matches!(
            sniff(b"\0\x01\x02binary", None, None),
            Err(TypeRefusal::Unsupported { .. })
        ));
        assert!(matches!(
            sniff(b"", None, None),
            Err(TypeRefusal::Unsupported { .. })
        ));
    }

    #[test]
    fn limits_follow_meta() {
        assert_eq!(AttachmentKind::Image.max_bytes(), 5_000_000);
        assert_eq!(AttachmentKind::Audio.max_bytes(), 16_000_000);
        assert_eq!(
            AttachmentKind::Document.max_bytes(),
            LARGEST_ATTACHMENT_BYTES
        );
        assert!(!AttachmentKind::Audio.takes_caption());
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            clean_file_name("C:\\Users\\x\\surat\u{7}.pdf").as_deref(),
            Some("surat.pdf")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name("  "), None);
    }
}
