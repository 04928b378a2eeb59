//! The XML of the Service Management (ASM) API (`shared/asm-api.md`), shared by server and client.
//!
//! * Writing responses: plain structs with `to_xml()` ([`ErrorXml`], [`SubscriptionXml`],
//!   [`SubscriptionCertificateXml`], [`OperationStatusXml`],
//!   [`SubscriptionOperationCollectionXml`]), built on [`XmlWriter`]. Output is compact, has
//!   no XML declaration, and its root declares `xmlns="http://schemas.microsoft.com/windowsazure"`
//!   and `xmlns:i="http://www.w3.org/2001/XMLSchema-instance"`, as the live service did (§1.4).
//!   Element names and order follow the live recordings and the service's data contracts.
//! * Reading request bodies: [`parse_document`] builds a small tree ([`Element`]) from
//!   untrusted bytes — no DTD (a DOCTYPE is refused, nothing is ever expanded), bounded size,
//!   depth and element count — matching by local name, ignoring namespaces and prefixes.
//!   [`parse_flat`] checks the root and gives its children by name;
//!   [`parse_subscription_certificate`] reads the Add Management Certificate body.
//! * Writing request bodies (for the client): every input struct the server reads has a
//!   `to_xml()` — [`CreateAffinityGroupInput`], [`UpdateAffinityGroupInput`],
//!   [`SubscriptionCertificateInput`], [`CreateHostedServiceInput`],
//!   [`UpdateHostedServiceInput`], [`CreateStorageServiceInput`],
//!   [`UpdateStorageServiceInput`], [`CreateDeploymentInput`], [`CertificateFileInput`],
//!   [`SqlServerInput`], [`FirewallRuleInput`], [`SiteInput`], [`ReservedIpInput`],
//!   [`ReservedIpAssociationInput`], and
//!   [`DeploymentChangeInput::to_xml`]`(root)` for `ChangeConfiguration` /
//!   `UpgradeDeployment` — and the bodies read as a tuple or a single value have free
//!   functions: [`regenerate_keys_to_xml`], [`update_deployment_status_to_xml`],
//!   [`swap_to_xml`], [`walk_upgrade_domain_to_xml`], [`role_instance_names_to_xml`],
//!   [`sql_admin_password_to_xml`]. They write what the Python client sends (the 2015
//!   recordings): no XML declaration, root with the windowsazure default namespace and the
//!   `i` prefix — except SQL `Server` / `AdministratorLoginPassword` (SQL Azure namespace
//!   only, [`XmlWriter::root_ns`]) and the firewall rule `ServiceResource` (windowsazure
//!   only) — elements in the service's order, `None` fields left out, `ExtendedProperties`
//!   only when there are some. Unlike the real clients, every value is escaped; labels
//!   stay base64 as the structs hold them. Each round-trips through its `parse_*` reader.
//! * Reading responses (for the client): [`parse_error`], [`parse_operation_status`],
//!   [`parse_subscription`], [`parse_subscription_certificate_xml`],
//!   [`parse_subscription_certificates`], [`parse_subscription_operations`], the Create SQL
//!   Server answer [`parse_sql_server_name`], and the resource readers (among them the
//!   read-only catalogues of classic IaaS: [`parse_operating_systems`],
//!   [`parse_operating_system_families`], [`parse_resource_extensions`]). Names are
//!   matched case-sensitively by local name, as the Python client does.
//! * Helpers: operation ids ([`format_operation_id`], [`normalize_operation_id`]), times
//!   ([`format_time`], [`format_time_precise`]) and labels ([`encode_label`], [`decode_label`]).
//!
//! No I/O, no clock: times are passed in.

mod affinity_group;
mod certificate;
mod common;
mod deleted;
mod deployment;
mod disk;
mod dom;
mod error;
mod extension;
mod hosted_service;
mod image;
mod location;
mod network;
mod operating_system;
mod operation;
mod reserved_ip;
mod service_certificate;
mod sql;
mod sql_database;
mod storage;
mod subscription;
mod values;
mod vm;
mod vm_image;
mod website;
mod website_config;
mod writer;

