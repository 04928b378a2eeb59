//! The databases, server quotas and service objectives of classic SQL Database servers
//! (§4.10): `…/servers/{srv}/databases[/{db}]`, `…/serverquotas[/{name}]` and
//! `…/serviceobjectives[/{id}]`. Every body is a `ServiceResource` (or a
//! `ServiceResources` list) in the windowsazure namespace, element names and order from
//! the 2015 recordings (`test_legacy_mgmt_sqldatabase.*`).

use super::common::{list_to_xml, parse_response};
use super::dom::{Element, parse_flat};
use super::{XmlError, XmlWriter};

/// The `Type` of every database.
pub const SQL_DATABASE_TYPE: &str = "Microsoft.SqlAzure.Database";
/// The `Type` of every server quota.
pub const SERVER_QUOTA_TYPE: &str = "Microsoft.SqlAzure.ServerQuota";
/// The `Type` of every service objective.
pub const SERVICE_OBJECTIVE_TYPE: &str = "Microsoft.SqlAzure.ServiceObjective";

/// The body of Create / Update Database (root `ServiceResource`), trimmed; absent, empty
/// or nil fields are `None`. Numbers are kept as sent: the server checks them and names
/// the field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlDatabaseInput {
    pub name: Option<String>,
    pub edition: Option<String>,
    /// Node's `MaxSizeGB`.
    pub max_size_gb: Option<String>,
    /// Create only (Update cannot change it).
    pub collation_name: Option<String>,
    /// Python's `MaxSizeBytes` (Node sends it too when asked).
    pub max_size_bytes: Option<String>,
    pub service_objective_id: Option<String>,
}

impl SqlDatabaseInput {
    /// The Create / Update Database body as the clients send it: root `ServiceResource`
    /// declaring only the windowsazure namespace, then `Name`, `Edition`, `MaxSizeGB`,
    /// `CollationName`, `MaxSizeBytes`, `ServiceObjectiveId` (Node's order, of which
    /// Python's is a subsequence); `None` fields are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root_ns("ServiceResource", super::NS_WINDOWS_AZURE);
        w.opt_text("Name", self.name.as_deref())
            .opt_text("Edition", self.edition.as_deref())
            .opt_text("MaxSizeGB", self.max_size_gb.as_deref())
            .opt_text("CollationName", self.collation_name.as_deref())
            .opt_text("MaxSizeBytes", self.max_size_bytes.as_deref())
            .opt_text("ServiceObjectiveId", self.service_objective_id.as_deref());
        w.finish()
    }
}

/// Read a Create / Update Database body.
pub fn parse_sql_database_input(body: &[u8]) -> Result<SqlDatabaseInput, XmlError> {
    let doc = parse_flat(body, "ServiceResource")?;
    let trimmed = |n| doc.get_trimmed(n).map(str::to_owned);
    Ok(SqlDatabaseInput {
        name: trimmed("Name"),
        edition: trimmed("Edition"),
        max_size_gb: trimmed("MaxSizeGB"),
        collation_name: trimmed("CollationName"),
        max_size_bytes: trimmed("MaxSizeBytes"),
        service_objective_id: trimmed("ServiceObjectiveId"),
    })
}

/// A database as answered (Get, Create, Update, and each item of List).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlDatabaseXml {
    pub name: String,
    pub self_link: String,
    pub parent_link: String,
    pub id: i64,
    pub edition: String,
    pub max_size_gb: i64,
    pub collation_name: String,
    pub creation_date: String,
    pub is_system_object: bool,
    pub max_size_bytes: i64,
    /// Also answered as `AssignedServiceObjectiveId` (an assignment completes at once).
    pub service_objective_id: String,
    pub service_objective_assignment_success_date: String,
    /// Nil for the master database, as live.
    pub recovery_period_start_date: Option<String>,
}

/// A boolean as the clients read it: `true`/`false` (Node compares with `'true'`, Python
/// with `'false'` in any case).
fn read_bool(el: &Element, name: &str) -> Result<bool, XmlError> {
    match el.child_text(name).map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        None => Err(XmlError::Missing {
            element: name.into(),
        }),
        Some(_) => Err(XmlError::InvalidValue {
            element: name.into(),
            message: "not true or false".into(),
        }),
    }
}

