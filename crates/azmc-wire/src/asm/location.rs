//! Locations (§4.4, `GET /{s}/locations`) and role sizes (`GET /{s}/rolesizes`). Their
//! `ComputeCapabilities` element (shared with affinity groups and cloud services) is
//! written and read by `common.rs`.

use super::common::{
    parse_response_list, read_compute_capabilities, texts, write_compute_capabilities, write_texts,
};
use super::{XmlError, XmlWriter};

/// One region in List Locations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationXml {
    pub name: String,
    pub display_name: String,
    /// `Compute`, `Storage`, `PersistentVMRole`, `HighMemory`, …
    pub available_services: Vec<String>,
    pub web_worker_role_sizes: Vec<String>,
    pub virtual_machines_role_sizes: Vec<String>,
    /// `Standard_LRS`, `Standard_ZRS`, …
    pub storage_account_types: Vec<String>,
}

/// The List Locations body.
pub fn locations_to_xml(locations: &[LocationXml]) -> String {
    let mut w = XmlWriter::root("Locations");
    for l in locations {
        w.open("Location")
            .text("Name", &l.name)
            .text("DisplayName", &l.display_name);
        write_texts(
            &mut w,
            "AvailableServices",
            "AvailableService",
            &l.available_services,
        );
        write_compute_capabilities(
            &mut w,
            &l.web_worker_role_sizes,
            &l.virtual_machines_role_sizes,
        );
        w.open("StorageCapabilities");
        write_texts(
            &mut w,
            "StorageAccountTypes",
            "StorageAccountType",
            &l.storage_account_types,
        );
        w.close();
        w.close();
    }
    w.finish()
}

/// Read a List Locations response.
pub fn parse_locations(body: &[u8]) -> Result<Vec<LocationXml>, XmlError> {
    parse_response_list(body, "Locations", "Location", |l| {
        let (web, vm) = read_compute_capabilities(l.child("ComputeCapabilities"));
        LocationXml {
            name: l.child_text("Name").unwrap_or_default().to_owned(),
            display_name: l.child_text("DisplayName").unwrap_or_default().to_owned(),
            available_services: texts(Some(l), "AvailableServices", "AvailableService"),
            web_worker_role_sizes: web,
            virtual_machines_role_sizes: vm,
            storage_account_types: texts(
                l.child("StorageCapabilities"),
                "StorageAccountTypes",
                "StorageAccountType",
            ),
        }
    })
}

/// One size in List Role Sizes (element names and order as the live service sent them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleSizeXml {
    pub name: String,
    pub label: String,
    pub cores: u32,
    pub memory_in_mb: u32,
    pub supported_by_web_worker_roles: bool,
    pub supported_by_virtual_machines: bool,
    pub max_data_disk_count: u32,
    pub web_worker_resource_disk_size_in_mb: u64,
    pub virtual_machine_resource_disk_size_in_mb: u64,
}

/// The List Role Sizes body.
pub fn role_sizes_to_xml(sizes: &[RoleSizeXml]) -> String {
    let mut w = XmlWriter::root("RoleSizes");
    for s in sizes {
        w.open("RoleSize")
            .text("Name", &s.name)
            .text("Label", &s.label)
            .int("Cores", s.cores)
            .int("MemoryInMb", s.memory_in_mb)
            .bool("SupportedByWebWorkerRoles", s.supported_by_web_worker_roles)
            .bool(
                "SupportedByVirtualMachines",
                s.supported_by_virtual_machines,
            )
            .int("MaxDataDiskCount", s.max_data_disk_count)
            .int(
                "WebWorkerResourceDiskSizeInMb",
                s.web_worker_resource_disk_size_in_mb,
            )
            .int(
                "VirtualMachineResourceDiskSizeInMb",
                s.virtual_machine_resource_disk_size_in_mb,
            )
            .close();
    }
    w.finish()
}

/// Read a List Role Sizes response (unparseable numbers read as 0).
pub fn parse_role_sizes(body: &[u8]) -> Result<Vec<RoleSizeXml>, XmlError> {
    parse_response_list(body, "RoleSizes", "RoleSize", |r| {
        let text = |n| r.child_text(n).unwrap_or_default().trim();
        RoleSizeXml {
            name: text("Name").to_owned(),
            label: text("Label").to_owned(),
            cores: text("Cores").parse().unwrap_or(0),
            memory_in_mb: text("MemoryInMb").parse().unwrap_or(0),
            supported_by_web_worker_roles: text("SupportedByWebWorkerRoles") == "true",
            supported_by_virtual_machines: text("SupportedByVirtualMachines") == "true",
            max_data_disk_count: text("MaxDataDiskCount").parse().unwrap_or(0),
            web_worker_resource_disk_size_in_mb: text("WebWorkerResourceDiskSizeInMb")
                .parse()
                .unwrap_or(0),
            virtual_machine_resource_disk_size_in_mb: text("VirtualMachineResourceDiskSizeInMb")
                .parse()
                .unwrap_or(0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_round_trip_in_the_recorded_shape() {
        let l = LocationXml {
            name: "West US".into(),
            display_name: "West US".into(),
            available_services: vec!["Compute".into(), "Storage".into()],
            web_worker_role_sizes: vec!["Small".into()],
            virtual_machines_role_sizes: vec!["A5".into(), "Small".into()],
            storage_account_types: vec!["Standard_LRS".into()],
        };
        let xml = locations_to_xml(std::slice::from_ref(&l));
        assert!(xml.starts_with(
            "<Locations xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Location><Name>West US</Name><DisplayName>West US</DisplayName><AvailableServices><AvailableService>Compute</AvailableService><AvailableService>Storage</AvailableService></AvailableServices><ComputeCapabilities><WebWorkerRoleSizes><RoleSize>Small</RoleSize></WebWorkerRoleSizes><VirtualMachinesRoleSizes><RoleSize>A5</RoleSize><RoleSize>Small</RoleSize></VirtualMachinesRoleSizes></ComputeCapabilities><StorageCapabilities><StorageAccountTypes><StorageAccountType>Standard_LRS</StorageAccountType></StorageAccountTypes></StorageCapabilities></Location></Locations>"
        ), "{xml}");
        assert_eq!(parse_locations(xml.as_bytes()).unwrap(), vec![l]);
    }

    #[test]
    fn role_sizes_match_the_recording() {
        let s = RoleSizeXml {
            name: "A5".into(),
            label: "A5 (2 cores, 14336 MB)".into(),
            cores: 2,
            memory_in_mb: 14336,
            supported_by_web_worker_roles: true,
            supported_by_virtual_machines: true,
            max_data_disk_count: 4,
            web_worker_resource_disk_size_in_mb: 501_760,
            virtual_machine_resource_disk_size_in_mb: 138_240,
        };
        let xml = role_sizes_to_xml(std::slice::from_ref(&s));
        assert!(xml.contains("<RoleSize><Name>A5</Name><Label>A5 (2 cores, 14336 MB)</Label><Cores>2</Cores><MemoryInMb>14336</MemoryInMb><SupportedByWebWorkerRoles>true</SupportedByWebWorkerRoles><SupportedByVirtualMachines>true</SupportedByVirtualMachines><MaxDataDiskCount>4</MaxDataDiskCount><WebWorkerResourceDiskSizeInMb>501760</WebWorkerResourceDiskSizeInMb><VirtualMachineResourceDiskSizeInMb>138240</VirtualMachineResourceDiskSizeInMb></RoleSize>"), "{xml}");
        assert_eq!(parse_role_sizes(xml.as_bytes()).unwrap(), vec![s]);
    }
}
