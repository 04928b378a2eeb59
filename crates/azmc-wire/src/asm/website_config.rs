//! Web site configuration (`GET`/`PUT …/sites/{site}/config`) and the publish profile
//! (`GET …/sites/{site}/publishxml`).
//!
//! The configuration is one document in two encodings: XML (root `SiteConfig`, elements in
//! the data contract's alphabetical order, nil for unset values) for callers that do not ask
//! otherwise, and JSON (the same names, `null` for unset values) for the Node
//! `azure-asm-website` client and the classic `azure` CLI built on it, which send and accept
//! only `application/json`. Every field is optional: in a PUT an absent (or nil / `null`)
//! field keeps the stored value, as the live service did; an empty list clears one.
//!
//! The publish profile is the live service's `publishData` document (no namespace, no
//! declaration): a Web Deploy and an FTP `publishProfile`, the values in attributes.

use super::dom::{Element, parse_document, parse_flat};
use super::website::NS_SERIALIZATION_ARRAYS;
use super::{XmlError, XmlWriter, escape};
use crate::xmlcommon::shorten;
use serde_json::{Map, Value};

/// A `Name`/`Value` pair (app settings, metadata).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

/// A connection string (`ConnStringInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionStringInfo {
    pub name: String,
    pub connection_string: String,
    /// `Type`: `SQLAzure`, `SQLServer`, `MySql`, `Custom`, … (as sent).
    pub kind: String,
}

/// The connection string types, in the order of their numbers: the JSON encoding writes a
/// type as its number (as the live service's data contract serializer did, and as the
/// classic CLI sends it: `SQLAzure` is 2), the XML one as its name.
pub const CONNECTION_STRING_TYPES: &[&str] = &[
    "MySql",
    "SQLServer",
    "SQLAzure",
    "Custom",
    "NotificationHub",
    "ServiceBus",
    "EventHub",
    "ApiHub",
    "DocDb",
    "RedisCache",
    "PostgreSQL",
];

/// A handler mapping (`HandlerMapping`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandlerMapping {
    pub extension: String,
    pub script_processor: String,
    pub arguments: Option<String>,
}

/// A site's configuration. `None` is "not set" on output (nil / `null`) and "keep" on input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SiteConfig {
    pub always_on: Option<bool>,
    pub app_settings: Option<Vec<NameValue>>,
    pub connection_strings: Option<Vec<ConnectionStringInfo>>,
    pub default_documents: Option<Vec<String>>,
    pub detailed_error_logging_enabled: Option<bool>,
    pub document_root: Option<String>,
    pub handler_mappings: Option<Vec<HandlerMapping>>,
    pub http_logging_enabled: Option<bool>,
    pub logs_directory_size_limit: Option<i64>,
    /// `Integrated` or `Classic`.
    pub managed_pipeline_mode: Option<String>,
    pub metadata: Option<Vec<NameValue>>,
    pub net_framework_version: Option<String>,
    pub number_of_workers: Option<i64>,
    pub php_version: Option<String>,
    pub publishing_password: Option<String>,
    pub publishing_username: Option<String>,
    pub python_version: Option<String>,
    pub remote_debugging_enabled: Option<bool>,
    pub remote_debugging_version: Option<String>,
    pub request_tracing_enabled: Option<bool>,
    pub request_tracing_expiration_time: Option<String>,
    pub scm_type: Option<String>,
    pub use_32_bit_worker_process: Option<bool>,
    pub web_sockets_enabled: Option<bool>,
}

/// The scalar fields, by wire name, in document order: (name, kind, getter).
enum Scalar<'a> {
    Bool(Option<bool>),
    Int(Option<i64>),
    Text(Option<&'a str>),
}

