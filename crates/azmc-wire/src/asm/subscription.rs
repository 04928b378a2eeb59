//! Get Subscription (§4.1) and List Subscription Operations (§4.2).

use super::common::parse_response;
use super::dom::Element;
use super::operation::OperationStatusXml;
use super::values::{format_operation_id, normalize_operation_id};
use super::{NS_SERVICE_MANAGEMENT_DATACONTRACT, XmlError, XmlWriter};
use crate::xmlcommon::shorten;

/// `GET /{s}` → `<Subscription>`, in one of two element sets:
///
/// * with [`network_limits`](Self::network_limits) (what x-ms-version 2014-10-01 and
///   later answered, as recorded by `test_get_subscription`): SubscriptionID,
///   SubscriptionName, SubscriptionStatus, AccountAdminLiveEmailId,
///   ServiceAdminLiveEmailId, MaxCoreCount, MaxStorageAccounts, MaxHostedServices,
///   CurrentCoreCount, CurrentHostedServices, CurrentStorageAccounts,
///   MaxVirtualNetworkSites, MaxLocalNetworkSites, MaxDnsServers, OfferCategories,
///   AADTenantID, CreatedTime, MaxReservedIPs, CurrentReservedIPs, MaxPublicIPCount,
///   CurrentNetworkSecurityGroups, MaxNetworkSecurityGroups,
///   MaxNetworkSecurityRulesPerGroup, MaxRouteTables, MaxRoutesPerRouteTable. The
///   `CurrentVirtualNetworkSites`, `CurrentLocalNetworkSites` and `CurrentDnsServers`
///   counters are not sent (real Azure did not; readers take a missing counter as 0);
/// * without (older versions, from the data contract): the same up to `MaxVirtualNetworkSites`,
///   then CurrentVirtualNetworkSites, MaxLocalNetworkSites, CurrentLocalNetworkSites,
///   MaxDnsServers, CurrentDnsServers, OfferCategories, AADTenantID, CreatedTime,
///   MaxReservedIPs, CurrentReservedIPs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscriptionXml {
    pub subscription_id: String,
    pub subscription_name: String,
    /// `Active`, `Disabled` (later docs also `Deleted`, `Warned`).
    pub subscription_status: String,
    pub account_admin_live_email_id: String,
    pub service_admin_live_email_id: String,
    pub max_core_count: u32,
    pub max_storage_accounts: u32,
    pub max_hosted_services: u32,
    pub current_core_count: u32,
    pub current_hosted_services: u32,
    pub current_storage_accounts: u32,
    pub max_virtual_network_sites: u32,
    pub current_virtual_network_sites: u32,
    pub max_local_network_sites: u32,
    pub current_local_network_sites: u32,
    pub max_dns_servers: u32,
    pub current_dns_servers: u32,
    /// `OfferCategories` (e.g. `Azure_Platform_All;Azure_Paid`), omitted when `None`.
    pub offer_categories: Option<String>,
    /// `AADTenantID`, omitted when `None`.
    pub aad_tenant_id: Option<String>,
    /// `CreatedTime`, preformatted (see [`super::format_time`]); omitted when `None`.
    pub created_time: Option<String>,
    pub max_reserved_ips: u32,
    pub current_reserved_ips: u32,
    /// `Some` selects the element set of x-ms-version 2014-10-01 and later (see above).
    pub network_limits: Option<NetworkLimitsXml>,
}

/// The network limits Get Subscription sent from x-ms-version 2014-10-01 on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkLimitsXml {
    pub max_public_ip_count: u32,
    pub current_network_security_groups: u32,
    pub max_network_security_groups: u32,
    pub max_network_security_rules_per_group: u32,
    pub max_route_tables: u32,
    pub max_routes_per_route_table: u32,
}

