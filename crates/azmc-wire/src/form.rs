//! HTML form bodies, as a browser POSTs them: `application/x-www-form-urlencoded`
//! ([`pairs`]) and a small, strict `multipart/form-data` reader ([`boundary`],
//! [`multipart`]) for the portal's `.cer` upload.
//!
//! Written here rather than pulling in a general multipart crate: the portal needs only
//! small whole bodies (the caller caps their size before parsing), and this reader refuses
//! anything unusual. Bytes in, values out: no I/O. Work and memory are bounded by the
//! body's size (at most [`MAX_PARTS`] parts; every part's data is a copy of body bytes).

/// A file sent in a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The form field's `name`.
    pub name: String,
    /// The `filename` as sent (not checked: never use it as a path).
    pub filename: String,
    /// The part's bytes, as sent.
    pub data: Vec<u8>,
}

/// The fields (and files) of a POSTed form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posted {
    /// (name, value) of every non-file field, in order (repeats kept).
    pub fields: Vec<(String, String)>,
    /// Every file part, in order.
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

    /// The first file sent as field `name`.
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The most parts a multipart body may have ([`multipart`] refuses more).
pub const MAX_PARTS: usize = 200;

/// The pairs of a query string or urlencoded body, in order (`+` and percent escapes
/// decoded, invalid UTF-8 replaced by U+FFFD). Never fails.
pub fn pairs(data: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The boundary of a `multipart/form-data` content type (`Content-Type` header value):
/// `None` for any other type, or when the boundary is missing, empty or longer than 70
/// characters (RFC 2046).
pub fn boundary(content_type: &str) -> Option<String> {
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

/// Parse a whole `multipart/form-data` body. `None` if it is malformed: no opening
/// delimiter, a part without a `Content-Disposition: form-data; name=…` header, a header
/// that is not UTF-8 or has a line without `:`, a part without a closing delimiter, or
/// more than [`MAX_PARTS`] parts. Everything before the first delimiter (the preamble)
/// and after the final one (the epilogue) is ignored. Fields are read as lossy UTF-8;
/// files are kept as bytes.
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
