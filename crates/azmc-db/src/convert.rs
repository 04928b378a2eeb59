//! Conversions between domain values and their stored form: times as unix microseconds,
//! folded keys, identifiers, continuation tokens.

use azmc_pki::Thumbprint;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;

use crate::error::DbError;

/// An instant as unix microseconds (sub-microsecond digits are dropped, rounding down).
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    let n = t.unix_timestamp_nanos().div_euclid(1000);
    // Every OffsetDateTime (years -9999..=9999) fits: i64 microseconds reach ±292,000 years.
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

/// The inverse of [`micros`].
pub(crate) fn from_micros(m: i64) -> Result<OffsetDateTime, DbError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000)
        .map_err(|_| DbError::Corrupt(format!("timestamp {m} is out of range")))
}

pub(crate) fn opt_from_micros(m: Option<i64>) -> Result<Option<OffsetDateTime>, DbError> {
    m.map(from_micros).transpose()
}

/// The case-insensitive key of a username.
pub(crate) fn user_key(username: &str) -> String {
    username.to_lowercase()
}

/// A subscription id as stored (lower case). Lookups of ids that are not GUIDs simply
/// find nothing.
pub(crate) fn sub_key(id: &str) -> String {
    id.to_ascii_lowercase()
}

/// A thumbprint as stored: 40 upper-case hex digits (its `Display`).
pub(crate) fn thumb_key(t: &Thumbprint) -> String {
    t.to_string()
}

/// Extended properties as stored: a JSON array of `[name, value]` pairs.
pub(crate) fn props_to_json(props: &[(String, String)]) -> String {
    serde_json::to_string(props).unwrap_or_else(|_| "[]".into())
}

/// The inverse of [`props_to_json`].
pub(crate) fn props_from_json(text: &str) -> Result<Vec<(String, String)>, DbError> {
    serde_json::from_str(text)
        .map_err(|e| DbError::Corrupt(format!("extended properties {text:?}: {e}")))
}

/// Merge the extended properties of an update into the stored ones: given names overwrite
/// their values, new names are appended, others are kept.
pub(crate) fn merge_props(props: &mut Vec<(String, String)>, update: &[(String, String)]) {
    for (n, v) in update {
        match props.iter_mut().find(|(k, _)| k == n) {
            Some(slot) => slot.1.clone_from(v),
            None => props.push((n.clone(), v.clone())),
        }
    }
}

fn all_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Validate a GUID in 8-4-4-4-12 form; returns it in lower case.
pub(crate) fn guid(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split('-').collect();
    let ok = parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && all_hex(p));
    ok.then(|| id.to_ascii_lowercase())
}

/// An operation id (32 hex digits, or a GUID 8-4-4-4-12, any case) as stored: 32
/// lower-case hex digits.
pub(crate) fn operation_key(id: &str) -> Option<String> {
    if id.len() == 32 && all_hex(id) {
        return Some(id.to_ascii_lowercase());
    }
    guid(id).map(|g| g.replace('-', ""))
}

/// The inverse of [`thumb_key`]: a stored thumbprint (40 hex digits, any case).
/// [`DbError::Corrupt`] for anything else.
pub(crate) fn thumbprint(stored: &str) -> Result<Thumbprint, DbError> {
    let corrupt = || DbError::Corrupt(format!("thumbprint {stored:?} is not 40 hex digits"));
    if stored.len() != 40 || !all_hex(stored) {
        return Err(corrupt());
    }
    stored.parse().map_err(|_| corrupt())
}

/// [`thumbprint`] of an optional stored value.
pub(crate) fn opt_thumbprint(stored: Option<String>) -> Result<Option<Thumbprint>, DbError> {
    stored.as_deref().map(thumbprint).transpose()
}

/// A continuation token for List Subscription Operations: the position after which the
/// next page starts. Opaque to callers.
pub(crate) fn encode_token(started_at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{started_at}:{id}"))
}

