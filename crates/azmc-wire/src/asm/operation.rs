//! Errors (§3) and asynchronous operation status (§2).

use super::common::parse_response;
use super::dom::{Element, Limits, parse_document_with};
use super::values::{format_operation_id, normalize_operation_id};
use super::{XmlError, XmlWriter};
use crate::xmlcommon::shorten;
use std::fmt;
use std::str::FromStr;

/// An error body: `<Error …><Code>…</Code><Message>…</Message></Error>` (§3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorXml {
    /// `ResourceNotFound`, `ConflictError`, `InvalidXmlRequest`, …
    pub code: String,
    /// Human-readable text (escaped on output).
    pub message: String,
}

impl ErrorXml {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorXml {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The response body (root `Error` with the two namespace declarations).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Error");
        self.write_fields(&mut w);
        w.finish()
    }

    /// `<Error><Code>…</Code><Message>…</Message></Error>` inside another document.
    pub(crate) fn write_nested(&self, w: &mut XmlWriter) {
        w.open("Error");
        self.write_fields(w);
        w.close();
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Code", &self.code).text("Message", &self.message);
    }

    fn from_element(el: &Element) -> Option<ErrorXml> {
        let code = el.child_text("Code")?;
        Some(ErrorXml {
            code: code.to_owned(),
            message: el.child_text("Message").unwrap_or_default().to_owned(),
        })
    }
}

/// Read an error response: `Some` when the body is XML whose root is `Error` (any
/// namespace) with a `Code`. Extra elements (websites add `ExtendedCode`, `Parameters`, …)
/// are ignored; a missing `Message` reads as empty.
pub fn parse_error(body: &[u8]) -> Option<ErrorXml> {
    let doc = parse_document_with(body, Limits::RESPONSE).ok()?;
    if doc.name != "Error" {
        return None;
    }
    ErrorXml::from_element(&doc)
}

/// The Web Sites API's error body (the live service's `<Error>` for sites and webspaces):
/// `Code`, `Message`, then `ExtendedCode`, `MessageTemplate` (the message with `{0}`, `{1}`,
/// … for its parameters), `Parameters` (`a:string` items) and a nil `InnerErrors`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtendedErrorXml {
    /// `NotFound`, `Conflict`, `BadRequest`, …
    pub code: String,
    pub message: String,
    /// Five digits, e.g. `04009`.
    pub extended_code: String,
    pub message_template: String,
    pub parameters: Vec<String>,
}

impl ExtendedErrorXml {
    /// The response body (root `Error` with the two namespace declarations).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Error");
        w.text("Code", &self.code)
            .text("Message", &self.message)
            .text("ExtendedCode", &self.extended_code)
            .text("MessageTemplate", &self.message_template);
        w.open_with(
            "Parameters",
            &[("xmlns:a", super::website::NS_SERIALIZATION_ARRAYS)],
        );
        for p in &self.parameters {
            w.text("a:string", p);
        }
        w.close();
        w.nil("InnerErrors");
        w.finish()
    }
}

/// Read a Web Sites error body; `None` unless it is an `Error` with `Code` and
/// `ExtendedCode`.
pub fn parse_extended_error(body: &[u8]) -> Option<ExtendedErrorXml> {
    let doc = parse_document_with(body, Limits::RESPONSE).ok()?;
    if doc.name != "Error" {
        return None;
    }
    let text = |n: &str| doc.child_text(n).map(str::to_owned);
    Some(ExtendedErrorXml {
        code: text("Code")?,
        message: text("Message").unwrap_or_default(),
        extended_code: text("ExtendedCode")?,
        message_template: text("MessageTemplate").unwrap_or_default(),
        parameters: doc
            .child("Parameters")
            .map(|p| p.children_named("string").map(|s| s.text.clone()).collect())
            .unwrap_or_default(),
    })
}

/// The state of an asynchronous operation (exact case on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::InProgress => "InProgress",
            OperationStatus::Succeeded => "Succeeded",
            OperationStatus::Failed => "Failed",
        }
    }
}

impl fmt::Display for OperationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OperationStatus {
    type Err = XmlError;

    /// Exact case, as the clients compare it.
    fn from_str(s: &str) -> Result<Self, XmlError> {
        match s {
            "InProgress" => Ok(OperationStatus::InProgress),
            "Succeeded" => Ok(OperationStatus::Succeeded),
            "Failed" => Ok(OperationStatus::Failed),
            other => Err(XmlError::InvalidValue {
                element: "Status".to_owned(),
                message: format!(
                    "{:?} is not InProgress, Succeeded or Failed",
                    shorten(other)
                ),
            }),
        }
    }
}

