//! OS images over the wire: the platform catalogue in every subscription, images added
//! from a VHD (location from the subscription's storage account when the media link names
//! one), updated, replicated, deleted; platform images are read-only; the errors.

use crate::resource_api::{Api, BAD_REQUEST, CONFLICT, NOT_FOUND, expect_error};
use azmc_wire::asm::{OsImageInput, parse_os_image, parse_os_image_details, parse_os_images};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;

const IMAGES: &str = "/{s}/services/images";

fn add_body(name: &str, link: &str, os: &str) -> String {
    OsImageInput {
        name: Some(name.into()),
        label: Some(format!("{name} label")),
        media_link: Some(link.into()),
        os: Some(os.into()),
        ..OsImageInput::default()
    }
    .to_xml()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn os_images_catalogue_and_user_images() {
    let api = Api::start(Duration::ZERO).await;
    let listed = api.get(IMAGES, parse_os_images).await;
    assert!(listed.len() >= 5);
    assert!(listed.iter().all(|i| i.category == "Public"));
    let ubuntu = listed
        .iter()
        .find(|i| i.name.contains("Ubuntu-14_04"))
        .unwrap();
    assert_eq!(ubuntu.os, "Linux");
    assert!(
        ubuntu.location.contains("West US;East US"),
        "{}",
        ubuntu.location
    );
    let got = api
        .get(&format!("{IMAGES}/{}", ubuntu.name), parse_os_image)
        .await;
    assert_eq!(&got, ubuntu);
    expect_error(
        &api,
        "GET",
        &format!("{IMAGES}/nosuch"),
        None,
        NOT_FOUND,
        "The image with the specified name does not exist.",
    )
    .await;

    // A storage account of the subscription gives the image its location.
    let sa = format!(
        "<CreateStorageServiceInput xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>imgstore</ServiceName><Label>{}</Label><Location>East Asia</Location></CreateStorageServiceInput>",
        STANDARD.encode("imgstore")
    );
    let r = api
        .req("POST", "/{s}/services/storageservices", Some(&sa))
        .await;
    api.assert_succeeded(&r.request_id()).await;
    let r = api
        .req(
            "POST",
            IMAGES,
            Some(&add_body(
                "MyLinux",
                "https://imgstore.blob.core.windows.net/vhds/os.vhd",
                "linux",
            )),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let added = parse_os_image(r.body.as_bytes()).unwrap();
    assert_eq!(
        (
            added.category.as_str(),
            added.location.as_str(),
            added.os.as_str(),
            added.logical_size_in_gb
        ),
        ("User", "East Asia", "Linux", 30)
    );
    api.assert_succeeded(&r.request_id()).await;
    // Elsewhere: the first offered location; Windows images are 128 GB.
    let r = api
        .req(
            "POST",
            IMAGES,
            Some(&add_body(
                "win",
                "http://other.blob.example.com/v/w.vhd",
                "Windows",
            )),
        )
        .await;
    let win = parse_os_image(r.body.as_bytes()).unwrap();
    assert_eq!(
        (win.location.as_str(), win.logical_size_in_gb),
        ("West US", 128)
    );

    for (body, error, needle) in [
        (
            add_body(
                "mylinux",
                "https://imgstore.blob.core.windows.net/vhds/x.vhd",
                "Linux",
            ),
            CONFLICT,
            "mylinux",
        ),
        (
            add_body(&ubuntu.name, "https://a.b/c.vhd", "Linux"),
            CONFLICT,
            "already exists",
        ),
        (
            add_body("x", "ftp://a/b.vhd", "Linux"),
            BAD_REQUEST,
            "MediaLink",
        ),
        (
            add_body("x", "https://a.b/c.vhd", "BeOS"),
            BAD_REQUEST,
            "OS",
        ),
        (
            OsImageInput {
                name: Some("x".into()),
                ..OsImageInput::default()
            }
            .to_xml(),
            BAD_REQUEST,
            "Label",
        ),
    ] {
        expect_error(&api, "POST", IMAGES, Some(&body), error, needle).await;
    }

    // Update: the label and properties; an empty Description is kept, an empty Eula is not.
    let update = OsImageInput {
        label: Some("relabelled".into()),
        description: Some(String::new()),
        eula: Some(String::new()),
        show_in_gui: Some("true".into()),
        ..OsImageInput::default()
    };
    let r = api
        .req("PUT", &format!("{IMAGES}/mylinux"), Some(&update.to_xml()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let u = parse_os_image(r.body.as_bytes()).unwrap();
    assert_eq!(u.label, "relabelled");
    assert_eq!(
        (u.description.as_deref(), u.eula.as_deref(), u.show_in_gui),
        (Some(""), None, Some(true))
    );
    expect_error(
        &api,
        "PUT",
        &format!("{IMAGES}/{}", ubuntu.name),
        Some(&update.to_xml()),
        BAD_REQUEST,
        "platform image",
    )
    .await;
    expect_error(
        &api,
        "DELETE",
        &format!("{IMAGES}/{}", ubuntu.name),
        None,
        BAD_REQUEST,
        "platform image",
    )
    .await;

    // Replicate, then the details list the regions.
    let replicate =
        azmc_wire::asm::replication_input_to_xml(&["west europe".into(), "East US".into()]);
    let r = api
        .req(
            "PUT",
            &format!("{IMAGES}/MyLinux/replicate"),
            Some(&replicate),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("__MyLinux</string>"), "{}", r.body);
    let bad = azmc_wire::asm::replication_input_to_xml(&["Mars".into()]);
    expect_error(
        &api,
        "PUT",
        &format!("{IMAGES}/MyLinux/replicate"),
        Some(&bad),
        BAD_REQUEST,
        "Mars",
    )
    .await;
    let d = api
        .get(&format!("{IMAGES}/mylinux/details"), parse_os_image_details)
        .await;
    assert_eq!(
        d.replication_progress,
        [
            ("West Europe".to_string(), 100),
            ("East US".to_string(), 100)
        ]
    );

    let r = api
        .req("DELETE", &format!("{IMAGES}/mylinux?comp=media"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    expect_error(
        &api,
        "GET",
        &format!("{IMAGES}/mylinux"),
        None,
        NOT_FOUND,
        "image",
    )
    .await;
    let names: Vec<_> = api
        .get(IMAGES, parse_os_images)
        .await
        .into_iter()
        .filter(|i| i.category == "User")
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["win"]);
    api.stop().await;
}

/// A server started with an image catalogue file serves exactly its images (with their
/// locations, the server's spelling of the ones it offers, and recommended sizes) in place
/// of the built-in ones; they are read-only and their names stay taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_file_replaces_the_built_in_images() {
    use azmc_wire::asm::{OsDiskConfigurationXml, VmImageXml, parse_vm_images};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalogue.xml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0" encoding="utf-8"?>
<ImageCatalogue xmlns="http://schemas.microsoft.com/windowsazure">
  <Images>
    <OSImage>
      <Name>corp__CentOS-6.6</Name><Label>Corp CentOS 6.6</Label><OS>Linux</OS>
      <PublisherName>Corp IT</PublisherName><ImageFamily>CentOS 6</ImageFamily>
      <Description>The company's CentOS.</Description>
      <PublishedDate>2015-04-01T00:00:00Z</PublishedDate>
    </OSImage>
    <OSImage>
      <Name>corp__WinSrv-2012R2-SQL</Name><Label>Corp SQL Server</Label><OS>windows</OS>
      <Location>north europe;Japan East;West US</Location><LogicalSizeInGB>256</LogicalSizeInGB>
      <RecommendedVMSize>A6</RecommendedVMSize>
    </OSImage>
  </Images>
  <VMImages>
    <VMImage>
      <Name>corp__Appliance</Name><Label>Corp appliance</Label>
      <OSDiskConfiguration><OSState>Specialized</OSState><OS>Linux</OS></OSDiskConfiguration>
      <Location>East Asia</Location><PublisherName>Corp IT</PublisherName>
      <RecommendedVMSize>Large</RecommendedVMSize>
    </VMImage>
  </VMImages>
</ImageCatalogue>"#,
    )
    .unwrap();
    let api = Api::start_with(|config| config.image_catalogue = Some(file.clone())).await;

    let listed = api.get(IMAGES, parse_os_images).await;
    let summary: Vec<_> = listed
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.category.as_str(),
                i.os.as_str(),
                i.location.as_str(),
                i.logical_size_in_gb,
                i.recommended_vm_size.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "corp__CentOS-6.6",
                "Public",
                "Linux",
                "West US;East US;North Europe;West Europe;East Asia;Southeast Asia",
                30,
                None
            ),
            (
                "corp__WinSrv-2012R2-SQL",
                "Public",
                "Windows",
                "West US;North Europe",
                256,
                Some("A6")
            ),
        ]
    );
    let centos = &listed[0];
    assert_eq!(
        (
            centos.label.as_str(),
            centos.publisher_name.as_deref(),
            centos.image_family.as_deref(),
            centos.description.as_deref(),
            centos.published_date.as_deref()
        ),
        (
            "Corp CentOS 6.6",
            Some("Corp IT"),
            Some("CentOS 6"),
            Some("The company's CentOS."),
            Some("2015-04-01T00:00:00Z")
        )
    );
    let got = api
        .get(&format!("{IMAGES}/CORP__winsrv-2012r2-sql"), parse_os_image)
        .await;
    assert_eq!(&got, &listed[1]);
    let d = api
        .get(
            &format!("{IMAGES}/corp__WinSrv-2012R2-SQL/details"),
            parse_os_image_details,
        )
        .await;
    assert_eq!(
        d.replication_progress,
        [
            ("West US".to_string(), 100),
            ("North Europe".to_string(), 100)
        ]
    );
    // The built-in images are gone: not found, and their names free for user images.
    let built_in =
        "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-14_04_2-LTS-amd64-server-20150309-en-us-30GB";
    expect_error(
        &api,
        "GET",
        &format!("{IMAGES}/{built_in}"),
        None,
        NOT_FOUND,
        "does not exist",
    )
    .await;
    let r = api
        .req(
            "POST",
            IMAGES,
            Some(&add_body(
                built_in,
                "https://a.blob.core.windows.net/v/u.vhd",
                "Linux",
            )),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The catalogue's are taken, and read-only.
    expect_error(
        &api,
        "POST",
        IMAGES,
        Some(&add_body("CORP__centos-6.6", "https://a.b/c.vhd", "Linux")),
        CONFLICT,
        "already exists",
    )
    .await;
    for method in ["PUT", "DELETE"] {
        expect_error(
            &api,
            method,
            &format!("{IMAGES}/corp__CentOS-6.6"),
            (method == "PUT")
                .then(|| add_body("x", "https://a.b/c.vhd", "Linux"))
                .as_deref(),
            BAD_REQUEST,
            "platform image",
        )
        .await;
    }

    let vm = "/{s}/services/vmimages";
    let platform = api
        .get(&format!("{vm}?category=Public"), parse_vm_images)
        .await;
    assert_eq!(platform.len(), 1, "{platform:?}");
    let appliance = &platform[0];
    assert_eq!(
        (
            appliance.name.as_deref(),
            appliance.location.as_deref(),
            appliance.recommended_vm_size.as_deref(),
            appliance.state.as_deref()
        ),
        (
            Some("corp__Appliance"),
            Some("East Asia"),
            Some("Large"),
            Some("VMImageReadyForUse")
        )
    );
    assert!(
        api.get(&format!("{vm}?location=West%20US"), parse_vm_images)
            .await
            .is_empty()
    );
    let taken = VmImageXml {
        name: Some("CORP__APPLIANCE".into()),
        label: Some("l".into()),
        os_disk: Some(OsDiskConfigurationXml {
            os: Some("Linux".into()),
            os_state: Some("Generalized".into()),
            media_link: Some("https://a.blob.core.windows.net/v/os.vhd".into()),
            ..OsDiskConfigurationXml::default()
        }),
        ..VmImageXml::default()
    };
    expect_error(
        &api,
        "POST",
        vm,
        Some(&taken.to_xml()),
        CONFLICT,
        "CORP__APPLIANCE",
    )
    .await;
    expect_error(
        &api,
        "DELETE",
        &format!("{vm}/corp__Appliance"),
        None,
        BAD_REQUEST,
        "platform image",
    )
    .await;
    api.stop().await;
}

/// VM images: what Create refuses (400 naming the field, 409 for a taken name), the
/// filters of List, Update of an unknown or platform image.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_images_are_checked_and_filtered() {
    use azmc_wire::asm::{
        DataDiskConfigurationXml, OsDiskConfigurationXml, VmImageXml, parse_vm_images,
    };
    let api = Api::start(Duration::ZERO).await;
    let vm = "/{s}/services/vmimages";
    let os_disk = OsDiskConfigurationXml {
        os: Some("Windows".into()),
        os_state: Some("Generalized".into()),
        media_link: Some("https://a.blob.core.windows.net/v/os.vhd".into()),
        ..OsDiskConfigurationXml::default()
    };
    let image = VmImageXml {
        name: Some("vmimg".into()),
        label: Some("l".into()),
        os_disk: Some(os_disk.clone()),
        ..VmImageXml::default()
    };
    let r = api.req("POST", vm, Some(&image.to_xml())).await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    let disk = |lun: u32| DataDiskConfigurationXml {
        lun: Some(lun),
        media_link: Some("https://a.blob.core.windows.net/v/d.vhd".into()),
        ..DataDiskConfigurationXml::default()
    };
    for (bad, error, needle) in [
        (
            VmImageXml {
                os_disk: None,
                name: Some("x".into()),
                ..image.clone()
            },
            BAD_REQUEST,
            "OSDiskConfiguration",
        ),
        (
            VmImageXml {
                name: Some("x".into()),
                os_disk: Some(OsDiskConfigurationXml {
                    os_state: Some("Frozen".into()),
                    ..os_disk.clone()
                }),
                ..image.clone()
            },
            BAD_REQUEST,
            "OSState",
        ),
        (
            VmImageXml {
                name: Some("x".into()),
                data_disks: Some(vec![disk(1), disk(1)]),
                ..image.clone()
            },
            BAD_REQUEST,
            "Lun",
        ),
        (
            VmImageXml {
                name: Some("x".into()),
                data_disks: Some(vec![disk(16)]),
                ..image.clone()
            },
            BAD_REQUEST,
            "Lun",
        ),
        (
            VmImageXml {
                name: Some("x".into()),
                os_disk: Some(OsDiskConfigurationXml {
                    host_caching: Some("Sometimes".into()),
                    ..os_disk.clone()
                }),
                ..image.clone()
            },
            BAD_REQUEST,
            "HostCaching",
        ),
        (
            VmImageXml {
                label: None,
                name: Some("x".into()),
                ..image.clone()
            },
            BAD_REQUEST,
            "Label",
        ),
        (image.clone(), CONFLICT, "vmimg"),
    ] {
        expect_error(&api, "POST", vm, Some(&bad.to_xml()), error, needle).await;
    }
    let user = api
        .get(&format!("{vm}?category=user"), parse_vm_images)
        .await;
    assert_eq!(user.len(), 1);
    assert_eq!(
        user[0].os_disk.as_ref().unwrap().logical_disk_size_in_gb,
        Some(128)
    );
    assert!(
        api.get(&format!("{vm}?location=Mars"), parse_vm_images)
            .await
            .is_empty()
    );
    let west = api
        .get(&format!("{vm}?location=West%20US"), parse_vm_images)
        .await;
    assert!(west.len() >= 3, "{west:?}");
    let cloudera = api
        .get(&format!("{vm}?publisher=cloudera"), parse_vm_images)
        .await;
    assert_eq!(cloudera.len(), 1);
    let platform = cloudera[0].name.clone().unwrap();
    expect_error(
        &api,
        "PUT",
        &format!("{vm}/nosuch"),
        Some(&image.to_xml()),
        NOT_FOUND,
        "VM image",
    )
    .await;
    expect_error(
        &api,
        "PUT",
        &format!("{vm}/{platform}"),
        Some(&image.to_xml()),
        BAD_REQUEST,
        "platform image",
    )
    .await;
    let r = api
        .req("DELETE", &format!("{vm}/VMIMG?comp=media"), None)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    assert!(
        api.get(&format!("{vm}?category=User"), parse_vm_images)
            .await
            .is_empty()
    );
    api.stop().await;
}