impl SiteConfig {
    fn scalars(&self) -> Vec<(&'static str, Scalar<'_>)> {
        use Scalar::{Bool, Int, Text};
        vec![
            ("AlwaysOn", Bool(self.always_on)),
            (
                "DetailedErrorLoggingEnabled",
                Bool(self.detailed_error_logging_enabled),
            ),
            ("DocumentRoot", Text(self.document_root.as_deref())),
            ("HttpLoggingEnabled", Bool(self.http_logging_enabled)),
            (
                "LogsDirectorySizeLimit",
                Int(self.logs_directory_size_limit),
            ),
            (
                "ManagedPipelineMode",
                Text(self.managed_pipeline_mode.as_deref()),
            ),
            (
                "NetFrameworkVersion",
                Text(self.net_framework_version.as_deref()),
            ),
            ("NumberOfWorkers", Int(self.number_of_workers)),
            ("PhpVersion", Text(self.php_version.as_deref())),
            (
                "PublishingPassword",
                Text(self.publishing_password.as_deref()),
            ),
            (
                "PublishingUsername",
                Text(self.publishing_username.as_deref()),
            ),
            ("PythonVersion", Text(self.python_version.as_deref())),
            (
                "RemoteDebuggingEnabled",
                Bool(self.remote_debugging_enabled),
            ),
            (
                "RemoteDebuggingVersion",
                Text(self.remote_debugging_version.as_deref()),
            ),
            ("RequestTracingEnabled", Bool(self.request_tracing_enabled)),
            (
                "RequestTracingExpirationTime",
                Text(self.request_tracing_expiration_time.as_deref()),
            ),
            ("ScmType", Text(self.scm_type.as_deref())),
            (
                "Use32BitWorkerProcess",
                Bool(self.use_32_bit_worker_process),
            ),
            ("WebSocketsEnabled", Bool(self.web_sockets_enabled)),
        ]
    }