impl SubscriptionXml {
    /// The response body (root `Subscription`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Subscription");
        w.text("SubscriptionID", &self.subscription_id)
            .text("SubscriptionName", &self.subscription_name)
            .text("SubscriptionStatus", &self.subscription_status)
            .text("AccountAdminLiveEmailId", &self.account_admin_live_email_id)
            .text("ServiceAdminLiveEmailId", &self.service_admin_live_email_id)
            .int("MaxCoreCount", self.max_core_count)
            .int("MaxStorageAccounts", self.max_storage_accounts)
            .int("MaxHostedServices", self.max_hosted_services)
            .int("CurrentCoreCount", self.current_core_count)
            .int("CurrentHostedServices", self.current_hosted_services)
            .int("CurrentStorageAccounts", self.current_storage_accounts)
            .int("MaxVirtualNetworkSites", self.max_virtual_network_sites);
        let old = self.network_limits.is_none();
        if old {
            w.int(
                "CurrentVirtualNetworkSites",
                self.current_virtual_network_sites,
            );
        }
        w.int("MaxLocalNetworkSites", self.max_local_network_sites);
        if old {
            w.int("CurrentLocalNetworkSites", self.current_local_network_sites);
        }
        w.int("MaxDnsServers", self.max_dns_servers);
        if old {
            w.int("CurrentDnsServers", self.current_dns_servers);
        }
        w.opt_text("OfferCategories", self.offer_categories.as_deref())
            .opt_text("AADTenantID", self.aad_tenant_id.as_deref())
            .opt_text("CreatedTime", self.created_time.as_deref())
            .int("MaxReservedIPs", self.max_reserved_ips)
            .int("CurrentReservedIPs", self.current_reserved_ips);
        if let Some(n) = &self.network_limits {
            w.int("MaxPublicIPCount", n.max_public_ip_count)
                .int(
                    "CurrentNetworkSecurityGroups",
                    n.current_network_security_groups,
                )
                .int("MaxNetworkSecurityGroups", n.max_network_security_groups)
                .int(
                    "MaxNetworkSecurityRulesPerGroup",
                    n.max_network_security_rules_per_group,
                )
                .int("MaxRouteTables", n.max_route_tables)
                .int("MaxRoutesPerRouteTable", n.max_routes_per_route_table);
        }
        w.finish()
    }
}

/// Read a Get Subscription response (root `Subscription`). Missing counters read as 0 (as in
/// Python); a counter that is not a plain non-negative integer is an error.
pub fn parse_subscription(body: &[u8]) -> Result<SubscriptionXml, XmlError> {
    let el = parse_response(body, "Subscription")?;
    let text = |name| el.child_text(name).unwrap_or_default().to_owned();
    let opt = |name| el.child_text(name).map(str::to_owned);
    let int = |name| int_child(&el, name);
    Ok(SubscriptionXml {
        subscription_id: text("SubscriptionID"),
        subscription_name: text("SubscriptionName"),
        subscription_status: text("SubscriptionStatus"),
        account_admin_live_email_id: text("AccountAdminLiveEmailId"),
        service_admin_live_email_id: text("ServiceAdminLiveEmailId"),
        max_core_count: int("MaxCoreCount")?,
        max_storage_accounts: int("MaxStorageAccounts")?,
        max_hosted_services: int("MaxHostedServices")?,
        current_core_count: int("CurrentCoreCount")?,
        current_hosted_services: int("CurrentHostedServices")?,
        current_storage_accounts: int("CurrentStorageAccounts")?,
        max_virtual_network_sites: int("MaxVirtualNetworkSites")?,
        current_virtual_network_sites: int("CurrentVirtualNetworkSites")?,
        max_local_network_sites: int("MaxLocalNetworkSites")?,
        current_local_network_sites: int("CurrentLocalNetworkSites")?,
        max_dns_servers: int("MaxDnsServers")?,
        current_dns_servers: int("CurrentDnsServers")?,
        offer_categories: opt("OfferCategories"),
        aad_tenant_id: opt("AADTenantID"),
        created_time: opt("CreatedTime"),
        max_reserved_ips: int("MaxReservedIPs")?,
        current_reserved_ips: int("CurrentReservedIPs")?,
        network_limits: match el.child("MaxPublicIPCount") {
            None => None,
            Some(_) => Some(NetworkLimitsXml {
                max_public_ip_count: int("MaxPublicIPCount")?,
                current_network_security_groups: int("CurrentNetworkSecurityGroups")?,
                max_network_security_groups: int("MaxNetworkSecurityGroups")?,
                max_network_security_rules_per_group: int("MaxNetworkSecurityRulesPerGroup")?,
                max_route_tables: int("MaxRouteTables")?,
                max_routes_per_route_table: int("MaxRoutesPerRouteTable")?,
            }),
        },
    })
}

