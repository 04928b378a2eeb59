//! What can be wrong with an ASM XML body.

/// Why an XML body was refused. The server answers all of these with 400
/// `InvalidXmlRequest`. Messages are one line, name the cause, and quote at most a short
/// (shortened) element name from the input — never the input itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML (an unescaped `&` or `<` in text, unclosed or mismatched
    /// elements, an unknown entity reference, a character XML does not allow, …).
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The body has a DOCTYPE (and so possibly entity declarations). Refused outright;
    /// nothing in it is read or expanded.
    #[error("the XML has a DOCTYPE; document type and entity declarations are not accepted")]
    Doctype,
    /// The root element has another local name than the one the operation takes.
    #[error("the root element is <{found}>, expected <{expected}>")]
    WrongRoot { expected: String, found: String },
    /// Elements nest deeper than the limit.
    #[error("elements are nested more than {limit} levels deep")]
    TooDeep { limit: usize },
    /// The body is larger than the limit.
    #[error("the body is {size} bytes, more than the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    /// The body has more elements than the limit.
    #[error("the body has more than {limit} elements")]
    TooManyElements { limit: usize },
    /// The body is not UTF-8 (UTF-16, Latin-1, …).
    #[error("the body is not UTF-8 text: {0}")]
    NotUtf8(String),
    /// The body is empty (or only whitespace).
    #[error("the body is empty")]
    Empty,
    /// A JSON body (the Web Sites configuration's other encoding) is not JSON, or not an
    /// object: the cause and where, never the input.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// A label is not base64 of UTF-8 text.
    #[error("invalid label: {0}")]
    InvalidLabel(String),
    /// An element a reader needs is missing (response readers only).
    #[error("<{element}> is missing")]
    Missing { element: String },
    /// An element's text is not a value of its type (response readers only).
    #[error("invalid value in <{element}>: {message}")]
    InvalidValue { element: String, message: String },
}