    /// Sets the scalar `name` from its text (`None`: leave unset). `InvalidValue` when the
    /// text is not a value of the field's type.
    fn set_scalar(&mut self, name: &str, text: Option<ScalarIn>) -> Result<(), XmlError> {
        let Some(v) = text else { return Ok(()) };
        let bad = |message: String| XmlError::InvalidValue {
            element: name.to_owned(),
            message,
        };
        let b = |v: ScalarIn| -> Result<bool, XmlError> {
            match v {
                ScalarIn::Bool(b) => Ok(b),
                ScalarIn::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" => Ok(true),
                    "false" | "0" => Ok(false),
                    _ => Err(bad("not true or false".into())),
                },
                ScalarIn::Int(_) => Err(bad("a number, not true or false".into())),
            }
        };
        let i = |v: ScalarIn| -> Result<i64, XmlError> {
            match v {
                ScalarIn::Int(n) => Ok(n),
                ScalarIn::Text(t) => t.trim().parse().map_err(|_| bad("not an integer".into())),
                ScalarIn::Bool(_) => Err(bad("true or false, not an integer".into())),
            }
        };
        let t = |v: ScalarIn| -> Result<String, XmlError> {
            match v {
                ScalarIn::Text(t) => Ok(t),
                ScalarIn::Int(n) => Ok(n.to_string()),
                ScalarIn::Bool(_) => Err(bad("true or false, not text".into())),
            }
        };
        match name {
            "AlwaysOn" => self.always_on = Some(b(v)?),
            "DetailedErrorLoggingEnabled" => self.detailed_error_logging_enabled = Some(b(v)?),
            "DocumentRoot" => self.document_root = Some(t(v)?),
            "HttpLoggingEnabled" => self.http_logging_enabled = Some(b(v)?),
            "LogsDirectorySizeLimit" => self.logs_directory_size_limit = Some(i(v)?),
            "ManagedPipelineMode" => self.managed_pipeline_mode = Some(t(v)?),
            "NetFrameworkVersion" => self.net_framework_version = Some(t(v)?),
            "NumberOfWorkers" => self.number_of_workers = Some(i(v)?),
            "PhpVersion" => self.php_version = Some(t(v)?),
            "PublishingPassword" => self.publishing_password = Some(t(v)?),
            "PublishingUsername" => self.publishing_username = Some(t(v)?),
            "PythonVersion" => self.python_version = Some(t(v)?),
            "RemoteDebuggingEnabled" => self.remote_debugging_enabled = Some(b(v)?),
            "RemoteDebuggingVersion" => self.remote_debugging_version = Some(t(v)?),
            "RequestTracingEnabled" => self.request_tracing_enabled = Some(b(v)?),
            "RequestTracingExpirationTime" => {
                self.request_tracing_expiration_time = Some(t(v)?);
            }
            "ScmType" => self.scm_type = Some(t(v)?),
            "Use32BitWorkerProcess" => self.use_32_bit_worker_process = Some(b(v)?),
            "WebSocketsEnabled" => self.web_sockets_enabled = Some(b(v)?),
            _ => {}
        }
        Ok(())
    }

    /// The XML document (root `SiteConfig`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("SiteConfig");
        let scalars = self.scalars();
        let scalar = |w: &mut XmlWriter, name: &str| {
            if let Some((_, v)) = scalars.iter().find(|(n, _)| *n == name) {
                match v {
                    Scalar::Bool(Some(b)) => {
                        w.bool(name, *b);
                    }
                    Scalar::Int(Some(i)) => {
                        w.int(name, *i);
                    }
                    Scalar::Text(Some(t)) => {
                        w.text(name, t);
                    }
                    _ => {
                        w.nil(name);
                    }
                }
            }
        };
        scalar(&mut w, "AlwaysOn");
        pairs_xml(&mut w, "AppSettings", self.app_settings.as_deref());
        match &self.connection_strings {
            None => {
                w.nil("ConnectionStrings");
            }
            Some(list) => {
                w.open("ConnectionStrings");
                for c in list {
                    w.open("ConnStringInfo")
                        .text("ConnectionString", &c.connection_string)
                        .text("Name", &c.name)
                        .text("Type", &c.kind)
                        .close();
                }
                w.close();
            }
        }
        match &self.default_documents {
            None => {
                w.nil("DefaultDocuments");
            }
            Some(list) => {
                w.open_with("DefaultDocuments", &[("xmlns:a", NS_SERIALIZATION_ARRAYS)]);
                for d in list {
                    w.text("a:string", d);
                }
                w.close();
            }
        }
        scalar(&mut w, "DetailedErrorLoggingEnabled");
        scalar(&mut w, "DocumentRoot");
        match &self.handler_mappings {
            None => {
                w.nil("HandlerMappings");
            }
            Some(list) => {
                w.open("HandlerMappings");
                for h in list {
                    w.open("HandlerMapping")
                        .text_or_nil("Arguments", h.arguments.as_deref())
                        .text("Extension", &h.extension)
                        .text("ScriptProcessor", &h.script_processor)
                        .close();
                }
                w.close();
            }
        }
        for n in [
            "HttpLoggingEnabled",
            "LogsDirectorySizeLimit",
            "ManagedPipelineMode",
        ] {
            scalar(&mut w, n);
        }
        pairs_xml(&mut w, "Metadata", self.metadata.as_deref());
        for n in [
            "NetFrameworkVersion",
            "NumberOfWorkers",
            "PhpVersion",
            "PublishingPassword",
            "PublishingUsername",
            "PythonVersion",
            "RemoteDebuggingEnabled",
            "RemoteDebuggingVersion",
            "RequestTracingEnabled",
            "RequestTracingExpirationTime",
            "ScmType",
            "Use32BitWorkerProcess",
            "WebSocketsEnabled",
        ] {
            scalar(&mut w, n);
        }
        w.finish()
    }

    /// The JSON document (what the Node client reads), unset fields `null`.
    pub fn to_json(&self) -> String {
        let mut m = Map::new();
        for (name, v) in self.scalars() {
            let v = match v {
                Scalar::Bool(b) => b.map_or(Value::Null, Value::Bool),
                Scalar::Int(i) => i.map_or(Value::Null, Value::from),
                Scalar::Text(t) => t.map_or(Value::Null, Value::from),
            };
            m.insert(name.to_owned(), v);
        }
        let pairs = |l: &Option<Vec<NameValue>>| match l {
            None => Value::Null,
            Some(l) => l
                .iter()
                .map(|p| serde_json::json!({ "Name": p.name, "Value": p.value }))
                .collect(),
        };
        m.insert("AppSettings".into(), pairs(&self.app_settings));
        m.insert("Metadata".into(), pairs(&self.metadata));
        m.insert(
            "ConnectionStrings".into(),
            match &self.connection_strings {
                None => Value::Null,
                Some(l) => l
                    .iter()
                    .map(|c| {
                        let kind = CONNECTION_STRING_TYPES
                            .iter()
                            .position(|t| *t == c.kind)
                            .map_or_else(|| Value::from(c.kind.as_str()), Value::from);
                        serde_json::json!({
                            "ConnectionString": c.connection_string,
                            "Name": c.name,
                            "Type": kind,
                        })
                    })
                    .collect(),
            },
        );
        m.insert(
            "DefaultDocuments".into(),
            self.default_documents.as_ref().map_or(Value::Null, |l| {
                l.iter().map(|d| Value::from(d.as_str())).collect()
            }),
        );
        m.insert(
            "HandlerMappings".into(),
            match &self.handler_mappings {
                None => Value::Null,
                Some(l) => l
                    .iter()
                    .map(|h| {
                        serde_json::json!({
                            "Arguments": h.arguments,
                            "Extension": h.extension,
                            "ScriptProcessor": h.script_processor,
                        })
                    })
                    .collect(),
            },
        );
        Value::Object(m).to_string()
    }
}

/// A scalar as read from either encoding.
enum ScalarIn {
    Bool(bool),
    Int(i64),
    Text(String),
}