/// An integer element, required.
fn read_int(el: &Element, name: &str) -> Result<i64, XmlError> {
    let text = el
        .child_text(name)
        .map(str::trim)
        .ok_or(XmlError::Missing {
            element: name.into(),
        })?;
    text.parse().map_err(|_| XmlError::InvalidValue {
        element: name.into(),
        message: "not an integer".into(),
    })
}

fn read_text(el: &Element, name: &str) -> String {
    el.child_text(name).unwrap_or_default().trim().to_owned()
}

/// Each `item` of the `ServiceResources` list `body`, read by `read`.
fn read_list<T>(
    body: &[u8],
    read: impl Fn(&Element) -> Result<T, XmlError>,
) -> Result<Vec<T>, XmlError> {
    parse_response(body, "ServiceResources")?
        .children_named("ServiceResource")
        .map(read)
        .collect()
}

impl SqlDatabaseXml {
    /// Root `ServiceResource`.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("ServiceResource");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("Type", SQL_DATABASE_TYPE)
            .text("State", "Normal")
            .text("SelfLink", &self.self_link)
            .text("ParentLink", &self.parent_link)
            .int("Id", self.id)
            .text("Edition", &self.edition)
            .int("MaxSizeGB", self.max_size_gb)
            .text("CollationName", &self.collation_name)
            .text("CreationDate", &self.creation_date)
            .bool("IsFederationRoot", false)
            .bool("IsSystemObject", self.is_system_object)
            .nil("SizeMB")
            .int("MaxSizeBytes", self.max_size_bytes)
            .text("ServiceObjectiveId", &self.service_objective_id)
            .text("AssignedServiceObjectiveId", &self.service_objective_id)
            .int("ServiceObjectiveAssignmentState", 1)
            .text("ServiceObjectiveAssignmentStateDescription", "Complete")
            .int("ServiceObjectiveAssignmentErrorCode", 0)
            .nil("ServiceObjectiveAssignmentErrorDescription")
            .text(
                "ServiceObjectiveAssignmentSuccessDate",
                &self.service_objective_assignment_success_date,
            )
            .text_or_nil(
                "RecoveryPeriodStartDate",
                self.recovery_period_start_date.as_deref(),
            )
            .bool("IsSuspended", false);
    }

    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let recovery = read_text(el, "RecoveryPeriodStartDate");
        Ok(SqlDatabaseXml {
            name: read_text(el, "Name"),
            self_link: read_text(el, "SelfLink"),
            parent_link: read_text(el, "ParentLink"),
            id: read_int(el, "Id")?,
            edition: read_text(el, "Edition"),
            max_size_gb: read_int(el, "MaxSizeGB")?,
            collation_name: read_text(el, "CollationName"),
            creation_date: read_text(el, "CreationDate"),
            is_system_object: read_bool(el, "IsSystemObject")?,
            max_size_bytes: read_int(el, "MaxSizeBytes")?,
            service_objective_id: read_text(el, "ServiceObjectiveId"),
            service_objective_assignment_success_date: read_text(
                el,
                "ServiceObjectiveAssignmentSuccessDate",
            ),
            recovery_period_start_date: (!recovery.is_empty()).then_some(recovery),
        })
    }
}

/// The List Databases body (root `ServiceResources`).
pub fn sql_databases_to_xml(databases: &[SqlDatabaseXml]) -> String {
    list_to_xml(
        "ServiceResources",
        "ServiceResource",
        databases,
        SqlDatabaseXml::write_fields,
    )
}

/// Read a Get / Create / Update Database response.
pub fn parse_sql_database(body: &[u8]) -> Result<SqlDatabaseXml, XmlError> {
    SqlDatabaseXml::from_element(&parse_response(body, "ServiceResource")?)
}

/// Read a List Databases response.
pub fn parse_sql_databases(body: &[u8]) -> Result<Vec<SqlDatabaseXml>, XmlError> {
    read_list(body, SqlDatabaseXml::from_element)
}

/// A server quota (Get, and each item of List).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerQuotaXml {
    pub name: String,
    pub self_link: String,
    pub parent_link: String,
    pub value: i64,
}