/// The disk repository: add OS and data disks (location from the subscription's storage
/// account), names and blobs taken once, label changes (200 with the disk), a resize that
/// grows (202, asynchronous), delete; the errors name the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disks_are_added_resized_and_deleted() {
    use azmc_wire::asm::{DiskInput, parse_disk, parse_disks};
    let api = Api::start(Duration::ZERO).await;
    let disks = "/{s}/services/disks";
    let body = |name: &str, link: &str, os: Option<&str>| {
        DiskInput {
            has_operating_system: Some("false".into()),
            os: os.map(str::to_owned),
            label: Some(format!("{name} label")),
            media_link: Some(link.into()),
            name: Some(name.into()),
            resized_size_in_gb: None,
        }
        .to_xml()
    };
    assert!(api.get(disks, parse_disks).await.is_empty());
    let r = api
        .req(
            "POST",
            disks,
            Some(&body(
                "osdisk",
                "https://x.blob.core.windows.net/v/os.vhd",
                Some("Linux"),
            )),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = parse_disk(r.body.as_bytes()).unwrap();
    assert_eq!(
        (
            d.os.as_deref(),
            d.logical_disk_size_in_gb,
            d.location.as_str()
        ),
        (Some("Linux"), 30, "West US")
    );
    api.assert_succeeded(&r.request_id()).await;
    let r = api
        .req(
            "POST",
            disks,
            Some(&body(
                "datadisk",
                "https://x.blob.core.windows.net/v/data.vhd",
                Some(""),
            )),
        )
        .await;
    let data = parse_disk(r.body.as_bytes()).unwrap();
    assert_eq!((data.os, data.logical_disk_size_in_gb), (None, 1023));
    for (b, error, needle) in [
        (
            body(
                "OSDISK",
                "https://x.blob.core.windows.net/v/other.vhd",
                None,
            ),
            CONFLICT,
            "already exists",
        ),
        (
            body("third", "https://X.blob.core.windows.net/v/OS.vhd", None),
            CONFLICT,
            "one disk per blob",
        ),
        (body("third", "nope", None), BAD_REQUEST, "MediaLink"),
        (
            body(
                "third",
                "https://x.blob.core.windows.net/v/t.vhd",
                Some("Plan9"),
            ),
            BAD_REQUEST,
            "OS",
        ),
    ] {
        expect_error(&api, "POST", disks, Some(&b), error, needle).await;
    }
    let relabel = DiskInput {
        label: Some("new label".into()),
        ..DiskInput::default()
    };
    let r = api
        .req("PUT", &format!("{disks}/OsDisk"), Some(&relabel.to_xml()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(parse_disk(r.body.as_bytes()).unwrap().label, "new label");
    let grow = DiskInput {
        resized_size_in_gb: Some("60".into()),
        ..relabel.clone()
    };
    let r = api
        .req("PUT", &format!("{disks}/osdisk"), Some(&grow.to_xml()))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    assert_eq!(
        api.get(&format!("{disks}/osdisk"), parse_disk)
            .await
            .logical_disk_size_in_gb,
        60
    );
    expect_error(
        &api,
        "PUT",
        &format!("{disks}/osdisk"),
        Some(&grow.to_xml()),
        BAD_REQUEST,
        "ResizedSizeInGB",
    )
    .await;
    expect_error(
        &api,
        "GET",
        &format!("{disks}/nosuch"),
        None,
        NOT_FOUND,
        "The disk with the specified name does not exist.",
    )
    .await;
    let r = api
        .req("DELETE", &format!("{disks}/osdisk?comp=media"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names: Vec<_> = api
        .get(disks, parse_disks)
        .await
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["datadisk"]);
    expect_error(
        &api,
        "DELETE",
        &format!("{disks}/osdisk"),
        None,
        NOT_FOUND,
        "disk",
    )
    .await;
    api.stop().await;
}

/// Publishing: an image replicated and shared `Public` is offered to every other
/// subscription under its published name, read-only, in the regions it was replicated
/// to; sharing needs a replication first; unreplicating withdraws it. OS and VM images.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_images_are_offered_to_other_subscriptions() {
    use azmc_wire::asm::{
        OsDiskConfigurationXml, VmImageXml, parse_vm_image_details, parse_vm_images,
        replication_input_to_xml,
    };
    let api = Api::start(Duration::ZERO).await;
    let other = "5ec0dd00-0000-4000-8000-0000000000a1";
    api.second_subscription(other, &azmc_db::Quotas::default())
        .await;
    let r = api
        .req(
            "POST",
            IMAGES,
            Some(&add_body(
                "pub",
                "https://a.blob.core.windows.net/v/pub.vhd",
                "Linux",
            )),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let theirs = |list: Vec<azmc_wire::asm::OsImageXml>| {
        list.into_iter()
            .filter(|i| i.name.ends_with("__pub"))
            .collect::<Vec<_>>()
    };
    // Private until replicated and shared; sharing first is refused.
    expect_error(
        &api,
        "PUT",
        &format!("{IMAGES}/pub/shareasync?permission=public"),
        None,
        BAD_REQUEST,
        "replicate it before sharing it",
    )
    .await;
    expect_error(
        &api,
        "PUT",
        &format!("{IMAGES}/pub/shareasync?permission=everyone"),
        None,
        BAD_REQUEST,
        "permission must be public, msdn or private",
    )
    .await;
    let r = api
        .req(
            "PUT",
            &format!("{IMAGES}/pub/replicate"),
            Some(&replication_input_to_xml(&["west us".into()])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let others = format!("/{other}/services/images");
    assert!(theirs(api.get(&others, parse_os_images).await).is_empty());
    let r = api
        .req(
            "PUT",
            &format!("{IMAGES}/pub/shareasync?permission=Public"),
            None,
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    let seen = theirs(api.get(&others, parse_os_images).await);
    assert_eq!(seen.len(), 1, "{seen:?}");
    let published = seen[0].name.clone();
    assert_eq!(published, format!("{}__pub", api.sub.replace('-', "")));
    assert_eq!(
        (
            seen[0].category.as_str(),
            seen[0].location.as_str(),
            &seen[0].media_link
        ),
        ("Public", "West US", &None)
    );
    let got = api
        .get(&format!("{others}/{published}"), parse_os_image)
        .await;
    assert_eq!(got.name, published);
    let details = api
        .get(
            &format!("{others}/{published}/details"),
            parse_os_image_details,
        )
        .await;
    assert_eq!(details.replication_progress, [("West US".to_string(), 100)]);
    // Read-only to them.
    let r = api
        .req("DELETE", &format!("{others}/{published}"), None)
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // The owner still sees it as its own.
    let own = api.get(&format!("{IMAGES}/pub"), parse_os_image).await;
    assert_eq!(own.category, "User");
    // Unreplicated: withdrawn.
    let r = api
        .req("PUT", &format!("{IMAGES}/pub/unreplicate"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(theirs(api.get(&others, parse_os_images).await).is_empty());
    let r = api.req("GET", &format!("{others}/{published}"), None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let platform = api.get(IMAGES, parse_os_images).await[0].name.clone();
    expect_error(
        &api,
        "PUT",
        &format!("{IMAGES}/{platform}/unreplicate"),
        None,
        BAD_REQUEST,
        "is a platform image",
    )
    .await;

    // VM images: details, replicate, share, unreplicate.
    let vm = "/{s}/services/vmimages";
    let image = VmImageXml {
        name: Some("vmpub".into()),
        label: Some("l".into()),
        os_disk: Some(OsDiskConfigurationXml {
            os: Some("Linux".into()),
            os_state: Some("Generalized".into()),
            media_link: Some("https://a.blob.core.windows.net/v/vmpub.vhd".into()),
            ..OsDiskConfigurationXml::default()
        }),
        ..VmImageXml::default()
    };
    let r = api.req("POST", vm, Some(&image.to_xml())).await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    let d = api
        .get(&format!("{vm}/vmpub/details"), parse_vm_image_details)
        .await;
    assert_eq!(
        (
            d.sharing_status.as_str(),
            &d.published_name,
            d.replication_progress.len()
        ),
        ("Private", &None, 0)
    );
    expect_error(
        &api,
        "GET",
        &format!("{vm}/nosuch/details"),
        None,
        NOT_FOUND,
        "",
    )
    .await;
    let r = api
        .req(
            "PUT",
            &format!("{vm}/vmpub/replicate"),
            Some(&replication_input_to_xml(&["East US".into()])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api
        .req(
            "PUT",
            &format!("{vm}/vmpub/shareasync?permission=public"),
            None,
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    let d = api
        .get(&format!("{vm}/vmpub/details"), parse_vm_image_details)
        .await;
    assert_eq!(d.sharing_status, "Public");
    let published = d.published_name.clone().unwrap();
    let theirs_vm = api
        .get(&format!("/{other}/services/vmimages"), parse_vm_images)
        .await;
    let shown = theirs_vm
        .iter()
        .find(|i| i.name.as_deref() == Some(published.as_str()))
        .expect("the shared VM image is offered");
    assert_eq!(
        (shown.category.as_deref(), shown.location.as_deref()),
        (Some("Public"), Some("East US"))
    );
    let d = api
        .get(
            &format!("/{other}/services/vmimages/{published}/details"),
            parse_vm_image_details,
        )
        .await;
    assert_eq!(d.sharing_status, "Public");
    let r = api
        .req("PUT", &format!("{vm}/vmpub/unreplicate"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let theirs_vm = api
        .get(&format!("/{other}/services/vmimages"), parse_vm_images)
        .await;
    assert!(
        !theirs_vm
            .iter()
            .any(|i| i.name.as_deref() == Some(published.as_str()))
    );
}