fn pairs_xml(w: &mut XmlWriter, name: &str, list: Option<&[NameValue]>) {
    match list {
        None => {
            w.nil(name);
        }
        Some(list) => {
            w.open(name);
            for p in list {
                w.open("NameValuePair")
                    .text("Name", &p.name)
                    .text("Value", &p.value)
                    .close();
            }
            w.close();
        }
    }
}

const SCALARS: &[&str] = &[
    "AlwaysOn",
    "DetailedErrorLoggingEnabled",
    "DocumentRoot",
    "HttpLoggingEnabled",
    "LogsDirectorySizeLimit",
    "ManagedPipelineMode",
    "NetFrameworkVersion",
    "NumberOfWorkers",
    "PhpVersion",
    "PublishingPassword",
    "PublishingUsername",
    "PythonVersion",
    "RemoteDebuggingEnabled",
    "RemoteDebuggingVersion",
    "RequestTracingEnabled",
    "RequestTracingExpirationTime",
    "ScmType",
    "Use32BitWorkerProcess",
    "WebSocketsEnabled",
];

fn missing(parent: &str, element: &str) -> XmlError {
    XmlError::InvalidValue {
        element: parent.to_owned(),
        message: format!("an item without <{element}>"),
    }
}

fn xml_pairs(el: &Element, list: &str) -> Result<Vec<NameValue>, XmlError> {
    el.children_named("NameValuePair")
        .map(|p| {
            Ok(NameValue {
                name: p
                    .child("Name")
                    .and_then(Element::value)
                    .ok_or_else(|| missing(list, "Name"))?
                    .trim()
                    .to_owned(),
                value: p
                    .child("Value")
                    .and_then(Element::value)
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
        .collect()
}

/// Read a `SiteConfig` XML body (a PUT, or a GET answer): local names in any order, unknown
/// elements ignored, nil = absent.
pub fn parse_site_config(body: &[u8]) -> Result<SiteConfig, XmlError> {
    let doc = parse_flat(body, "SiteConfig")?;
    let mut c = SiteConfig::default();
    let present = |n: &str| doc.element(n).filter(|e| !e.is_nil());
    for name in SCALARS {
        let text = present(name).map(|e| ScalarIn::Text(e.text.clone()));
        c.set_scalar(name, text)?;
    }
    if let Some(e) = present("AppSettings") {
        c.app_settings = Some(xml_pairs(e, "AppSettings")?);
    }
    if let Some(e) = present("Metadata") {
        c.metadata = Some(xml_pairs(e, "Metadata")?);
    }
    if let Some(e) = present("ConnectionStrings") {
        c.connection_strings = Some(
            e.children_named("ConnStringInfo")
                .map(|i| {
                    Ok(ConnectionStringInfo {
                        name: i
                            .child("Name")
                            .and_then(Element::value)
                            .ok_or_else(|| missing("ConnectionStrings", "Name"))?
                            .trim()
                            .to_owned(),
                        connection_string: i
                            .child("ConnectionString")
                            .and_then(Element::value)
                            .unwrap_or_default()
                            .to_owned(),
                        kind: i
                            .child("Type")
                            .and_then(Element::value)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    })
                })
                .collect::<Result<_, XmlError>>()?,
        );
    }
    if let Some(e) = present("DefaultDocuments") {
        c.default_documents = Some(
            e.children_named("string")
                .filter_map(Element::value)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        );
    }
    if let Some(e) = present("HandlerMappings") {
        c.handler_mappings = Some(
            e.children_named("HandlerMapping")
                .map(|h| {
                    let text = |n: &str| h.child(n).and_then(Element::value).map(str::to_owned);
                    HandlerMapping {
                        extension: text("Extension").unwrap_or_default(),
                        script_processor: text("ScriptProcessor").unwrap_or_default(),
                        arguments: text("Arguments"),
                    }
                })
                .collect(),
        );
    }
    Ok(c)
}

fn json_bad(field: &str, message: &str) -> XmlError {
    XmlError::InvalidValue {
        element: shorten(field),
        message: message.to_owned(),
    }
}

fn json_str(v: &Value, field: &str) -> Result<Option<String>, XmlError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(json_bad(field, "expected text")),
    }
}

fn json_list<'a>(m: &'a Map<String, Value>, field: &str) -> Result<Option<&'a [Value]>, XmlError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(json_bad(field, "expected a list")),
    }
}

fn json_item<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>, XmlError> {
    v.as_object()
        .ok_or_else(|| json_bad(field, "expected a list of objects"))
}