fn int_child(el: &Element, name: &str) -> Result<u32, XmlError> {
    match el.child_text(name).map(str::trim) {
        None | Some("") => Ok(0),
        Some(t) => t.parse().map_err(|_| XmlError::InvalidValue {
            element: name.to_owned(),
            message: format!("{:?} is not a non-negative integer", shorten(t)),
        }),
    }
}

/// `GET /{s}/operations?…` → `<SubscriptionOperationCollection>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscriptionOperationCollectionXml {
    pub operations: Vec<SubscriptionOperationXml>,
    /// `<ContinuationToken>`, written only when more pages remain.
    pub continuation_token: Option<String>,
}

/// One `<SubscriptionOperation>`. Written in the data contract's order: OperationId,
/// OperationObjectId, OperationName, OperationParameters, OperationCaller, OperationStatus,
/// OperationStartedTime, OperationCompletedTime, OperationKind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionOperationXml {
    /// The request id (32 hex digits; written hyphenated, read back as 32 lower-case hex).
    pub operation_id: String,
    /// The resource path, e.g. `/{s}/services/storageservices/mystore`.
    pub operation_object_id: String,
    /// E.g. `CreateStorageService`.
    pub operation_name: String,
    pub operation_parameters: Vec<OperationParameterXml>,
    pub operation_caller: OperationCallerXml,
    /// `<OperationStatus>`: `ID`, `Status`, `HttpStatusCode`, `Error` as in `<Operation>`.
    pub operation_status: OperationStatusXml,
    /// Preformatted (see [`super::format_time`]); omitted when `None`.
    pub operation_started_time: Option<String>,
    /// Omitted when `None` (while in progress): the service did the same
    /// (`EmitDefaultValue=false`), and Python and Node both read an absent element as unset.
    pub operation_completed_time: Option<String>,
    /// Omitted when `None`.
    pub operation_kind: Option<String>,
}

/// `<OperationParameter><a:Name>…</a:Name><a:Value>…</a:Value></OperationParameter>`; the
/// literal `a:` prefix is required by the Python client. `value: None` writes
/// `<a:Value i:nil="true"/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationParameterXml {
    pub name: String,
    pub value: Option<String>,
}

/// `<OperationCaller>`, written in the data contract's order; `None` fields are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperationCallerXml {
    /// True when the request came through the management API (always, for azmc).
    pub used_service_management_api: bool,
    /// For a portal user.
    pub user_email_address: Option<String>,
    /// For a caller authenticated by management certificate.
    pub subscription_certificate_thumbprint: Option<String>,
    pub client_ip: Option<String>,
}

impl SubscriptionOperationCollectionXml {
    /// The response body (root `SubscriptionOperationCollection`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("SubscriptionOperationCollection");
        w.open("SubscriptionOperations");
        for op in &self.operations {
            op.write(&mut w);
        }
        w.close();
        w.opt_text("ContinuationToken", self.continuation_token.as_deref());
        w.finish()
    }
}