/// `GET /{s}/operations/{id}` → `<Operation>` (§2); also the `OperationStatus` of a
/// subscription operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationStatusXml {
    /// The request id: 32 hex digits (hyphenated input is accepted too). Written as
    /// `<ID>` hyphenated 8-4-4-4-12; an id that is not 128 bits of hex is written as is.
    /// The readers give it back as 32 lower-case hex digits.
    pub id: String,
    pub status: OperationStatus,
    /// `<HttpStatusCode>`, written when `Some` (the live service sent it once the operation
    /// had finished, not while `InProgress`).
    pub http_status: Option<u16>,
    /// `<Error>`: written only for [`OperationStatus::Failed`]. A `Failed` operation always
    /// gets one — Python's poll loop only stops on `Succeeded` or an `<Error>` — so `None`
    /// there writes `InternalError`.
    pub error: Option<ErrorXml>,
}

impl OperationStatusXml {
    /// The response body, root `Operation`.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Operation");
        self.write_fields(&mut w);
        w.finish()
    }

    /// The fields inside an already opened element (`Operation` or `OperationStatus`).
    pub(crate) fn write_fields(&self, w: &mut XmlWriter) {
        let id = format_operation_id(&self.id).unwrap_or_else(|| self.id.clone());
        w.text("ID", &id).text("Status", self.status.as_str());
        if let Some(code) = self.http_status {
            w.int("HttpStatusCode", code);
        }
        if self.status == OperationStatus::Failed {
            match &self.error {
                Some(e) => e.write_nested(w),
                None => ErrorXml::new(
                    "InternalError",
                    "The server encountered an internal error. Please retry the request.",
                )
                .write_nested(w),
            }
        }
    }

    /// Read the fields of an `Operation` / `OperationStatus` element.
    pub(crate) fn from_element(el: &Element) -> Result<OperationStatusXml, XmlError> {
        let id = el.child_text("ID").unwrap_or_default().trim();
        let status = el
            .child_text("Status")
            .ok_or_else(|| XmlError::Missing {
                element: "Status".to_owned(),
            })?
            .trim()
            .parse()?;
        let http_status = match el.child_text("HttpStatusCode").map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(t.parse::<u16>().map_err(|_| XmlError::InvalidValue {
                element: "HttpStatusCode".to_owned(),
                message: format!("{:?} is not an HTTP status code", shorten(t)),
            })?),
        };
        let error = el.child("Error").and_then(ErrorXml::from_element);
        Ok(OperationStatusXml {
            id: normalize_operation_id(id).unwrap_or_else(|| id.to_owned()),
            status,
            http_status,
            error,
        })
    }
}

/// Read an operation status response (root `Operation`).
pub fn parse_operation_status(body: &[u8]) -> Result<OperationStatusXml, XmlError> {
    let doc = parse_response(body, "Operation")?;
    OperationStatusXml::from_element(&doc)
}

#[cfg(test)]
mod extended_error_tests {
    use super::*;

    /// Get Site of a deleted site, as the live service answered (test_delete_site).
    const RECORDED: &str = r#"<Error xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Code>NotFound</Code><Message>The web site uts625410cf cannot be found.</Message><ExtendedCode>04009</ExtendedCode><MessageTemplate>The web site {0} cannot be found.</MessageTemplate><Parameters xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><a:string>uts625410cf</a:string></Parameters><InnerErrors i:nil="true"/></Error>"#;

    #[test]
    fn the_recorded_error_is_read_and_written_back_byte_for_byte() {
        let e = parse_extended_error(RECORDED.as_bytes()).unwrap();
        assert_eq!(e.code, "NotFound");
        assert_eq!(e.extended_code, "04009");
        assert_eq!(e.parameters, ["uts625410cf"]);
        assert_eq!(e.to_xml(), RECORDED);
        // the plain reader still reads it
        let plain = parse_error(RECORDED.as_bytes()).unwrap();
        assert_eq!(plain.code, "NotFound");
        assert_eq!(plain.message, e.message);
        // not an extended error
        assert!(parse_extended_error(ErrorXml::new("X", "y").to_xml().as_bytes()).is_none());
        assert!(parse_extended_error(b"<Error><Code>").is_none());
        let hostile = ExtendedErrorXml {
            parameters: vec!["a<b&c".into()],
            ..e
        };
        assert_eq!(
            parse_extended_error(hostile.to_xml().as_bytes()).unwrap(),
            hostile
        );
    }
}
