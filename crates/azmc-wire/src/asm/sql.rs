//! SQL Database servers (classic, §4.10): `/{s}/services/sqlservers/servers[/{srv}]` and
//! their firewall rules. Server bodies use the SQL Azure namespace
//! ([`NS_SQL_AZURE`]); firewall rules the ordinary windowsazure one.

use super::common::{list_to_xml, parse_response, parse_response_list};
use super::dom::{Element, expect_root, parse_document, parse_flat};
use super::{XmlError, XmlWriter, escape};

/// The default namespace of SQL server request and response bodies.
pub const NS_SQL_AZURE: &str = "http://schemas.microsoft.com/sqlazure/2010/12/";

/// The body of Create Server (root `Server`). Absent, empty or nil fields are `None`;
/// the login, location and version are trimmed, the password is kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlServerInput {
    pub administrator_login: Option<String>,
    pub administrator_login_password: Option<String>,
    pub location: Option<String>,
    pub version: Option<String>,
}

impl SqlServerInput {
    /// The Create Server body as the Python client sends it: root `Server` in the SQL
    /// Azure namespace ([`NS_SQL_AZURE`], no `i` prefix, no XML declaration), then
    /// `AdministratorLogin`, `AdministratorLoginPassword`, `Location` and Node's
    /// `Version`; `None` fields are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root_ns("Server", NS_SQL_AZURE);
        w.opt_text("AdministratorLogin", self.administrator_login.as_deref())
            .opt_text(
                "AdministratorLoginPassword",
                self.administrator_login_password.as_deref(),
            )
            .opt_text("Location", self.location.as_deref())
            .opt_text("Version", self.version.as_deref());
        w.finish()
    }
}

/// Read a Create Server body.
pub fn parse_sql_server_input(body: &[u8]) -> Result<SqlServerInput, XmlError> {
    let doc = parse_flat(body, "Server")?;
    let trimmed = |n| doc.get_trimmed(n).map(str::to_owned);
    Ok(SqlServerInput {
        administrator_login: trimmed("AdministratorLogin"),
        administrator_login_password: doc
            .get("AdministratorLoginPassword")
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        location: trimmed("Location"),
        version: trimmed("Version"),
    })
}

/// Read a Set Server Administrator Password body (root `AdministratorLoginPassword`, the
/// password as its text). `None` when empty or nil.
pub fn parse_sql_admin_password(body: &[u8]) -> Result<Option<String>, XmlError> {
    let root = expect_root(parse_document(body)?, "AdministratorLoginPassword")?;
    Ok(root.value().filter(|p| !p.is_empty()).map(str::to_owned))
}

/// The Set Server Administrator Password body:
/// `<AdministratorLoginPassword xmlns="…sqlazure/2010/12/">password</AdministratorLoginPassword>`.
pub fn sql_admin_password_to_xml(password: &str) -> String {
    let mut w = XmlWriter::root_ns("AdministratorLoginPassword", NS_SQL_AZURE);
    w.content(password);
    w.finish()
}

/// Read a Create Server answer (`<ServerName FullyQualifiedDomainName="…">name</ServerName>`,
/// what [`sql_server_name_to_xml`] writes): the server name, trimmed. An empty or nil
/// name is an error.
pub fn parse_sql_server_name(body: &[u8]) -> Result<String, XmlError> {
    let doc = parse_response(body, "ServerName")?;
    match doc.value().map(str::trim) {
        None => Err(XmlError::Missing {
            element: "ServerName".into(),
        }),
        Some("") => Err(XmlError::InvalidValue {
            element: "ServerName".into(),
            message: "the server name is empty".into(),
        }),
        Some(name) => Ok(name.to_owned()),
    }
}

/// `<name>text</name>` in a hand-built document.
fn leaf(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// The Create Server answer: `<ServerName FullyQualifiedDomainName="…">name</ServerName>`.
pub fn sql_server_name_to_xml(name: &str, fqdn: &str) -> String {
    format!(
        "<ServerName FullyQualifiedDomainName=\"{}\" xmlns=\"{NS_SQL_AZURE}\">{}</ServerName>",
        escape(fqdn),
        escape(name)
    )
}

/// One server in List Servers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlServerXml {
    pub name: String,
    pub administrator_login: String,
    pub location: String,
    pub fully_qualified_domain_name: String,
    pub version: String,
    pub state: String,
}

