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