impl ServerQuotaXml {
    /// Root `ServiceResource`.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("ServiceResource");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("Type", SERVER_QUOTA_TYPE)
            .text("State", "Normal")
            .text("SelfLink", &self.self_link)
            .text("ParentLink", &self.parent_link)
            .int("Value", self.value);
    }

    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(ServerQuotaXml {
            name: read_text(el, "Name"),
            self_link: read_text(el, "SelfLink"),
            parent_link: read_text(el, "ParentLink"),
            value: read_int(el, "Value")?,
        })
    }
}

/// The List Server Quotas body (root `ServiceResources`).
pub fn server_quotas_to_xml(quotas: &[ServerQuotaXml]) -> String {
    list_to_xml(
        "ServiceResources",
        "ServiceResource",
        quotas,
        ServerQuotaXml::write_fields,
    )
}

/// Read a Get Server Quota response.
pub fn parse_server_quota(body: &[u8]) -> Result<ServerQuotaXml, XmlError> {
    ServerQuotaXml::from_element(&parse_response(body, "ServiceResource")?)
}

/// Read a List Server Quotas response.
pub fn parse_server_quotas(body: &[u8]) -> Result<Vec<ServerQuotaXml>, XmlError> {
    read_list(body, ServerQuotaXml::from_element)
}

/// A service objective (a performance level; Get, and each item of List). Its
/// `SelfLink` names it by id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceObjectiveXml {
    pub name: String,
    pub self_link: String,
    pub parent_link: String,
    pub id: String,
    pub is_default: bool,
    pub is_system: bool,
    pub description: String,
    pub enabled: bool,
}

impl ServiceObjectiveXml {
    /// Root `ServiceResource`.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("ServiceResource");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("Type", SERVICE_OBJECTIVE_TYPE)
            .text("State", "Normal")
            .text("SelfLink", &self.self_link)
            .text("ParentLink", &self.parent_link)
            .text("Id", &self.id)
            .bool("IsDefault", self.is_default)
            .bool("IsSystem", self.is_system)
            .text("Description", &self.description)
            .bool("Enabled", self.enabled);
    }

    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(ServiceObjectiveXml {
            name: read_text(el, "Name"),
            self_link: read_text(el, "SelfLink"),
            parent_link: read_text(el, "ParentLink"),
            id: read_text(el, "Id"),
            is_default: read_bool(el, "IsDefault")?,
            is_system: read_bool(el, "IsSystem")?,
            description: read_text(el, "Description"),
            enabled: read_bool(el, "Enabled")?,
        })
    }
}

/// The List Service Objectives body (root `ServiceResources`).
pub fn service_objectives_to_xml(objectives: &[ServiceObjectiveXml]) -> String {
    list_to_xml(
        "ServiceResources",
        "ServiceResource",
        objectives,
        ServiceObjectiveXml::write_fields,
    )
}

/// Read a Get Service Objective response.
pub fn parse_service_objective(body: &[u8]) -> Result<ServiceObjectiveXml, XmlError> {
    ServiceObjectiveXml::from_element(&parse_response(body, "ServiceResource")?)
}