/// The List Servers body (root `Servers` in the SQL Azure namespace).
pub fn sql_servers_to_xml(servers: &[SqlServerXml]) -> String {
    let mut out = format!("<Servers xmlns=\"{NS_SQL_AZURE}\">");
    for s in servers {
        out.push_str("<Server>");
        leaf(&mut out, "Name", &s.name);
        leaf(&mut out, "AdministratorLogin", &s.administrator_login);
        leaf(&mut out, "Location", &s.location);
        leaf(
            &mut out,
            "FullyQualifiedDomainName",
            &s.fully_qualified_domain_name,
        );
        leaf(&mut out, "Version", &s.version);
        leaf(&mut out, "State", &s.state);
        out.push_str("</Server>");
    }
    out.push_str("</Servers>");
    out
}

/// Read a List Servers response.
pub fn parse_sql_servers(body: &[u8]) -> Result<Vec<SqlServerXml>, XmlError> {
    let text = |el: &Element, n: &str| el.child_text(n).unwrap_or_default().trim().to_owned();
    parse_response_list(body, "Servers", "Server", |el| SqlServerXml {
        name: text(el, "Name"),
        administrator_login: text(el, "AdministratorLogin"),
        location: text(el, "Location"),
        fully_qualified_domain_name: text(el, "FullyQualifiedDomainName"),
        version: text(el, "Version"),
        state: text(el, "State"),
    })
}

/// The body of Create / Update Firewall Rule (root `ServiceResource`), trimmed; absent,
/// empty or nil fields are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FirewallRuleInput {
    pub name: Option<String>,
    pub start_ip_address: Option<String>,
    pub end_ip_address: Option<String>,
}

impl FirewallRuleInput {
    /// The Create / Update Firewall Rule body as the Python client sends it: root
    /// `ServiceResource` declaring only the windowsazure namespace (no `i` prefix, no XML
    /// declaration), then `Name`, `StartIPAddress`, `EndIPAddress`; `None` fields are left
    /// out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root_ns("ServiceResource", super::NS_WINDOWS_AZURE);
        w.opt_text("Name", self.name.as_deref())
            .opt_text("StartIPAddress", self.start_ip_address.as_deref())
            .opt_text("EndIPAddress", self.end_ip_address.as_deref());
        w.finish()
    }
}

/// Read a firewall rule body.
pub fn parse_firewall_rule_input(body: &[u8]) -> Result<FirewallRuleInput, XmlError> {
    let doc = parse_flat(body, "ServiceResource")?;
    let trimmed = |n| doc.get_trimmed(n).map(str::to_owned);
    Ok(FirewallRuleInput {
        name: trimmed("Name"),
        start_ip_address: trimmed("StartIPAddress"),
        end_ip_address: trimmed("EndIPAddress"),
    })
}

/// A firewall rule as answered (Get, Create, Update, and each item of List).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FirewallRuleXml {
    pub name: String,
    pub self_link: String,
    pub parent_link: String,
    pub start_ip_address: String,
    pub end_ip_address: String,
}

/// The `Type` of every firewall rule.
pub const FIREWALL_RULE_TYPE: &str = "Microsoft.SqlAzure.FirewallRule";

impl FirewallRuleXml {
    /// Root `ServiceResource`.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("ServiceResource");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("Type", FIREWALL_RULE_TYPE)
            .text("State", "Normal")
            .text("SelfLink", &self.self_link)
            .text("ParentLink", &self.parent_link)
            .text("StartIPAddress", &self.start_ip_address)
            .text("EndIPAddress", &self.end_ip_address);
    }

    fn from_element(el: &Element) -> Self {
        let text = |n: &str| el.child_text(n).unwrap_or_default().to_owned();
        FirewallRuleXml {
            name: text("Name"),
            self_link: text("SelfLink"),
            parent_link: text("ParentLink"),
            start_ip_address: text("StartIPAddress"),
            end_ip_address: text("EndIPAddress"),
        }
    }
}

/// The List Firewall Rules body (root `ServiceResources`).
pub fn firewall_rules_to_xml(rules: &[FirewallRuleXml]) -> String {
    list_to_xml(
        "ServiceResources",
        "ServiceResource",
        rules,
        FirewallRuleXml::write_fields,
    )
}

/// Read a Get / Create / Update Firewall Rule response.
pub fn parse_firewall_rule(body: &[u8]) -> Result<FirewallRuleXml, XmlError> {
    let doc = parse_response(body, "ServiceResource")?;
    Ok(FirewallRuleXml::from_element(&doc))
}

