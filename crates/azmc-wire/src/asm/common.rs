//! Pieces shared by the resource bodies: extended properties, lists of texts
//! (`Capabilities`, role sizes), `ComputeCapabilities`, and the outer shape of list
//! bodies and of responses read by the client.

use super::dom::{Element, Limits, expect_root, parse_document_with};
use super::{XmlError, XmlWriter};

/// An `<ExtendedProperties>` list: (Name, Value) pairs in document order. Entries without
/// a `Name` are kept with an empty name (the server refuses them, naming the field).
pub fn read_extended_properties(el: Option<&Element>) -> Vec<(String, String)> {
    el.map(|props| {
        props
            .children_named("ExtendedProperty")
            .map(|p| {
                (
                    p.child_text("Name").unwrap_or_default().trim().to_owned(),
                    p.child_text("Value").unwrap_or_default().to_owned(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// `<ExtendedProperties>` with one `<ExtendedProperty><Name/><Value/>` per pair (always
/// written, empty when there are none).
pub(crate) fn write_extended_properties(w: &mut XmlWriter, props: &[(String, String)]) {
    w.open("ExtendedProperties");
    for (n, v) in props {
        w.open("ExtendedProperty")
            .text("Name", n)
            .text("Value", v)
            .close();
    }
    w.close();
}

/// `<ExtendedProperties>` in a request body: written only when there are some, as the
/// Python client does (the server reads an absent list and an empty one alike).
pub(crate) fn write_request_extended_properties(w: &mut XmlWriter, props: &[(String, String)]) {
    if !props.is_empty() {
        write_extended_properties(w, props);
    }
}

/// `<list><item>v</item>…</list>` (always written, empty when there are none).
pub(crate) fn write_texts(w: &mut XmlWriter, list: &str, item: &str, values: &[String]) {
    w.open(list);
    for v in values {
        w.text(item, v);
    }
    w.close();
}

/// The texts of `el/list/item`.
pub(crate) fn texts(el: Option<&Element>, list: &str, item: &str) -> Vec<String> {
    el.and_then(|e| e.child(list))
        .map(|l| {
            l.children_named(item)
                .filter_map(Element::value)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `<ComputeCapabilities>` with its two role size lists.
pub(crate) fn write_compute_capabilities(w: &mut XmlWriter, web: &[String], vm: &[String]) {
    w.open("ComputeCapabilities");
    write_texts(w, "WebWorkerRoleSizes", "RoleSize", web);
    write_texts(w, "VirtualMachinesRoleSizes", "RoleSize", vm);
    w.close();
}

/// (web/worker role sizes, VM role sizes) of a `ComputeCapabilities` element.
pub(crate) fn read_compute_capabilities(el: Option<&Element>) -> (Vec<String>, Vec<String>) {
    (
        texts(el, "WebWorkerRoleSizes", "RoleSize"),
        texts(el, "VirtualMachinesRoleSizes", "RoleSize"),
    )
}

/// A list body: root `root` holding one `item` element per entry, each filled by
/// `write_fields`.
pub(crate) fn list_to_xml<T>(
    root: &str,
    item: &str,
    items: &[T],
    write_fields: impl Fn(&T, &mut XmlWriter),
) -> String {
    let mut w = XmlWriter::root(root);
    for i in items {
        w.open(item);
        write_fields(i, &mut w);
        w.close();
    }
    w.finish()
}

/// A response body (read with the response limits) whose root must be `root`.
pub(crate) fn parse_response(body: &[u8], root: &str) -> Result<Element, XmlError> {
    expect_root(parse_document_with(body, Limits::RESPONSE)?, root)
}

/// A list response: root `root`, each `item` child read by `read`.
pub(crate) fn parse_response_list<T>(
    body: &[u8],
    root: &str,
    item: &str,
    read: impl Fn(&Element) -> T,
) -> Result<Vec<T>, XmlError> {
    Ok(parse_response(body, root)?
        .children_named(item)
        .map(read)
        .collect())
}

/// Values and helpers for the request-writer tests of the resource modules.
#[cfg(test)]
pub(crate) mod testing {
    /// A value with everything a writer must escape or replace: markup characters, both
    /// quotes, non-ASCII, a tab and a line feed (kept, as character references) and a C0
    /// control character (which XML cannot carry: written as U+FFFD). No surrounding
    /// whitespace, so trimming readers keep it whole.
    pub(crate) const HOSTILE: &str = "a<b>&amp; \"q\" 'p' é漢🎉\tx\ny\u{1}z]]>";

    /// [`HOSTILE`] as a reader gives it back.
    pub(crate) const HOSTILE_READ: &str = "a<b>&amp; \"q\" 'p' é漢🎉\tx\ny\u{FFFD}z]]>";

    /// A text as a reader gives it back after a writer wrote it: characters XML cannot carry
    /// become U+FFFD.
    pub(crate) fn read_back(text: &str) -> String {
        text.chars()
            .map(|c| {
                if crate::xmlcommon::is_xml_char(c) {
                    c
                } else {
                    '\u{FFFD}'
                }
            })
            .collect()
    }

    /// A field that readers trim, as read back: trimmed, `None` when empty.
    pub(crate) fn read_back_trimmed(text: Option<&str>) -> Option<String> {
        text.map(read_back)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// Extended properties as read back (names trimmed, values kept).
    pub(crate) fn read_back_properties(props: &[(String, String)]) -> Vec<(String, String)> {
        props
            .iter()
            .map(|(n, v)| (read_back(n).trim().to_owned(), read_back(v)))
            .collect()
    }

    /// Proptest strategies for request-body values: hostile characters included.
    pub(crate) mod strategies {
        use proptest::prelude::*;

        /// Any short text: markup, quotes, whitespace, a control character, non-ASCII.
        pub(crate) fn text() -> impl Strategy<Value = String> {
            "[\\x01\t\r\n a-zA-Z0-9<>&\"'=;é漢🎉-]{0,16}"
        }

        /// An optional [`text`].
        pub(crate) fn opt_text() -> impl Strategy<Value = Option<String>> {
            proptest::option::of(text())
        }

        /// Up to three extended properties.
        pub(crate) fn properties() -> impl Strategy<Value = Vec<(String, String)>> {
            proptest::collection::vec((text(), text()), 0..3)
        }
    }

    /// The root's children of a document (names, attributes, texts and nesting), for
    /// comparing a written body with a recorded one: equal unless the namespace declarations
    /// of the root (or their order) differ.
    pub(crate) fn children_of(xml: &str) -> Vec<super::Element> {
        match super::super::parse_document(xml.as_bytes()) {
            Ok(doc) => doc.children,
            Err(e) => panic!("not a document ({e}): {xml}"),
        }
    }
}