/// Read a List Service Objectives response.
pub fn parse_service_objectives(body: &[u8]) -> Result<Vec<ServiceObjectiveXml>, XmlError> {
    read_list(body, ServiceObjectiveXml::from_element)
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ, children_of};
    use super::super::dom::parse_document;
    use super::*;

    /// Bodies of the 2015 live recordings (test_delete_database #1 and #3,
    /// test_list_quotas #1).
    const RECORDED_CREATE_REQUEST: &str = r#"<ServiceResource xmlns="http://schemas.microsoft.com/windowsazure"><Name>temp</Name><Edition>Basic</Edition><ServiceObjectiveId>dd6d99bb-f193-4ec1-86f2-43d3bccbc49c</ServiceObjectiveId></ServiceResource>"#;
    const RECORDED_DATABASE: &str = r#"<ServiceResource xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Name>temp</Name><Type>Microsoft.SqlAzure.Database</Type><State>Normal</State><SelfLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/h4pqdjm00a/databases/temp</SelfLink><ParentLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/h4pqdjm00a</ParentLink><Id>4</Id><Edition>Basic</Edition><MaxSizeGB>2</MaxSizeGB><CollationName>SQL_Latin1_General_CP1_CI_AS</CollationName><CreationDate>2015-07-01T00:04:38.0230000Z</CreationDate><IsFederationRoot>False</IsFederationRoot><IsSystemObject>False</IsSystemObject><SizeMB i:nil="true"/><MaxSizeBytes>2147483648</MaxSizeBytes><ServiceObjectiveId>dd6d99bb-f193-4ec1-86f2-43d3bccbc49c</ServiceObjectiveId><AssignedServiceObjectiveId>dd6d99bb-f193-4ec1-86f2-43d3bccbc49c</AssignedServiceObjectiveId><ServiceObjectiveAssignmentState>1</ServiceObjectiveAssignmentState><ServiceObjectiveAssignmentStateDescription>Complete</ServiceObjectiveAssignmentStateDescription><ServiceObjectiveAssignmentErrorCode>0</ServiceObjectiveAssignmentErrorCode><ServiceObjectiveAssignmentErrorDescription i:nil="true"/><ServiceObjectiveAssignmentSuccessDate>2015-07-01T00:04:39.4730000Z</ServiceObjectiveAssignmentSuccessDate><RecoveryPeriodStartDate>2015-07-01T00:34:37.7570000Z</RecoveryPeriodStartDate><IsSuspended>False</IsSuspended></ServiceResource>"#;
    const RECORDED_MASTER_LIST: &str = r#"<ServiceResources xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ServiceResource><Name>master</Name><Type>Microsoft.SqlAzure.Database</Type><State>Normal</State><SelfLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/h4pqdjm00a/databases/master</SelfLink><ParentLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/h4pqdjm00a</ParentLink><Id>1</Id><Edition>System</Edition><MaxSizeGB>5</MaxSizeGB><CollationName>SQL_Latin1_General_CP1_CI_AS</CollationName><CreationDate>2015-07-01T00:04:34.1600000Z</CreationDate><IsFederationRoot>False</IsFederationRoot><IsSystemObject>True</IsSystemObject><SizeMB i:nil="true"/><MaxSizeBytes>5368709120</MaxSizeBytes><ServiceObjectiveId>26e021db-f1f9-4c98-84c6-92af8ef433d7</ServiceObjectiveId><AssignedServiceObjectiveId>26e021db-f1f9-4c98-84c6-92af8ef433d7</AssignedServiceObjectiveId><ServiceObjectiveAssignmentState>1</ServiceObjectiveAssignmentState><ServiceObjectiveAssignmentStateDescription>Complete</ServiceObjectiveAssignmentStateDescription><ServiceObjectiveAssignmentErrorCode>0</ServiceObjectiveAssignmentErrorCode><ServiceObjectiveAssignmentErrorDescription i:nil="true"/><ServiceObjectiveAssignmentSuccessDate>2015-07-01T00:04:36.6000000Z</ServiceObjectiveAssignmentSuccessDate><RecoveryPeriodStartDate i:nil="true"/><IsSuspended>False</IsSuspended></ServiceResource></ServiceResources>"#;
    const RECORDED_QUOTAS: &str = r#"<ServiceResources xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ServiceResource><Name>server_dtu_quota</Name><Type>Microsoft.SqlAzure.ServerQuota</Type><State>Normal</State><SelfLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/vmxsuyf6mq/serverquotas/server_dtu_quota</SelfLink><ParentLink>https://management.core.windows.net/00000000-0000-0000-0000-000000000000/services/sqlservers/servers/vmxsuyf6mq</ParentLink><Value>2000</Value></ServiceResource></ServiceResources>"#;

    /// The element names of `xml`'s root children, in order.
    fn names(xml: &str) -> Vec<String> {
        children_of(xml).into_iter().map(|e| e.name).collect()
    }

    #[test]
    fn request_bodies_round_trip() {
        let full = SqlDatabaseInput {
            name: Some(HOSTILE.into()),
            edition: Some("Standard".into()),
            max_size_gb: Some("250".into()),
            collation_name: Some("SQL_Latin1_General_CP1_CI_AS".into()),
            max_size_bytes: Some("268435456000".into()),
            service_objective_id: Some("1b1ebd4d-d903-4baa-97f9-4ea675f5e928".into()),
        };
        let xml = full.to_xml();
        assert!(
            xml.starts_with(
                "<ServiceResource xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>a&lt;b"
            ),
            "{xml}"
        );
        assert_eq!(
            names(&xml),
            [
                "Name",
                "Edition",
                "MaxSizeGB",
                "CollationName",
                "MaxSizeBytes",
                "ServiceObjectiveId"
            ]
        );
        assert_eq!(
            parse_sql_database_input(xml.as_bytes()).unwrap(),
            SqlDatabaseInput {
                name: Some(HOSTILE_READ.into()),
                ..full
            }
        );
        let empty = SqlDatabaseInput::default();
        assert_eq!(
            parse_sql_database_input(empty.to_xml().as_bytes()).unwrap(),
            empty
        );
        // trimmed, any order, nil and empty are absent, unknown elements ignored
        let read = parse_sql_database_input(
            b"<ServiceResource xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><MaxSizeGB> 5 </MaxSizeGB><Name>d</Name><Edition/><CollationName i:nil=\"true\"/><Other>x</Other></ServiceResource>",
        )
        .unwrap();
        assert_eq!(
            read,
            SqlDatabaseInput {
                name: Some("d".into()),
                max_size_gb: Some("5".into()),
                ..SqlDatabaseInput::default()
            }
        );
    }

    #[test]
    fn request_body_matches_the_recording() {
        let input = parse_sql_database_input(RECORDED_CREATE_REQUEST.as_bytes()).unwrap();
        assert_eq!(input.name.as_deref(), Some("temp"));
        assert_eq!(input.edition.as_deref(), Some("Basic"));
        assert_eq!(input.max_size_gb, None);
        let ours = input.to_xml();
        assert_eq!(
            parse_document(ours.as_bytes()).unwrap(),
            parse_document(RECORDED_CREATE_REQUEST.as_bytes()).unwrap()
        );
    }

    #[test]
    fn malformed_bodies_are_refused_in_one_line() {
        for bad in [
            &b""[..],
            b"<ServiceResource><Name>x</ServiceResource>",
            b"<Database><Name>x</Name></Database>",
            b"<ServiceResource><Name>a & b</Name></ServiceResource>",
            b"\xff\xfe<\x00",
        ] {
            let e = parse_sql_database_input(bad).unwrap_err().to_string();
            assert!(!e.is_empty() && !e.contains('\n'), "{e:?}");
        }
        assert!(matches!(
            parse_sql_database_input(b"<Database/>"),
            Err(XmlError::WrongRoot { .. })
        ));
        // response readers: a number that is not one, a missing one, a wrong root
        let bad_id = RECORDED_DATABASE.replace("<Id>4</Id>", "<Id>four</Id>");
        assert_eq!(
            parse_sql_database(bad_id.as_bytes()),
            Err(XmlError::InvalidValue {
                element: "Id".into(),
                message: "not an integer".into()
            })
        );
        let no_size = RECORDED_DATABASE.replace("<MaxSizeGB>2</MaxSizeGB>", "");
        assert_eq!(
            parse_sql_database(no_size.as_bytes()),
            Err(XmlError::Missing {
                element: "MaxSizeGB".into()
            })
        );
        let bad_bool = RECORDED_DATABASE.replace(
            "<IsSystemObject>False</IsSystemObject>",
            "<IsSystemObject>maybe</IsSystemObject>",
        );
        assert!(matches!(
            parse_sql_database(bad_bool.as_bytes()),
            Err(XmlError::InvalidValue { .. })
        ));
        assert!(matches!(
            parse_sql_databases(RECORDED_DATABASE.as_bytes()),
            Err(XmlError::WrongRoot { .. })
        ));
        let bad_quota = RECORDED_QUOTAS.replace("<Value>2000</Value>", "<Value>2k</Value>");
        let e = parse_server_quotas(bad_quota.as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), "invalid value in <Value>: not an integer");
        assert!(parse_service_objectives(b"<ServiceResources><ServiceResource>").is_err());
    }

    #[test]
    fn database_answers_have_the_recorded_shape() {
        let recorded = parse_sql_database(RECORDED_DATABASE.as_bytes()).unwrap();
        assert_eq!(recorded.name, "temp");
        assert_eq!(recorded.id, 4);
        assert_eq!(recorded.edition, "Basic");
        assert_eq!(recorded.max_size_gb, 2);
        assert_eq!(recorded.max_size_bytes, 2_147_483_648);
        assert!(!recorded.is_system_object);
        assert_eq!(
            recorded.recovery_period_start_date.as_deref(),
            Some("2015-07-01T00:34:37.7570000Z")
        );
        let ours = recorded.to_xml();
        // the same elements in the same order (booleans written in lower case)
        assert_eq!(names(&ours), names(RECORDED_DATABASE));
        assert_eq!(ours, RECORDED_DATABASE.replace("False", "false"));
        assert_eq!(parse_sql_database(ours.as_bytes()).unwrap(), recorded);

        let master = parse_sql_databases(RECORDED_MASTER_LIST.as_bytes()).unwrap();
        assert_eq!(master.len(), 1);
        assert!(master[0].is_system_object);
        assert_eq!(master[0].recovery_period_start_date, None);
        assert_eq!(master[0].edition, "System");
        let list = sql_databases_to_xml(&[master[0].clone(), recorded.clone()]);
        assert!(list.contains("<RecoveryPeriodStartDate i:nil=\"true\"/>"));
        assert_eq!(
            parse_sql_databases(list.as_bytes()).unwrap(),
            vec![master[0].clone(), recorded]
        );
        assert_eq!(
            sql_databases_to_xml(&master),
            RECORDED_MASTER_LIST
                .replace("False", "false")
                .replace("True", "true")
        );
        assert_eq!(
            parse_sql_databases(sql_databases_to_xml(&[]).as_bytes()).unwrap(),
            vec![]
        );
    }

    #[test]
    fn quota_answers_have_the_recorded_shape() {
        let quotas = parse_server_quotas(RECORDED_QUOTAS.as_bytes()).unwrap();
        assert_eq!(quotas.len(), 1);
        assert_eq!(quotas[0].name, "server_dtu_quota");
        assert_eq!(quotas[0].value, 2000);
        assert_eq!(server_quotas_to_xml(&quotas), RECORDED_QUOTAS);
        let one = quotas[0].to_xml();
        assert_eq!(parse_server_quota(one.as_bytes()).unwrap(), quotas[0]);
    }

    #[test]
    fn service_objectives_round_trip() {
        let so = ServiceObjectiveXml {
            name: "Basic".into(),
            self_link: "https://h/s/services/sqlservers/servers/x/serviceobjectives/dd6d99bb-f193-4ec1-86f2-43d3bccbc49c".into(),
            parent_link: "https://h/s/services/sqlservers/servers/x".into(),
            id: "dd6d99bb-f193-4ec1-86f2-43d3bccbc49c".into(),
            is_default: false,
            is_system: false,
            description: HOSTILE.into(),
            enabled: true,
        };
        let one = so.to_xml();
        assert!(one.contains("<Name>Basic</Name><Type>Microsoft.SqlAzure.ServiceObjective</Type><State>Normal</State><SelfLink>"), "{one}");
        assert!(
            one.contains(
                "<IsDefault>false</IsDefault><IsSystem>false</IsSystem><Description>a&lt;b"
            ),
            "{one}"
        );
        let read = parse_service_objective(one.as_bytes()).unwrap();
        assert_eq!(read.description, HOSTILE_READ);
        assert_eq!(
            read,
            ServiceObjectiveXml {
                description: HOSTILE_READ.into(),
                ..so.clone()
            }
        );
        let system = ServiceObjectiveXml {
            name: "System".into(),
            is_system: true,
            description: "x".into(),
            ..so.clone()
        };
        let list = service_objectives_to_xml(std::slice::from_ref(&system));
        assert_eq!(parse_service_objectives(list.as_bytes()).unwrap(), [system]);
    }
}
