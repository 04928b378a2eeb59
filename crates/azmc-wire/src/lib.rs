//! `azmc-wire`: the documents azmc exchanges with the outside world, as types.
//!
//! * [`asm`]: the XML of the Service Management API (responses the server writes and the
//!   client reads, request bodies the server reads), so that server and client share one
//!   definition and cannot disagree.
//! * [`form`]: HTML form bodies (`application/x-www-form-urlencoded` and a strict
//!   `multipart/form-data` reader) as the portal receives them.
//! * [`publishsettings`]: the `.publishsettings` document that the classic Azure portal
//!   handed out and that the classic clients import: read (schema 1.0 and 2.0, as real
//!   files are written) and write (schema 2.0, in the one form every classic client reads).
//!
//! Boundary: bytes in, values out (and back). No files, no network, no clock. Certificates
//! are handed to `azmc-pki`; this crate only knows where they sit in the document.
//!
//! Departure from `architecture.md` ("serde structs"): both are read with
//! quick-xml's event reader rather than serde, because the document is untrusted input and
//! the readers must refuse DOCTYPEs and entity declarations outright, bound nesting depth,
//! and tolerate unknown elements and attributes — control that a derive does not give.

pub mod asm;
pub mod form;
pub mod publishsettings;
mod xmlcommon;