impl SubscriptionOperationXml {
    fn write(&self, w: &mut XmlWriter) {
        let id =
            format_operation_id(&self.operation_id).unwrap_or_else(|| self.operation_id.clone());
        w.open("SubscriptionOperation")
            .text("OperationId", &id)
            .text("OperationObjectId", &self.operation_object_id)
            .text("OperationName", &self.operation_name);
        w.open_with(
            "OperationParameters",
            &[("xmlns:a", NS_SERVICE_MANAGEMENT_DATACONTRACT)],
        );
        for p in &self.operation_parameters {
            w.open("OperationParameter")
                .text("a:Name", &p.name)
                .text_or_nil("a:Value", p.value.as_deref())
                .close();
        }
        w.close();
        let caller = &self.operation_caller;
        w.open("OperationCaller")
            .bool(
                "UsedServiceManagementApi",
                caller.used_service_management_api,
            )
            .opt_text("UserEmailAddress", caller.user_email_address.as_deref())
            .opt_text(
                "SubscriptionCertificateThumbprint",
                caller.subscription_certificate_thumbprint.as_deref(),
            )
            .opt_text("ClientIP", caller.client_ip.as_deref())
            .close();
        w.open("OperationStatus");
        self.operation_status.write_fields(w);
        w.close();
        w.opt_text(
            "OperationStartedTime",
            self.operation_started_time.as_deref(),
        )
        .opt_text(
            "OperationCompletedTime",
            self.operation_completed_time.as_deref(),
        )
        .opt_text("OperationKind", self.operation_kind.as_deref())
        .close();
    }

    fn from_element(el: &Element) -> Result<SubscriptionOperationXml, XmlError> {
        let text = |name| el.child_text(name).unwrap_or_default().to_owned();
        let opt = |name| el.child_text(name).map(str::to_owned);
        let id = el.child_text("OperationId").unwrap_or_default().trim();
        let parameters = el
            .child("OperationParameters")
            .map(|ps| {
                ps.children_named("OperationParameter")
                    .map(|p| OperationParameterXml {
                        name: p.child_text("Name").unwrap_or_default().to_owned(),
                        value: p.child_text("Value").map(str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let caller = el
            .child("OperationCaller")
            .map(|c| OperationCallerXml {
                used_service_management_api: c
                    .child_text("UsedServiceManagementApi")
                    .is_some_and(|v| matches!(v.trim(), "true" | "True" | "1")),
                user_email_address: c.child_text("UserEmailAddress").map(str::to_owned),
                subscription_certificate_thumbprint: c
                    .child_text("SubscriptionCertificateThumbprint")
                    .map(str::to_owned),
                client_ip: c.child_text("ClientIP").map(str::to_owned),
            })
            .unwrap_or_default();
        let status = el
            .child("OperationStatus")
            .ok_or_else(|| XmlError::Missing {
                element: "OperationStatus".to_owned(),
            })
            .and_then(OperationStatusXml::from_element)?;
        Ok(SubscriptionOperationXml {
            operation_id: normalize_operation_id(id).unwrap_or_else(|| id.to_owned()),
            operation_object_id: text("OperationObjectId"),
            operation_name: text("OperationName"),
            operation_parameters: parameters,
            operation_caller: caller,
            operation_status: status,
            operation_started_time: opt("OperationStartedTime"),
            operation_completed_time: opt("OperationCompletedTime"),
            operation_kind: opt("OperationKind"),
        })
    }
}

/// Read a List Subscription Operations response (root `SubscriptionOperationCollection`).
pub fn parse_subscription_operations(
    body: &[u8],
) -> Result<SubscriptionOperationCollectionXml, XmlError> {
    let el = parse_response(body, "SubscriptionOperationCollection")?;
    let operations = match el.child("SubscriptionOperations") {
        Some(list) => list
            .children_named("SubscriptionOperation")
            .map(SubscriptionOperationXml::from_element)
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(SubscriptionOperationCollectionXml {
        operations,
        continuation_token: el.child_text("ContinuationToken").map(str::to_owned),
    })
}