pub(crate) fn decode_token(token: &str) -> Result<(i64, String), DbError> {
    let bad = || DbError::Invalid("the continuation token is not valid".into());
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.splitn(3, ':');
    let (Some("v1"), Some(at), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let at: i64 = at.parse().map_err(|_| bad())?;
    let id = operation_key(id).ok_or_else(bad)?;
    Ok((at, id))
}

/// Operation parameters as stored: a JSON array of `[name, value]` pairs.
pub(crate) fn encode_parameters(p: &[(String, String)]) -> String {
    use serde_json::Value;
    let pairs = p
        .iter()
        .map(|(k, v)| Value::Array(vec![Value::from(k.as_str()), Value::from(v.as_str())]))
        .collect();
    Value::Array(pairs).to_string()
}

pub(crate) fn decode_parameters(s: &str) -> Result<Vec<(String, String)>, DbError> {
    let pairs: Vec<(String, String)> = serde_json::from_str(s)
        .map_err(|e| DbError::Corrupt(format!("operation parameters: {e}")))?;
    Ok(pairs)
}

/// Remove the password from a database URL (`user:secret@` and `password=` query
/// parameters), for `Debug` and error messages.
pub(crate) fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{user}:<redacted>@{host}"),
                    None => authority.to_owned(),
                },
                None => authority.to_owned(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => head.to_owned(),
    };
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=<redacted>"),
                _ => kv.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_at_microsecond_precision() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap();
        assert_eq!(from_micros(micros(t)).unwrap(), t);
        let before_epoch = OffsetDateTime::from_unix_timestamp_nanos(-1_500).unwrap();
        assert_eq!(micros(before_epoch), -2);
    }

    #[test]
    fn ids_normalise() {
        let hex = "26803AB0F361BB8A87B11A2F3B4E8C73";
        let hyphenated = "26803ab0-f361-bb8a-87b1-1a2f3b4e8c73";
        assert_eq!(operation_key(hex).unwrap(), hex.to_ascii_lowercase());
        assert_eq!(operation_key(hyphenated).unwrap(), hex.to_ascii_lowercase());
        assert_eq!(
            operation_key(&hyphenated.to_uppercase()).unwrap(),
            hex.to_ascii_lowercase()
        );
        assert!(operation_key("26803ab0f361bb8a87b11a2f3b4e8c7").is_none());
        assert!(operation_key("26803ab0-f361-bb8a-87b11a2f3b4e8c73").is_none());
        assert!(operation_key("z6803ab0f361bb8a87b11a2f3b4e8c73").is_none());
        assert!(guid("26803ab0-f361-bb8a-87b1-1a2f3b4e8c7g").is_none());
        let t = thumbprint(&"ab".repeat(20)).unwrap();
        assert_eq!(thumb_key(&t), "AB".repeat(20));
        assert_eq!(thumbprint(&thumb_key(&t)).unwrap(), t);
        for bad in [
            "ab".repeat(19),
            "zz".repeat(20),
            format!("{} ", "ab".repeat(20)),
        ] {
            assert!(
                matches!(thumbprint(&bad), Err(DbError::Corrupt(_))),
                "{bad}"
            );
        }
        assert_eq!(opt_thumbprint(None).unwrap(), None);
    }

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let id = "0123456789abcdef0123456789abcdef";
        let t = encode_token(-5, id);
        assert_eq!(decode_token(&t).unwrap(), (-5, id.to_owned()));
        for bad in ["", "!!", "djE6eHg6eXk", &URL_SAFE_NO_PAD.encode("v2:1:x")] {
            assert!(
                matches!(decode_token(bad), Err(DbError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn parameters_round_trip() {
        let p = vec![
            ("a".to_owned(), "1".to_owned()),
            ("quote\"".to_owned(), "é\n".to_owned()),
        ];
        assert_eq!(decode_parameters(&encode_parameters(&p)).unwrap(), p);
        assert_eq!(decode_parameters("[]").unwrap(), vec![]);
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://azmc:s3cret@db.example:5432/azmc?sslmode=require"),
            "postgres://azmc:<redacted>@db.example:5432/azmc?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql://u:p@ss:word@h/db"),
            "postgresql://u:<redacted>@h/db"
        );
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=x"),
            "postgres://h/db?user=u&password=<redacted>"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/azmc/azmc.db"),
            "sqlite:///var/lib/azmc/azmc.db"
        );
        assert_eq!(redact_url("sqlite:azmc.db"), "sqlite:azmc.db");
    }
}