/// Read a List Firewall Rules response.
pub fn parse_firewall_rules(body: &[u8]) -> Result<Vec<FirewallRuleXml>, XmlError> {
    parse_response_list(
        body,
        "ServiceResources",
        "ServiceResource",
        FirewallRuleXml::from_element,
    )
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ, children_of};
    use super::*;

    #[test]
    fn request_bodies_round_trip() {
        let full = SqlServerInput {
            administrator_login: Some("azuredb".into()),
            administrator_login_password: Some(format!(" {HOSTILE} ")),
            location: Some("West US".into()),
            version: Some("12.0".into()),
        };
        let xml = full.to_xml();
        assert!(xml.starts_with("<Server xmlns=\"http://schemas.microsoft.com/sqlazure/2010/12/\"><AdministratorLogin>azuredb</AdministratorLogin><AdministratorLoginPassword> a&lt;b"), "{xml}");
        assert!(xml.ends_with("</AdministratorLoginPassword><Location>West US</Location><Version>12.0</Version></Server>"), "{xml}");
        assert_eq!(
            parse_sql_server_input(xml.as_bytes()).unwrap(),
            SqlServerInput {
                administrator_login_password: Some(format!(" {HOSTILE_READ} ")),
                ..full
            }
        );
        let bare = SqlServerInput {
            administrator_login: Some("azuredb".into()),
            administrator_login_password: Some("pw".into()),
            location: Some("West US".into()),
            version: None,
        };
        assert_eq!(
            parse_sql_server_input(bare.to_xml().as_bytes()).unwrap(),
            bare
        );

        let pw = sql_admin_password_to_xml("U6jj-C59y");
        assert_eq!(
            pw,
            "<AdministratorLoginPassword xmlns=\"http://schemas.microsoft.com/sqlazure/2010/12/\">U6jj-C59y</AdministratorLoginPassword>"
        );
        assert_eq!(
            parse_sql_admin_password(sql_admin_password_to_xml(HOSTILE).as_bytes())
                .unwrap()
                .as_deref(),
            Some(HOSTILE_READ)
        );
        assert_eq!(
            parse_sql_admin_password(sql_admin_password_to_xml("").as_bytes()).unwrap(),
            None
        );

        let rule = FirewallRuleInput {
            name: Some(HOSTILE.into()),
            start_ip_address: Some("0.0.0.0".into()),
            end_ip_address: Some("255.255.255.255".into()),
        };
        let xml = rule.to_xml();
        assert!(
            xml.starts_with(
                "<ServiceResource xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>a&lt;b"
            ),
            "{xml}"
        );
        assert_eq!(
            parse_firewall_rule_input(xml.as_bytes()).unwrap(),
            FirewallRuleInput {
                name: Some(HOSTILE_READ.into()),
                ..rule
            }
        );
        let name_only = FirewallRuleInput {
            name: Some("r".into()),
            ..Default::default()
        };
        assert_eq!(
            parse_firewall_rule_input(name_only.to_xml().as_bytes()).unwrap(),
            name_only
        );
    }

    #[test]
    fn server_name_answer_is_read() {
        assert_eq!(
            parse_sql_server_name(RECORDED_CREATED.as_bytes()).unwrap(),
            "go5ryw2d7i"
        );
        let ours = sql_server_name_to_xml("n6vk2hlhm8", "n6vk2hlhm8.database.windows.net");
        assert_eq!(
            parse_sql_server_name(ours.as_bytes()).unwrap(),
            "n6vk2hlhm8"
        );
        // Escaped, and pretty-printed answers are trimmed.
        assert_eq!(
            parse_sql_server_name(sql_server_name_to_xml("a&b", "x").as_bytes()).unwrap(),
            "a&b"
        );
        assert_eq!(
            parse_sql_server_name(b"<?xml version=\"1.0\"?>\n<ServerName>\n  abc\n</ServerName>\n")
                .unwrap(),
            "abc"
        );
        assert_eq!(
            parse_sql_server_name(b"<ServerName FullyQualifiedDomainName=\"x\"/>"),
            Err(XmlError::InvalidValue {
                element: "ServerName".into(),
                message: "the server name is empty".into()
            })
        );
        assert_eq!(
            parse_sql_server_name(b"<ServerName xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" i:nil=\"true\"/>"),
            Err(XmlError::Missing {
                element: "ServerName".into()
            })
        );
        assert!(matches!(
            parse_sql_server_name(RECORDED_SERVERS.as_bytes()),
            Err(XmlError::WrongRoot { .. })
        ));
        assert!(parse_sql_server_name(b"").is_err());
    }

    /// Request bodies of the 2015 live recordings (test_create_server #0,
    /// test_set_server_admin_password #1, test_update_firewall_rule #1 and #2).
    const RECORDED_CREATE_REQUEST: &str = r#"<Server xmlns="http://schemas.microsoft.com/sqlazure/2010/12/"><AdministratorLogin>azuredb</AdministratorLogin><AdministratorLoginPassword>T5ii-B48x</AdministratorLoginPassword><Location>West US</Location></Server>"#;
    const RECORDED_PASSWORD_REQUEST: &str = r#"<AdministratorLoginPassword xmlns="http://schemas.microsoft.com/sqlazure/2010/12/">U6jj-C59y</AdministratorLoginPassword>"#;
    const RECORDED_RULE_REQUESTS: [&str; 2] = [
        r#"<ServiceResource xmlns="http://schemas.microsoft.com/windowsazure"><Name>AllowAll</Name><StartIPAddress>192.168.144.0</StartIPAddress><EndIPAddress>192.168.144.255</EndIPAddress></ServiceResource>"#,
        r#"<ServiceResource xmlns="http://schemas.microsoft.com/windowsazure"><Name>AllowAll</Name><StartIPAddress>192.168.116.0</StartIPAddress><EndIPAddress>192.168.116.255</EndIPAddress></ServiceResource>"#,
    ];

    #[test]
    fn request_bodies_match_the_recordings() {
        let input = parse_sql_server_input(RECORDED_CREATE_REQUEST.as_bytes()).unwrap();
        let ours = input.to_xml();
        assert_eq!(parse_sql_server_input(ours.as_bytes()).unwrap(), input);
        assert_eq!(children_of(&ours), children_of(RECORDED_CREATE_REQUEST));
        // These bodies declare the same single namespace as the recording: the same document.
        assert_eq!(
            parse_document(ours.as_bytes()).unwrap(),
            parse_document(RECORDED_CREATE_REQUEST.as_bytes()).unwrap()
        );
        let pw = parse_sql_admin_password(RECORDED_PASSWORD_REQUEST.as_bytes()).unwrap();
        let ours = sql_admin_password_to_xml(pw.as_deref().unwrap());
        assert_eq!(parse_sql_admin_password(ours.as_bytes()).unwrap(), pw);
        assert_eq!(
            parse_document(ours.as_bytes()).unwrap(),
            parse_document(RECORDED_PASSWORD_REQUEST.as_bytes()).unwrap()
        );
        for recorded in RECORDED_RULE_REQUESTS {
            let input = parse_firewall_rule_input(recorded.as_bytes()).unwrap();
            let ours = input.to_xml();
            assert_eq!(parse_firewall_rule_input(ours.as_bytes()).unwrap(), input);
            assert_eq!(
                parse_document(ours.as_bytes()).unwrap(),
                parse_document(recorded.as_bytes()).unwrap()
            );
        }
    }

    #[test]
    fn create_server_body_as_python_sends_it() {
        let body = br#"<Server xmlns="http://schemas.microsoft.com/sqlazure/2010/12/"><AdministratorLogin>azuredb</AdministratorLogin><AdministratorLoginPassword>T5ii-B48x</AdministratorLoginPassword><Location>West US</Location></Server>"#;
        let s = parse_sql_server_input(body).unwrap();
        assert_eq!(s.administrator_login.as_deref(), Some("azuredb"));
        assert_eq!(s.administrator_login_password.as_deref(), Some("T5ii-B48x"));
        assert_eq!(s.location.as_deref(), Some("West US"));
        assert_eq!(s.version, None);
        assert!(parse_sql_server_input(b"<Other/>").is_err());
    }

    #[test]
    fn reset_password_body() {
        let body = br#"<AdministratorLoginPassword xmlns="http://schemas.microsoft.com/sqlazure/2010/12/">U6jj-C59y</AdministratorLoginPassword>"#;
        assert_eq!(
            parse_sql_admin_password(body).unwrap().as_deref(),
            Some("U6jj-C59y")
        );
        assert_eq!(
            parse_sql_admin_password(b"<AdministratorLoginPassword/>").unwrap(),
            None
        );
    }

    #[test]
    fn server_name_and_list_shapes() {
        assert_eq!(
            sql_server_name_to_xml("n6vk2hlhm8", "n6vk2hlhm8.database.windows.net"),
            "<ServerName FullyQualifiedDomainName=\"n6vk2hlhm8.database.windows.net\" xmlns=\"http://schemas.microsoft.com/sqlazure/2010/12/\">n6vk2hlhm8</ServerName>"
        );
        let s = SqlServerXml {
            name: "abc".into(),
            administrator_login: "a<b".into(),
            location: "West US".into(),
            fully_qualified_domain_name: "abc.database.x".into(),
            version: "12.0".into(),
            state: "Ready".into(),
        };
        let xml = sql_servers_to_xml(std::slice::from_ref(&s));
        assert!(xml.contains("<AdministratorLogin>a&lt;b</AdministratorLogin>"));
        assert_eq!(parse_sql_servers(xml.as_bytes()).unwrap(), vec![s]);
    }

    #[test]
    fn firewall_rules_round_trip() {
        let r = FirewallRuleXml {
            name: "AllowAll".into(),
            self_link: "https://h/s/services/sqlservers/servers/x/firewallrules/AllowAll".into(),
            parent_link: "https://h/s/services/sqlservers/servers/x".into(),
            start_ip_address: "0.0.0.0".into(),
            end_ip_address: "255.255.255.255".into(),
        };
        let one = r.to_xml();
        assert!(
            one.starts_with("<ServiceResource xmlns=\"http://schemas.microsoft.com/windowsazure\"")
        );
        assert!(one.contains("<Name>AllowAll</Name><Type>Microsoft.SqlAzure.FirewallRule</Type><State>Normal</State><SelfLink>"));
        assert_eq!(parse_firewall_rule(one.as_bytes()).unwrap(), r);
        let list = firewall_rules_to_xml(&[r.clone(), r.clone()]);
        assert_eq!(parse_firewall_rules(list.as_bytes()).unwrap().len(), 2);
        let input = parse_firewall_rule_input(
            b"<ServiceResource><EndIPAddress> 1.2.3.4 </EndIPAddress><Name>r</Name></ServiceResource>",
        )
        .unwrap();
        assert_eq!(input.name.as_deref(), Some("r"));
        assert_eq!(input.start_ip_address, None);
        assert_eq!(input.end_ip_address.as_deref(), Some("1.2.3.4"));
    }

    /// Bodies of the 2015 live recordings (test_update_firewall_rule, test_create_server;
    /// the server list cut to two entries).
    const RECORDED_RULE: &str = r#"<ServiceResource xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Name>AllowAll</Name><Type>Microsoft.SqlAzure.FirewallRule</Type><State>Normal</State><SelfLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/n6vk2hlhm8/firewallrules/AllowAll</SelfLink><ParentLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/n6vk2hlhm8</ParentLink><StartIPAddress>192.168.144.0</StartIPAddress><EndIPAddress>192.168.144.255</EndIPAddress></ServiceResource>"#;
    const RECORDED_CREATED: &str = r#"<ServerName FullyQualifiedDomainName="go5ryw2d7i.database.windows.net" xmlns="http://schemas.microsoft.com/sqlazure/2010/12/">go5ryw2d7i</ServerName>"#;
    const RECORDED_SERVERS: &str = r#"<Servers xmlns="http://schemas.microsoft.com/sqlazure/2010/12/">
  <Server>
    <Name>ayktdlzqzo</Name>
    <AdministratorLogin>azuredb</AdministratorLogin>
    <Location>West US</Location>
    <FullyQualifiedDomainName>ayktdlzqzo.database.windows.net</FullyQualifiedDomainName>
    <Version>2.0</Version>
    <State>Ready</State>
  </Server>
  <Server>
    <Name>chvpxlbnh5</Name>
    <AdministratorLogin>azuredb</AdministratorLogin>
    <Location>West US</Location>
    <FullyQualifiedDomainName>chvpxlbnh5.database.windows.net</FullyQualifiedDomainName>
    <Version>2.0</Version>
    <State>Ready</State>
  </Server>
</Servers>"#;

    #[test]
    fn recorded_shapes_are_read_and_matched() {
        let rule = parse_firewall_rule(RECORDED_RULE.as_bytes()).unwrap();
        assert_eq!(rule.name, "AllowAll");
        assert_eq!(rule.start_ip_address, "192.168.144.0");
        assert_eq!(rule.to_xml(), RECORDED_RULE);
        let start = RECORDED_CREATED.rfind("\">").unwrap() + 2;
        let name = &RECORDED_CREATED[start..RECORDED_CREATED.len() - "</ServerName>".len()];
        assert_eq!(
            sql_server_name_to_xml(name, &format!("{name}.database.windows.net")),
            RECORDED_CREATED
        );
        let servers = parse_sql_servers(RECORDED_SERVERS.as_bytes()).unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[0].name, "ayktdlzqzo");
        assert_eq!(servers[0].location, "West US");
        assert_eq!(servers[0].state, "Ready");
        assert_eq!(
            parse_sql_servers(sql_servers_to_xml(&servers).as_bytes()).unwrap(),
            servers
        );
    }
}
