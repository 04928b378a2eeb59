//! Request checks and small response helpers shared by the resource handlers: required
//! fields, labels, descriptions, extended properties, locations, the base URL of `Url`
//! elements and the `Location` header. Every error message here is the one the handlers
//! answered before they shared it (the end-to-end tests pin them).

use super::locations::canonical_location;
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use azmc_wire::asm::{XmlError, decode_label};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Parse the request body (read once, bounded, by the authorisation layer) with `parse`;
/// a body that does not parse is a 400 InvalidXmlRequest.
pub fn parse_input<T>(
    body: &[u8],
    parse: impl FnOnce(&[u8]) -> Result<T, XmlError>,
) -> Result<T, ApiError> {
    parse(body).map_err(ApiError::invalid_xml)
}

/// A required field: its value, or 400 "`{field}` is required.".
pub fn required<T>(value: Option<T>, field: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::bad_request(format!("{field} is required.")))
}

/// Base64 text as sent (whitespace and line breaks allowed): (the text without
/// whitespace, the decoded bytes), or 400 "`{field}` is not valid base64.".
pub fn decode_base64(text: &str, field: &str) -> Result<(String, Vec<u8>), ApiError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| ApiError::bad_request(format!("{field} is not valid base64.")))?;
    Ok((compact, bytes))
}

/// A `Label` from the wire: required, base64 of UTF-8, at most 100 characters.
pub fn label_of(b64: Option<&str>) -> Result<String, ApiError> {
    let b64 = required(b64, "Label")?;
    let text = decode_label(b64)
        .map_err(|e| ApiError::bad_request(format!("Label is not valid base64 text: {e}")))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("Label must not be empty."));
    }
    if text.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "Label is longer than 100 characters.",
        ));
    }
    Ok(text)
}

/// An optional `Label` (updates): checked as [`label_of`] when sent.
pub fn optional_label(b64: Option<&str>) -> Result<Option<String>, ApiError> {
    b64.map(|l| label_of(Some(l))).transpose()
}

/// A `Description`: at most 1024 characters.
pub fn check_description(d: Option<&str>) -> Result<(), ApiError> {
    if d.is_some_and(|d| d.chars().count() > 1024) {
        return Err(ApiError::bad_request(
            "Description is longer than 1024 characters.",
        ));
    }
    Ok(())
}

/// At most 50 extended properties; names `[A-Za-z][A-Za-z0-9_]*` up to 64 characters,
/// values up to 255.
pub fn check_extended_properties(props: &[(String, String)]) -> Result<(), ApiError> {
    if props.len() > 50 {
        return Err(ApiError::bad_request(
            "ExtendedProperties has more than 50 entries.",
        ));
    }
    for (n, v) in props {
        let ok = n.len() <= 64
            && n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(ApiError::bad_request(format!(
                "ExtendedProperty Name {n:?} must start with a letter, hold only letters, digits and underscores, and be at most 64 characters."
            )));
        }
        if v.chars().count() > 255 {
            return Err(ApiError::bad_request(format!(
                "ExtendedProperty Value of {n} is longer than 255 characters."
            )));
        }
    }
    Ok(())
}

/// The configured location matching `requested` (any case), in its configured spelling,
/// or 400 naming the available locations.
pub fn available_location(state: &AppState, requested: &str) -> Result<String, ApiError> {
    canonical_location(state, requested).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Location {requested:?} is not available; available locations: {}.",
            state.config.locations.join(", ")
        ))
    })
}

/// Exactly one of `Location` / `AffinityGroup` (cloud services, storage accounts): the
/// configured location if a location was given, `None` for an affinity group (the
/// database resolves it).
pub fn location_or_affinity_group(
    state: &AppState,
    location: Option<&str>,
    affinity_group: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match (location, affinity_group) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "Specify either Location or AffinityGroup, not both.",
        )),
        (None, None) => Err(ApiError::bad_request(
            "Location or AffinityGroup is required.",
        )),
        (Some(l), None) => available_location(state, l).map(Some),
        (None, Some(_)) => Ok(None),
    }
}

/// The fields every resource placed in a region or an affinity group is created with
/// (cloud services, storage accounts), as the request gave them.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    pub label: Option<&'a str>,
    pub description: Option<&'a str>,
    pub extended_properties: &'a [(String, String)],
    pub location: Option<&'a str>,
    pub affinity_group: Option<&'a str>,
}

/// A [`Placement`] checked: the decoded label, and the offered location (`None` when an
/// affinity group places it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub label: String,
    pub location: Option<String>,
}

/// Checks a [`Placement`]: the label, description and extended properties, and exactly one
/// of an offered location or an affinity group.
pub fn placed(state: &AppState, p: Placement<'_>) -> Result<Placed, ApiError> {
    let label = label_of(p.label)?;
    check_description(p.description)?;
    check_extended_properties(p.extended_properties)?;
    let location = location_or_affinity_group(state, p.location, p.affinity_group)?;
    Ok(Placed { label, location })
}

/// The base URL of this server as the client addressed it (for `Url` elements).
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("https://{host}")
}

/// `https://HOST` as the caller addressed us, else the first configured host name (for
/// `SelfLink` / `ParentLink` of SQL and web site bodies).
pub fn base_url_or_configured(headers: &HeaderMap, state: &AppState) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .or_else(|| state.config.hostnames.first().cloned())
        .unwrap_or_else(|| "localhost".into());
    format!("https://{host}")
}

/// Set the `Location` header of a create answer (left out if `url` is not a valid
/// header value).
pub fn with_location(mut r: Response, url: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(url) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use azmc_wire::asm::encode_label;

    #[test]
    fn labels_descriptions_and_properties() {
        assert_eq!(label_of(Some("bXlhZw==")).unwrap(), "myag");
        assert!(label_of(None).is_err() && label_of(Some("!!")).is_err());
        assert_eq!(label_of(None).unwrap_err().message, "Label is required.");
        let long = encode_label(&"x".repeat(101));
        assert!(label_of(Some(&long)).unwrap_err().message.contains("Label"));
        assert_eq!(optional_label(None).unwrap(), None);
        assert_eq!(
            optional_label(Some("bXlhZw==")).unwrap().as_deref(),
            Some("myag")
        );
        assert!(check_description(Some(&"d".repeat(1025))).is_err());
        assert!(check_description(Some(&"d".repeat(1024))).is_ok());
        assert!(check_extended_properties(&[("a_1".into(), "v".into())]).is_ok());
        assert!(check_extended_properties(&[("1a".into(), "v".into())]).is_err());
        assert!(check_extended_properties(&[("".into(), "v".into())]).is_err());
        assert!(check_extended_properties(&[("a".into(), "v".repeat(256))]).is_err());
        let many: Vec<_> = (0..51).map(|i| (format!("p{i}"), String::new())).collect();
        assert!(check_extended_properties(&many).is_err());
        assert_eq!(
            decode_base64(" AA\nEC ", "Data").unwrap(),
            ("AAEC".into(), vec![0, 1, 2])
        );
        assert_eq!(
            decode_base64("!", "Data").unwrap_err().message,
            "Data is not valid base64."
        );
        assert_eq!(
            required(None::<&str>, "ServiceName").unwrap_err().message,
            "ServiceName is required."
        );
    }
}
