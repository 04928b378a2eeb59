//! The body of the `forms` fuzz target, shared with azmc-wire's `fuzz_bodies` test (which
//! runs it over the seeds and mutations of them on stable): the portal's form readers of
//! `azmc_wire::form` on arbitrary bytes.
//!
//! * `pairs(data)`: never panics; the decoded pairs are at most three times the input
//!   (percent escapes shrink, an invalid byte becomes a 3-byte U+FFFD).
//! * `multipart(data, boundary)` with the boundary of the first line — read as a
//!   `Content-Type` value by `boundary()` if it is one (the rest of the data is then the
//!   body, the line its preamble), else the line itself less a leading `--` (a body that
//!   starts with its first delimiter) — and with the fixed boundary `XyZ`. What parses has
//!   at most `MAX_PARTS` parts and no more file bytes than the input.
//! * `Posted::get`, `all` and `file` agree with the parsed fields and files.

use azmc_wire::form::{self, MAX_PARTS, Posted};

/// Run every form reader on `data`; panics on a broken invariant.
pub fn run(data: &[u8]) {
    let pairs = form::pairs(data);
    let decoded: usize = pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(
        decoded <= 3 * data.len(),
        "pairs: {decoded} bytes decoded from {} bytes",
        data.len()
    );
    check_lookups(&Posted {
        fields: pairs,
        files: Vec::new(),
    });

    let line = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end_matches('\r');
    let from_header = form::boundary(line);
    if let Some(b) = &from_header {
        assert!(!b.is_empty() && b.len() <= 70, "boundary {b:?} of {line:?}");
    }
    let first = from_header.or_else(|| line.strip_prefix("--").map(str::to_owned));
    for boundary in first.iter().map(String::as_str).chain(["XyZ"]) {
        let Some(posted) = form::multipart(data, boundary) else {
            continue;
        };
        let parts = posted.fields.len() + posted.files.len();
        assert!(parts <= MAX_PARTS, "{parts} parts");
        let file_bytes: usize = posted.files.iter().map(|f| f.data.len()).sum();
        assert!(
            file_bytes <= data.len(),
            "{file_bytes} file bytes from {} bytes",
            data.len()
        );
        let text: usize = posted.fields.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(text <= 3 * data.len(), "{text} field bytes");
        check_lookups(&posted);
    }
}

fn check_lookups(posted: &Posted) {
    for (name, value) in &posted.fields {
        let all = posted.all(name);
        assert!(
            all.contains(&value.as_str()),
            "all({name:?}) lacks {value:?}"
        );
        assert_eq!(posted.get(name), all.first().copied(), "get({name:?})");
    }
    for file in &posted.files {
        let found = posted.file(&file.name);
        assert!(
            found.is_some_and(|f| f.name == file.name),
            "file({:?})",
            file.name
        );
    }
}
