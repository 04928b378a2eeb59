//! The schema migrations, embedded at compile time: one folder per backend, in lockstep
//! (the same file names; the same tables and columns). Add a migration by adding a file to
//! BOTH folders and a line to BOTH lists below; the tests refuse anything else.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// (version, description, file name, SQL).
type Embedded = (i64, &'static str, &'static str, &'static str);

pub(crate) const SQLITE: &[Embedded] = &[
    (
        1,
        "init",
        "0001_init.sql",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "affinity_storage",
        "0002_affinity_storage.sql",
        include_str!("../migrations/sqlite/0002_affinity_storage.sql"),
    ),
    (
        3,
        "cloud_services",
        "0003_cloud_services.sql",
        include_str!("../migrations/sqlite/0003_cloud_services.sql"),
    ),
    (
        4,
        "sql_websites",
        "0004_sql_websites.sql",
        include_str!("../migrations/sqlite/0004_sql_websites.sql"),
    ),
    (
        5,
        "portal",
        "0005_portal.sql",
        include_str!("../migrations/sqlite/0005_portal.sql"),
    ),
    (
        6,
        "operation_retention",
        "0006_operation_retention.sql",
        include_str!("../migrations/sqlite/0006_operation_retention.sql"),
    ),
    (
        7,
        "link_changes",
        "0007_link_changes.sql",
        include_str!("../migrations/sqlite/0007_link_changes.sql"),
    ),
    (
        8,
        "sql_databases",
        "0008_sql_databases.sql",
        include_str!("../migrations/sqlite/0008_sql_databases.sql"),
    ),
    (
        9,
        "site_config",
        "0009_site_config.sql",
        include_str!("../migrations/sqlite/0009_site_config.sql"),
    ),
    (
        10,
        "deployment_upgrades",
        "0010_deployment_upgrades.sql",
        include_str!("../migrations/sqlite/0010_deployment_upgrades.sql"),
    ),
    (
        11,
        "link_disabled",
        "0011_link_disabled.sql",
        include_str!("../migrations/sqlite/0011_link_disabled.sql"),
    ),
    (
        12,
        "soft_delete",
        "0012_soft_delete.sql",
        include_str!("../migrations/sqlite/0012_soft_delete.sql"),
    ),
    (
        13,
        "network_configuration",
        "0013_network_configuration.sql",
        include_str!("../migrations/sqlite/0013_network_configuration.sql"),
    ),
    (
        14,
        "os_images",
        "0014_os_images.sql",
        include_str!("../migrations/sqlite/0014_os_images.sql"),
    ),
    (
        15,
        "vm_images",
        "0015_vm_images.sql",
        include_str!("../migrations/sqlite/0015_vm_images.sql"),
    ),
    (
        16,
        "reserved_ips",
        "0016_reserved_ips.sql",
        include_str!("../migrations/sqlite/0016_reserved_ips.sql"),
    ),
    (
        17,
        "disks",
        "0017_disks.sql",
        include_str!("../migrations/sqlite/0017_disks.sql"),
    ),
    (
        18,
        "virtual_machines",
        "0018_virtual_machines.sql",
        include_str!("../migrations/sqlite/0018_virtual_machines.sql"),
    ),
    (
        19,
        "image_publishing",
        "0019_image_publishing.sql",
        include_str!("../migrations/sqlite/0019_image_publishing.sql"),
    ),
];

pub(crate) const POSTGRES: &[Embedded] = &[
    (
        1,
        "init",
        "0001_init.sql",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "affinity_storage",
        "0002_affinity_storage.sql",
        include_str!("../migrations/postgres/0002_affinity_storage.sql"),
    ),
    (
        3,
        "cloud_services",
        "0003_cloud_services.sql",
        include_str!("../migrations/postgres/0003_cloud_services.sql"),
    ),
    (
        4,
        "sql_websites",
        "0004_sql_websites.sql",
        include_str!("../migrations/postgres/0004_sql_websites.sql"),
    ),
    (
        5,
        "portal",
        "0005_portal.sql",
        include_str!("../migrations/postgres/0005_portal.sql"),
    ),
    (
        6,
        "operation_retention",
        "0006_operation_retention.sql",
        include_str!("../migrations/postgres/0006_operation_retention.sql"),
    ),
    (
        7,
        "link_changes",
        "0007_link_changes.sql",
        include_str!("../migrations/postgres/0007_link_changes.sql"),
    ),
    (
        8,
        "sql_databases",
        "0008_sql_databases.sql",
        include_str!("../migrations/postgres/0008_sql_databases.sql"),
    ),
    (
        9,
        "site_config",
        "0009_site_config.sql",
        include_str!("../migrations/postgres/0009_site_config.sql"),
    ),
    (
        10,
        "deployment_upgrades",
        "0010_deployment_upgrades.sql",
        include_str!("../migrations/postgres/0010_deployment_upgrades.sql"),
    ),
    (
        11,
        "link_disabled",
        "0011_link_disabled.sql",
        include_str!("../migrations/postgres/0011_link_disabled.sql"),
    ),
    (
        12,
        "soft_delete",
        "0012_soft_delete.sql",
        include_str!("../migrations/postgres/0012_soft_delete.sql"),
    ),
    (
        13,
        "network_configuration",
        "0013_network_configuration.sql",
        include_str!("../migrations/postgres/0013_network_configuration.sql"),
    ),
    (
        14,
        "os_images",
        "0014_os_images.sql",
        include_str!("../migrations/postgres/0014_os_images.sql"),
    ),
    (
        15,
        "vm_images",
        "0015_vm_images.sql",
        include_str!("../migrations/postgres/0015_vm_images.sql"),
    ),
    (
        16,
        "reserved_ips",
        "0016_reserved_ips.sql",
        include_str!("../migrations/postgres/0016_reserved_ips.sql"),
    ),
    (
        17,
        "disks",
        "0017_disks.sql",
        include_str!("../migrations/postgres/0017_disks.sql"),
    ),
    (
        18,
        "virtual_machines",
        "0018_virtual_machines.sql",
        include_str!("../migrations/postgres/0018_virtual_machines.sql"),
    ),
    (
        19,
        "image_publishing",
        "0019_image_publishing.sql",
        include_str!("../migrations/postgres/0019_image_publishing.sql"),
    ),
];

/// A migrator for one backend's list (built without sqlx's `macros` feature, which would
/// compile sqlx and its drivers a second time).
pub(crate) fn migrator(list: &'static [Embedded]) -> Migrator {
    Migrator::with_migrations(
        list.iter()
            .map(|&(version, description, _file, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files(dir: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn migration_folders_are_in_lockstep() {
        let sqlite = files("sqlite");
        let postgres = files("postgres");
        assert!(!sqlite.is_empty());
        assert_eq!(
            sqlite, postgres,
            "migrations/sqlite and migrations/postgres must hold the same file names"
        );
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        for (dir, list) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let embedded: Vec<String> = list.iter().map(|m| m.2.to_owned()).collect();
            assert_eq!(embedded, files(dir), "the {dir} list in migrations.rs");
            for (i, &(version, description, file, _)) in list.iter().enumerate() {
                assert_eq!(version, i64::try_from(i).unwrap() + 1, "{file}");
                assert_eq!(file, format!("{version:04}_{description}.sql"));
            }
        }
        let versions = |l: &[Embedded]| l.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>();
        assert_eq!(versions(SQLITE), versions(POSTGRES));
    }
}
