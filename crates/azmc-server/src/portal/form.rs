//! Form bodies: `application/x-www-form-urlencoded` and a small, strict
//! `multipart/form-data` reader (for the `.cer` upload), both behind one extractor with a
//! size cap. Written here rather than pulling in a general multipart crate: the portal
//! needs only small whole bodies, and this reader refuses anything unusual.

use super::{Portal, PortalError};
use axum::extract::{FromRequest, Request};
use axum::http::header;

/// A file sent in a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    pub name: String,
    pub filename: String,
    pub data: Vec<u8>,
}

/// The fields (and files) of a POSTed form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posted {
    pub fields: Vec<(String, String)>,
    pub files: Vec<FilePart>,
}

impl Posted {
    /// The first value of field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of field `name`, in order (checkbox lists).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The most parts a multipart body may have.
const MAX_PARTS: usize = 200;

/// The pairs of a query string or urlencoded body.
pub fn pairs(data: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The boundary of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        let v = v.trim().trim_matches('"');
        (k.trim().eq_ignore_ascii_case("boundary") && !v.is_empty() && v.len() <= 70)
            .then(|| v.to_string())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// `name` and `filename` of a `Content-Disposition: form-data; ...` header.
fn disposition(value: &str) -> Option<(String, Option<String>)> {
    let mut parts = value.split(';');
    if !parts.next()?.trim().eq_ignore_ascii_case("form-data") {
        return None;
    }
    let (mut name, mut filename) = (None, None);
    for p in parts {
        let Some((k, v)) = p.trim().split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v.to_string()),
            "filename" => filename = Some(v.to_string()),
            _ => {}
        }
    }
    Some((name?, filename))
}

/// Parse a whole `multipart/form-data` body. `None` if it is malformed.
pub fn multipart(body: &[u8], boundary: &str) -> Option<Posted> {
    let delim = format!("--{boundary}").into_bytes();
    let mut closing = b"\r\n".to_vec();
    closing.extend_from_slice(&delim);
    let mut pos = find(body, &delim, 0)? + delim.len();
    let mut out = Posted::default();
    for _ in 0..=MAX_PARTS {
        let rest = body.get(pos..)?;
        if rest.starts_with(b"--") {
            return Some(out);
        }
        if !rest.starts_with(b"\r\n") {
            return None;
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos)?;
        let head = std::str::from_utf8(&body[pos..head_end]).ok()?;
        let mut disp = None;
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(':')?;
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                disp = disposition(v);
            }
        }
        let (name, filename) = disp?;
        let start = head_end + 4;
        let end = find(body, &closing, start)?;
        let data = &body[start..end];
        match filename {
            Some(filename) => out.files.push(FilePart {
                name,
                filename,
                data: data.to_vec(),
            }),
            None => out
                .fields
                .push((name, String::from_utf8_lossy(data).into_owned())),
        }
        pos = end + closing.len();
    }
    None
}

impl FromRequest<Portal> for Posted {
    type Rejection = PortalError;

    async fn from_request(req: Request, portal: &Portal) -> Result<Self, PortalError> {
        let limit = portal.app.config.portal.upload_limit;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| {
                PortalError::TooLarge(format!(
                    "The form is larger than {} KiB. A management certificate (.cer) is a few KiB: choose the certificate file, not a .pfx or an archive.",
                    limit / 1024
                ))
            })?;
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if mime == "application/x-www-form-urlencoded" {
            return Ok(Posted {
                fields: pairs(&body),
                files: Vec::new(),
            });
        }
        if let Some(b) = boundary(&content_type) {
            return multipart(&body, &b)
                .ok_or_else(|| PortalError::BadRequest("The form data is malformed.".into()));
        }
        Err(PortalError::BadRequest(
            "Send the form as application/x-www-form-urlencoded or multipart/form-data.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_fields_and_files() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"subscription\"\r\n\r\na\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"subscription\"\r\n\r\nb\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"my.cer\"\r\nContent-Type: application/octet-stream\r\n\r\n\x30\x82\r\n\x00--X\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=\"XyZ\"";
        let p = multipart(body, &boundary(ct).unwrap()).unwrap();
        assert_eq!(p.get("csrf"), Some("tok"));
        assert_eq!(p.all("subscription"), vec!["a", "b"]);
        let f = p.file("certificate").unwrap();
        assert_eq!(f.filename, "my.cer");
        assert_eq!(f.data, b"\x30\x82\r\n\x00--X");
    }

    #[test]
    fn malformed_multipart_is_refused() {
        for body in [
            &b""[..],
            b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            b"--B\r\nX-No-Disposition: 1\r\n\r\nv\r\n--B--",
            b"--Bgarbage",
            b"--B\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--B--",
        ] {
            assert!(multipart(body, "B").is_none(), "{body:?}");
        }
        assert_eq!(boundary("text/plain; boundary=x"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn urlencoded_repeats() {
        let p = pairs(b"subscription=a&subscription=b&csrf=t%2Bx");
        assert_eq!(p.len(), 3);
        assert_eq!(p[2], ("csrf".into(), "t+x".into()));
    }
}