fn json_pairs(m: &Map<String, Value>, field: &str) -> Result<Option<Vec<NameValue>>, XmlError> {
    let Some(list) = json_list(m, field)? else {
        return Ok(None);
    };
    list.iter()
        .map(|p| {
            let p = json_item(p, field)?;
            Ok(NameValue {
                name: json_str(p.get("Name").unwrap_or(&Value::Null), field)?
                    .ok_or_else(|| json_bad(field, "an item without Name"))?
                    .trim()
                    .to_owned(),
                value: json_str(p.get("Value").unwrap_or(&Value::Null), field)?.unwrap_or_default(),
            })
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// Read a JSON configuration body (the Node client's PUT, or a GET answer). Names as in the
/// XML (exact case), unknown names ignored, `null` = absent. Errors name the field, never
/// quote the input.
pub fn parse_site_config_json(body: &[u8]) -> Result<SiteConfig, XmlError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        XmlError::MalformedJson(format!(
            "{} at line {} column {}",
            match e.classify() {
                serde_json::error::Category::Io => "unreadable",
                serde_json::error::Category::Syntax => "a syntax error",
                serde_json::error::Category::Data => "an unexpected value",
                serde_json::error::Category::Eof => "the body ends early",
            },
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(m) = v else {
        return Err(XmlError::MalformedJson(
            "the body is not an object".to_owned(),
        ));
    };
    let mut c = SiteConfig::default();
    for name in SCALARS {
        let value = match m.get(*name) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(ScalarIn::Bool(*b)),
            Some(Value::Number(n)) => Some(
                n.as_i64()
                    .map(ScalarIn::Int)
                    .ok_or_else(|| json_bad(name, "not an integer"))?,
            ),
            Some(Value::String(s)) => Some(ScalarIn::Text(s.clone())),
            Some(_) => return Err(json_bad(name, "expected a value, not a list or object")),
        };
        c.set_scalar(name, value)?;
    }
    c.app_settings = json_pairs(&m, "AppSettings")?;
    c.metadata = json_pairs(&m, "Metadata")?;
    if let Some(list) = json_list(&m, "ConnectionStrings")? {
        let f = "ConnectionStrings";
        c.connection_strings = Some(
            list.iter()
                .map(|i| {
                    let i = json_item(i, f)?;
                    let get = |n: &str| json_str(i.get(n).unwrap_or(&Value::Null), f);
                    Ok(ConnectionStringInfo {
                        name: get("Name")?
                            .ok_or_else(|| json_bad(f, "an item without Name"))?
                            .trim()
                            .to_owned(),
                        connection_string: get("ConnectionString")?.unwrap_or_default(),
                        kind: match i.get("Type") {
                            Some(Value::Number(n)) => n
                                .as_u64()
                                .and_then(|n| usize::try_from(n).ok())
                                .and_then(|n| CONNECTION_STRING_TYPES.get(n))
                                .map(|t| (*t).to_owned())
                                .ok_or_else(|| json_bad(f, "a Type number that names no type"))?,
                            _ => get("Type")?.unwrap_or_default().trim().to_owned(),
                        },
                    })
                })
                .collect::<Result<_, XmlError>>()?,
        );
    }
    if let Some(list) = json_list(&m, "DefaultDocuments")? {
        c.default_documents = Some(
            list.iter()
                .map(|d| json_str(d, "DefaultDocuments"))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        );
    }
    if let Some(list) = json_list(&m, "HandlerMappings")? {
        let f = "HandlerMappings";
        c.handler_mappings = Some(
            list.iter()
                .map(|h| {
                    let h = json_item(h, f)?;
                    let get = |n: &str| json_str(h.get(n).unwrap_or(&Value::Null), f);
                    Ok(HandlerMapping {
                        extension: get("Extension")?.unwrap_or_default(),
                        script_processor: get("ScriptProcessor")?.unwrap_or_default(),
                        arguments: get("Arguments")?,
                    })
                })
                .collect::<Result<_, XmlError>>()?,
        );
    }
    Ok(c)
}

/// One `publishProfile` of a site's publish profile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublishProfile {
    pub profile_name: String,
    /// `MSDeploy` or `FTP`.
    pub publish_method: String,
    pub publish_url: String,
    /// Web Deploy only.
    pub msdeploy_site: Option<String>,
    /// FTP only (`True`).
    pub ftp_passive_mode: Option<String>,
    pub user_name: String,
    pub user_pwd: String,
    pub destination_app_url: String,
}

/// The `publishData` document (root without a namespace, as the live service answered).
pub fn publish_data_to_xml(profiles: &[PublishProfile]) -> String {
    let mut out = String::from("<publishData>");
    for p in profiles {
        let mut attrs: Vec<(&str, &str)> = vec![
            ("profileName", &p.profile_name),
            ("publishMethod", &p.publish_method),
            ("publishUrl", &p.publish_url),
        ];
        if let Some(s) = &p.msdeploy_site {
            attrs.push(("msdeploySite", s));
        }
        if let Some(f) = &p.ftp_passive_mode {
            attrs.push(("ftpPassiveMode", f));
        }
        attrs.extend([
            ("userName", p.user_name.as_str()),
            ("userPWD", p.user_pwd.as_str()),
            ("destinationAppUrl", p.destination_app_url.as_str()),
            ("SQLServerDBConnectionString", ""),
            ("mySQLDBConnectionString", ""),
            ("hostingProviderForumLink", ""),
            ("controlPanelLink", ""),
            ("webSystem", "WebSites"),
        ]);
        out.push_str("<publishProfile");
        for (k, v) in attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            out.push_str(&escape(v));
            out.push('"');
        }
        out.push_str("><databases/></publishProfile>");
    }
    out.push_str("</publishData>");
    out
}

/// Read a `publishData` document.
pub fn parse_publish_data(body: &[u8]) -> Result<Vec<PublishProfile>, XmlError> {
    let doc = parse_document(body)?;
    let doc = super::dom::expect_root(doc, "publishData")?;
    doc.children_named("publishProfile")
        .map(|p| {
            let need = |n: &str| {
                p.attr(n)
                    .map(str::to_owned)
                    .ok_or_else(|| XmlError::Missing {
                        element: format!("publishProfile/@{n}"),
                    })
            };
            Ok(PublishProfile {
                profile_name: need("profileName")?,
                publish_method: need("publishMethod")?,
                publish_url: need("publishUrl")?,
                msdeploy_site: p.attr("msdeploySite").map(str::to_owned),
                ftp_passive_mode: p.attr("ftpPassiveMode").map(str::to_owned),
                user_name: need("userName")?,
                user_pwd: need("userPWD")?,
                destination_app_url: need("destinationAppUrl")?,
            })
        })
        .collect()
}

/// The `GET …/sites/{site}/instanceids` body: `ArrayOfstring` in the serialization
/// arrays namespace, one `string` per running instance.
pub fn instance_ids_to_xml(ids: &[String]) -> String {
    let mut w = XmlWriter::root_ns("ArrayOfstring", NS_SERIALIZATION_ARRAYS);
    for id in ids {
        w.text("string", id);
    }
    w.finish()
}

/// Read an instance id list.
pub fn parse_instance_ids(body: &[u8]) -> Result<Vec<String>, XmlError> {
    let doc = super::dom::expect_root(parse_document(body)?, "ArrayOfstring")?;
    Ok(doc
        .children_named("string")
        .map(|s| s.text.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    fn full() -> SiteConfig {
        SiteConfig {
            always_on: Some(false),
            app_settings: Some(vec![NameValue {
                name: "k".into(),
                value: HOSTILE.into(),
            }]),
            connection_strings: Some(vec![ConnectionStringInfo {
                name: "db".into(),
                connection_string: "Server=x;Password=p&q".into(),
                kind: "SQLAzure".into(),
            }]),
            default_documents: Some(vec!["index.html".into(), "Default.htm".into()]),
            detailed_error_logging_enabled: Some(true),
            document_root: None,
            handler_mappings: Some(vec![HandlerMapping {
                extension: "*.php".into(),
                script_processor: "d:\\php\\php-cgi.exe".into(),
                arguments: None,
            }]),
            http_logging_enabled: Some(false),
            logs_directory_size_limit: Some(35),
            managed_pipeline_mode: Some("Integrated".into()),
            metadata: Some(vec![]),
            net_framework_version: Some("v4.0".into()),
            number_of_workers: Some(1),
            php_version: Some(String::new()),
            publishing_password: None,
            publishing_username: Some("$site".into()),
            python_version: Some("2.7".into()),
            remote_debugging_enabled: Some(false),
            remote_debugging_version: Some("VS2012".into()),
            request_tracing_enabled: Some(false),
            request_tracing_expiration_time: None,
            scm_type: Some("None".into()),
            use_32_bit_worker_process: Some(true),
            web_sockets_enabled: Some(false),
        }
    }

    #[test]
    fn instance_ids() {
        let xml = instance_ids_to_xml(&["a1".into(), HOSTILE.into()]);
        assert!(xml.starts_with("<ArrayOfstring xmlns=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"><string>a1</string>"), "{xml}");
        assert_eq!(
            parse_instance_ids(xml.as_bytes()).unwrap(),
            ["a1", HOSTILE_READ]
        );
        assert_eq!(
            instance_ids_to_xml(&[]),
            "<ArrayOfstring xmlns=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"></ArrayOfstring>"
        );
        let e = parse_instance_ids(b"<Sites/>").unwrap_err().to_string();
        assert!(e.contains("ArrayOfstring") && !e.contains('\n'), "{e}");
    }

    #[test]
    fn xml_round_trip_and_shape() {
        let c = full();
        let xml = c.to_xml();
        assert!(xml.starts_with("<SiteConfig xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><AlwaysOn>false</AlwaysOn><AppSettings><NameValuePair><Name>k</Name><Value>a&lt;b"), "{xml}");
        assert!(xml.contains("<ConnectionStrings><ConnStringInfo><ConnectionString>Server=x;Password=p&amp;q</ConnectionString><Name>db</Name><Type>SQLAzure</Type></ConnStringInfo></ConnectionStrings><DefaultDocuments xmlns:a=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"><a:string>index.html</a:string>"), "{xml}");
        assert!(xml.contains("<DocumentRoot i:nil=\"true\"/>"), "{xml}");
        assert!(xml.contains("<Metadata></Metadata>") || xml.contains("<Metadata/>"));
        assert!(xml.contains("<PhpVersion></PhpVersion>"), "{xml}");
        assert!(xml.ends_with("<Use32BitWorkerProcess>true</Use32BitWorkerProcess><WebSocketsEnabled>false</WebSocketsEnabled></SiteConfig>"), "{xml}");
        let mut expected = c.clone();
        expected.app_settings = Some(vec![NameValue {
            name: "k".into(),
            value: HOSTILE_READ.into(),
        }]);
        assert_eq!(parse_site_config(xml.as_bytes()).unwrap(), expected);
        let empty = SiteConfig::default();
        assert_eq!(parse_site_config(empty.to_xml().as_bytes()).unwrap(), empty);
    }

    #[test]
    fn json_round_trip_and_shape() {
        let c = full();
        let json = c.to_json();
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["AppSettings"][0]["Name"], "k");
        assert_eq!(v["ConnectionStrings"][0]["Type"], 2, "SQLAzure by number");
        assert_eq!(v["DocumentRoot"], Value::Null);
        assert_eq!(v["NumberOfWorkers"], 1);
        assert_eq!(v["Use32BitWorkerProcess"], true);
        assert_eq!(parse_site_config_json(json.as_bytes()).unwrap(), c);
        let empty = SiteConfig::default();
        assert_eq!(
            parse_site_config_json(empty.to_json().as_bytes()).unwrap(),
            empty
        );
    }

    #[test]
    fn connection_string_types_by_name_or_number() {
        let j = parse_site_config_json(br#"{"ConnectionStrings":[{"Name":"a","ConnectionString":"x","Type":2},{"Name":"b","Type":"Custom"},{"Name":"c","Type":"Oracle"}]}"#).unwrap();
        let kinds: Vec<_> = j
            .connection_strings
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.kind.as_str())
            .collect();
        assert_eq!(kinds, ["SQLAzure", "Custom", "Oracle"]);
        let v: Value = serde_json::from_str(&j.to_json()).unwrap();
        assert_eq!(v["ConnectionStrings"][0]["Type"], 2);
        assert_eq!(v["ConnectionStrings"][1]["Type"], 3);
        assert_eq!(v["ConnectionStrings"][2]["Type"], "Oracle");
        assert!(j.to_xml().contains("<Type>SQLAzure</Type>"));
    }

    #[test]
    fn partial_bodies_leave_the_rest_unset() {
        let x = parse_site_config(b"<SiteConfig><PhpVersion>5.6</PhpVersion><AppSettings i:nil=\"true\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"/><Unknown>1</Unknown></SiteConfig>").unwrap();
        assert_eq!(
            x,
            SiteConfig {
                php_version: Some("5.6".into()),
                ..Default::default()
            }
        );
        let j = parse_site_config_json(
            br#"{"WebSocketsEnabled":true,"AppSettings":[],"Other":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(
            j,
            SiteConfig {
                web_sockets_enabled: Some(true),
                app_settings: Some(vec![]),
                ..Default::default()
            }
        );
    }

    #[test]
    fn malformed_bodies_are_one_line_errors_naming_the_input() {
        for (body, needle) in [
            (&b"<SiteConfig><NumberOfWorkers>many</NumberOfWorkers></SiteConfig>"[..], "NumberOfWorkers"),
            (b"<SiteConfig><WebSocketsEnabled>yes</WebSocketsEnabled></SiteConfig>", "WebSocketsEnabled"),
            (b"<SiteConfig><AppSettings><NameValuePair><Value>v</Value></NameValuePair></AppSettings></SiteConfig>", "AppSettings"),
            (b"<Site/>", "SiteConfig"),
            (b"<SiteConfig><PhpVersion>5</SiteConfig>", "malformed"),
        ] {
            let e = parse_site_config(body).unwrap_err().to_string();
            assert!(e.contains(needle) && !e.contains('\n'), "{e}");
        }
        for (body, needle) in [
            (&br#"{"NumberOfWorkers":"many"}"#[..], "NumberOfWorkers"),
            (br#"{"NumberOfWorkers":1.5}"#, "NumberOfWorkers"),
            (br#"{"WebSocketsEnabled":[true]}"#, "WebSocketsEnabled"),
            (br#"{"AppSettings":{"k":"v"}}"#, "AppSettings"),
            (
                br#"{"ConnectionStrings":[{"ConnectionString":"secret-value"}]}"#,
                "ConnectionStrings",
            ),
            (br#"["x"]"#, "object"),
            (
                br#"{"ConnectionStrings":[{"Name":"a","Type":99}]}"#,
                "ConnectionStrings",
            ),
            (br#"{"PhpVersion":"#, "JSON"),
        ] {
            let e = parse_site_config_json(body).unwrap_err().to_string();
            assert!(e.contains(needle) && !e.contains('\n'), "{e}");
            assert!(!e.contains("secret-value") && !e.contains("many"), "{e}");
        }
    }

    const RECORDED_PUBLISH_DATA: &str = r#"<publishData><publishProfile profileName="utsf8a4142e - Web Deploy" publishMethod="MSDeploy" publishUrl="utsf8a4142e.scm.azurewebsites.net:443" msdeploySite="utsf8a4142e" userName="$utsf8a4142e" userPWD="NnKnqjY45SncyuaovlvKplPRreogjJ71FAJd0hnDBdFuQe9G4Znb2xBSH5Dk" destinationAppUrl="http://utsf8a4142e.azurewebsites.net" SQLServerDBConnectionString="" mySQLDBConnectionString="" hostingProviderForumLink="" controlPanelLink="" webSystem="WebSites"><databases/></publishProfile><publishProfile profileName="utsf8a4142e - FTP" publishMethod="FTP" publishUrl="ftp://waws-prod-blu-003.ftp.azurewebsites.windows.net/site/wwwroot" ftpPassiveMode="True" userName="utsf8a4142e\$utsf8a4142e" userPWD="NnKnqjY45SncyuaovlvKplPRreogjJ71FAJd0hnDBdFuQe9G4Znb2xBSH5Dk" destinationAppUrl="http://utsf8a4142e.azurewebsites.net" SQLServerDBConnectionString="" mySQLDBConnectionString="" hostingProviderForumLink="" controlPanelLink="" webSystem="WebSites"><databases/></publishProfile></publishData>"#;

    #[test]
    fn publish_data_matches_the_recording() {
        let profiles = parse_publish_data(RECORDED_PUBLISH_DATA.as_bytes()).unwrap();
        assert_eq!(profiles.len(), 2);
        assert_eq!(profiles[0].msdeploy_site.as_deref(), Some("utsf8a4142e"));
        assert_eq!(profiles[1].user_name, "utsf8a4142e\\$utsf8a4142e");
        assert_eq!(publish_data_to_xml(&profiles), RECORDED_PUBLISH_DATA);
        let hostile = PublishProfile {
            user_pwd: HOSTILE.into(),
            ..profiles[0].clone()
        };
        let back = parse_publish_data(publish_data_to_xml(&[hostile]).as_bytes()).unwrap();
        assert_eq!(back[0].profile_name, profiles[0].profile_name);
        for (body, needle) in [
            (
                &b"<publishData><publishProfile profileName=\"x\"/></publishData>"[..],
                "publishMethod",
            ),
            (b"<Error/>", "publishData"),
            (b"<publishData", "malformed"),
        ] {
            let e = parse_publish_data(body).unwrap_err().to_string();
            assert!(e.contains(needle) && !e.contains('\n'), "{e}");
        }
    }
}