pub use affinity_group::{
    AffinityGroupXml, CreateAffinityGroupInput, UpdateAffinityGroupInput, affinity_groups_to_xml,
    parse_affinity_group, parse_affinity_groups, parse_create_affinity_group,
    parse_update_affinity_group,
};
pub use certificate::{
    SubscriptionCertificateInput, SubscriptionCertificateXml, parse_subscription_certificate,
    parse_subscription_certificate_xml, parse_subscription_certificates,
    subscription_certificates_to_xml,
};
pub use common::read_extended_properties;
pub use deleted::{DeletedKind, DeletedResourceXml, deleted_to_xml, parse_deleted};
pub use deployment::{
    CreateDeploymentInput, DeploymentChangeInput, DeploymentXml, InstanceEndpointXml,
    RoleInstanceXml, UpgradeStatusXml, VirtualIpXml, parse_create_deployment, parse_deployment,
    parse_deployment_change, parse_role_instance_names, parse_rollback,
    parse_service_configuration, parse_swap, parse_update_deployment_status,
    parse_walk_upgrade_domain, role_instance_names_to_xml, rollback_to_xml, swap_to_xml,
    update_deployment_status_to_xml, walk_upgrade_domain_to_xml,
};
pub use disk::{
    AttachedToXml, DiskInput, DiskXml, disks_to_xml, parse_disk, parse_disk_input, parse_disks,
};
pub use dom::{Element, FlatXml, Limits, parse_document, parse_document_with, parse_flat};
pub use error::XmlError;
pub use extension::{ResourceExtensionXml, parse_resource_extensions, resource_extensions_to_xml};
pub use hosted_service::{
    CreateHostedServiceInput, HostedServiceXml, UpdateHostedServiceInput, availability_to_xml,
    hosted_services_to_xml, parse_availability, parse_create_hosted_service, parse_hosted_service,
    parse_hosted_services, parse_update_hosted_service,
};
pub use image::{
    OsImageDetailsXml, OsImageInput, OsImageXml, os_images_to_xml, parse_os_image,
    parse_os_image_details, parse_os_image_input, parse_os_images, parse_replication_input,
    replicated_name_to_xml, replication_input_to_xml,
};
pub use location::{
    LocationXml, RoleSizeXml, locations_to_xml, parse_locations, parse_role_sizes,
    role_sizes_to_xml,
};
pub use network::{
    DnsServerConfig, GatewaySiteXml, LocalNetworkSiteConfig, NS_NETCFG, NetworkConfiguration,
    SubnetConfig, VirtualNetworkSiteConfig, VirtualNetworkSiteXml, parse_network_configuration,
    parse_virtual_network_sites, virtual_network_sites_to_xml,
};
pub use operating_system::{
    OperatingSystemFamilyXml, OperatingSystemXml, operating_system_families_to_xml,
    operating_systems_to_xml, parse_operating_system_families, parse_operating_systems,
};
pub use operation::{
    ErrorXml, ExtendedErrorXml, OperationStatus, OperationStatusXml, parse_error,
    parse_extended_error, parse_operation_status,
};
pub use reserved_ip::{
    ReservedIpAssociationInput, ReservedIpInput, ReservedIpXml, parse_create_reserved_ip,
    parse_reserved_ip, parse_reserved_ip_association, parse_reserved_ips, reserved_ips_to_xml,
};
pub use service_certificate::{
    CertificateFileInput, ServiceCertificateXml, parse_certificate_file, parse_service_certificate,
    parse_service_certificates, service_certificates_to_xml,
};
pub use sql::{
    FIREWALL_RULE_TYPE, FirewallRuleInput, FirewallRuleXml, NS_SQL_AZURE, SqlServerInput,
    SqlServerXml, firewall_rules_to_xml, parse_firewall_rule, parse_firewall_rule_input,
    parse_firewall_rules, parse_sql_admin_password, parse_sql_server_input, parse_sql_server_name,
    parse_sql_servers, sql_admin_password_to_xml, sql_server_name_to_xml, sql_servers_to_xml,
};
pub use sql_database::{
    SERVER_QUOTA_TYPE, SERVICE_OBJECTIVE_TYPE, SQL_DATABASE_TYPE, ServerQuotaXml,
    ServiceObjectiveXml, SqlDatabaseInput, SqlDatabaseXml, parse_server_quota, parse_server_quotas,
    parse_service_objective, parse_service_objectives, parse_sql_database,
    parse_sql_database_input, parse_sql_databases, server_quotas_to_xml, service_objectives_to_xml,
    sql_databases_to_xml,
};
pub use storage::{
    CreateStorageServiceInput, StorageServiceKeysXml, StorageServiceXml, UpdateStorageServiceInput,
    parse_create_storage_service, parse_regenerate_keys, parse_storage_keys, parse_storage_service,
    parse_storage_services, parse_update_storage_service, regenerate_keys_to_xml,
    storage_services_to_xml,
};
pub use subscription::{
    NetworkLimitsXml, OperationCallerXml, OperationParameterXml,
    SubscriptionOperationCollectionXml, SubscriptionOperationXml, SubscriptionXml,
    parse_subscription, parse_subscription_operations,
};
pub use values::{
    decode_label, encode_label, format_operation_id, format_time, format_time_precise,
    normalize_operation_id, normalize_subscription_id,
};
pub use vm::{
    AclRuleXml, DataVirtualHardDiskXml, InputEndpointXml, LoadBalancerProbeXml,
    NetworkConfigurationSetXml, OsVirtualHardDiskXml, ProvisioningKind, ProvisioningSetXml,
    PublicIpXml, ResourceExtensionReferenceXml, RoleOperationXml, RoleXml, RolesOperationXml,
    SshKeyXml, VmDeploymentInput, load_balanced_endpoints_to_xml, parse_data_disk,
    parse_data_disk_response, parse_load_balanced_endpoints, parse_role, parse_role_operation,
    parse_role_response, parse_roles_operation, parse_vm_deployment,
};
pub use vm_image::{
    DataDiskConfigurationXml, OsDiskConfigurationXml, VmImageDetailsXml, VmImageXml,
    parse_vm_image_details, parse_vm_image_input, parse_vm_images, vm_images_to_xml,
};
pub use website::{
    NS_SERIALIZATION, NS_SERIALIZATION_ARRAYS, SiteInput, SiteXml, WebSpaceXml, dns_suffix_to_xml,
    geo_regions_to_xml, parse_geo_regions, parse_site, parse_site_input, parse_sites,
    parse_webspaces, sites_to_xml, webspaces_to_xml,
};
pub use website_config::{
    CONNECTION_STRING_TYPES, ConnectionStringInfo, HandlerMapping, NameValue, PublishProfile,
    SiteConfig, instance_ids_to_xml, parse_instance_ids, parse_publish_data, parse_site_config,
    parse_site_config_json, publish_data_to_xml,
};
pub use writer::{XmlWriter, escape};

/// The brief's name for [`ErrorXml`].
pub use operation::ErrorXml as Error;

/// The default namespace of every ASM request and response body.
pub const NS_WINDOWS_AZURE: &str = "http://schemas.microsoft.com/windowsazure";

/// The XML Schema instance namespace, always declared with the prefix `i` (Node only
/// recognises `i:nil`).
pub const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The data-contract namespace of `OperationParameter/a:Name` and `a:Value` (§1.5).
pub const NS_SERVICE_MANAGEMENT_DATACONTRACT: &str =
    "http://schemas.datacontract.org/2004/07/Microsoft.WindowsAzure.ServiceManagement";

/// The largest request body [`parse_document`] reads (the server caps bodies at this size).
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// The deepest element nesting [`parse_document`] accepts.
pub const MAX_DEPTH: usize = 32;

/// The most elements [`parse_document`] accepts in one body.
pub const MAX_ELEMENTS: usize = 10_000;
