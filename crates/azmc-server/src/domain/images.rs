//! OS images (asm-iaas §6) and VM images (§7): the platform catalogue (category `Public`
//! unless the catalogue file says otherwise, read-only; built in, or the file
//! `azmc serve --image-catalogue` names: [`catalogue`]) and the images each subscription
//! adds from its own VHDs (category `User`; a user image may not take a platform image's
//! name). The server keeps management state only: an added image's VHD is not read, so
//! its size is the platform's default for its OS (30 GB Linux, 128 GB Windows) and its
//! location is that of the subscription's storage account named by the media link's host
//! (`NAME.blob.…`), else the first offered location.

pub mod catalogue;

pub use catalogue::{Catalogue, CatalogueError};

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use azmc_db::{DbError, NewOsImage, OsImage};
use azmc_wire::asm::{
    DataDiskConfigurationXml, OsDiskConfigurationXml, OsImageInput, OsImageXml, VmImageXml,
};

/// A platform OS image as served: in every offered location unless the catalogue names
/// some.
fn platform(ctx: &Ctx<'_>, image: &OsImageXml) -> OsImageXml {
    let mut served = image.clone();
    if served.location.is_empty() {
        served.location = ctx.locations.join(";");
    }
    served
}

/// The regions a platform OS image is offered in.
fn platform_regions(ctx: &Ctx<'_>, image: &OsImageXml) -> Vec<String> {
    if image.location.is_empty() {
        ctx.locations.to_vec()
    } else {
        image.location.split(';').map(str::to_owned).collect()
    }
}

/// The wire names of the optional properties, as stored.
const PROPERTIES: &[&str] = &[
    "Eula",
    "Description",
    "ImageFamily",
    "ShowInGui",
    "PublishedDate",
    "IsPremium",
    "IconUri",
    "PrivacyUri",
    "RecommendedVMSize",
    "SmallIconUri",
    "Language",
];

/// Properties kept when sent empty (the live service answered `<Description/>` and
/// `<Language/>` for them and dropped the other empty ones).
const KEPT_EMPTY: &[&str] = &["Description", "Language"];

fn properties(input: &OsImageInput) -> Result<Vec<(String, String)>, DomainError> {
    let values = [
        &input.eula,
        &input.description,
        &input.image_family,
        &input.show_in_gui,
        &input.published_date,
        &input.is_premium,
        &input.icon_uri,
        &input.privacy_uri,
        &input.recommended_vm_size,
        &input.small_icon_uri,
        &input.language,
    ];
    let mut out = Vec::new();
    for (name, value) in PROPERTIES.iter().zip(values) {
        let Some(v) = value else { continue };
        let v = v.trim();
        if v.is_empty() && !KEPT_EMPTY.contains(name) {
            continue;
        }
        if matches!(*name, "ShowInGui" | "IsPremium")
            && !v.eq_ignore_ascii_case("true")
            && !v.eq_ignore_ascii_case("false")
        {
            return Err(DomainError::Invalid {
                field: name,
                message: format!("{name} must be true or false, not {v:?}."),
            });
        }
        if v.len() > 4096 {
            return Err(DomainError::Invalid {
                field: name,
                message: format!("{name} is longer than 4096 characters."),
            });
        }
        out.push((name.to_string(), v.to_string()));
    }
    Ok(out)
}

fn user(i: &OsImage) -> OsImageXml {
    let prop = |n: &str| {
        i.properties
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    let flag = |n: &str| prop(n).map(|v| v.eq_ignore_ascii_case("true"));
    OsImageXml {
        category: "User".into(),
        label: i.label.clone(),
        location: i.location.clone(),
        logical_size_in_gb: u32::try_from(i.logical_size_gb).unwrap_or(u32::MAX),
        media_link: Some(i.media_link.clone()),
        name: i.name.clone(),
        os: i.os.clone(),
        eula: prop("Eula"),
        description: prop("Description"),
        image_family: prop("ImageFamily"),
        show_in_gui: flag("ShowInGui"),
        published_date: prop("PublishedDate"),
        is_premium: flag("IsPremium").unwrap_or(false),
        icon_uri: prop("IconUri"),
        privacy_uri: prop("PrivacyUri"),
        recommended_vm_size: prop("RecommendedVMSize"),
        small_icon_uri: prop("SmallIconUri"),
        language: prop("Language"),
        os_state: Some("Generalized".into()),
        io_type: "Standard".into(),
        ..OsImageXml::default()
    }
}

fn db_error(e: DbError) -> DomainError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::OsImage,
            ..
        } => DomainError::not_found(ResourceKind::OsImage),
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::OsImage),
            id,
        } => DomainError::Conflict(ConflictReason::OsImageExists { name: id }),
        other => DomainError::from_db(other),
    }
}

fn platform_refused(name: &str) -> DomainError {
    DomainError::Invalid {
        field: "Name",
        message: format!(
            "The image '{name}' is a platform image: it cannot be changed or deleted."
        ),
    }
}

/// List OS Images: the catalogue, then the subscription's own images.
pub async fn list(ctx: &Ctx<'_>, subscription: &str) -> Result<Vec<OsImageXml>, DomainError> {
    let mut all: Vec<OsImageXml> = ctx
        .catalogue
        .os_images()
        .iter()
        .map(|p| platform(ctx, p))
        .collect();
    let own = ctx
        .db
        .list_os_images(subscription)
        .await
        .map_err(db_error)?;
    all.extend(own.iter().map(user));
    let shared = ctx.db.list_public_os_images().await.map_err(db_error)?;
    all.extend(
        shared
            .iter()
            .filter(|i| i.subscription_id != subscription)
            .map(shared_view),
    );
    Ok(all)
}

/// Get OS Image: the subscription's image of that name, else the catalogue's.
pub async fn get(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<OsImageXml, DomainError> {
    match ctx.db.get_os_image(subscription, name).await {
        Ok(i) => Ok(user(&i)),
        Err(e) if e.is_not_found() => match ctx.catalogue.os_image(name) {
            Some(p) => Ok(platform(ctx, p)),
            None => Ok(shared_view(&shared_os_image(ctx, name).await?)),
        },
        Err(e) => Err(db_error(e)),
    }
}

/// Get OS Image Details: the image with the regions it was replicated to (done at once:
/// there is nothing to copy).
pub async fn details(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<(OsImageXml, Vec<String>), DomainError> {
    match ctx.db.get_os_image(subscription, name).await {
        Ok(i) => Ok((user(&i), i.replicated_to)),
        Err(e) if e.is_not_found() => match ctx.catalogue.os_image(name) {
            Some(p) => Ok((platform(ctx, p), platform_regions(ctx, p))),
            None => {
                let i = shared_os_image(ctx, name).await?;
                Ok((shared_view(&i), i.replicated_to))
            }
        },
        Err(e) => Err(db_error(e)),
    }
}

pub(crate) fn required<'a>(
    value: &'a Option<String>,
    field: &'static str,
) -> Result<&'a str, DomainError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| DomainError::Invalid {
            field,
            message: format!("{field} is required."),
        })
}

pub(crate) fn operating_system(os: &str) -> Result<&'static str, DomainError> {
    if os.eq_ignore_ascii_case("linux") {
        Ok("Linux")
    } else if os.eq_ignore_ascii_case("windows") {
        Ok("Windows")
    } else {
        Err(DomainError::Invalid {
            field: "OS",
            message: format!("OS must be Linux or Windows, not {os:?}."),
        })
    }
}

/// The host of an http(s) URL with a path, or why not.
pub(crate) fn media_host(link: &str) -> Result<&str, DomainError> {
    let bad = || DomainError::Invalid {
        field: "MediaLink",
        message: format!("MediaLink {link:?} is not the http(s) URL of a VHD blob."),
    };
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let (host, path) = rest.split_once('/').ok_or_else(bad)?;
    if host.is_empty() || path.is_empty() || link.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    Ok(host)
}

/// Where a VHD at `host` (`NAME.blob.…`) is: the location of the subscription's storage
/// account NAME, else (a blob azmc cannot see) the first offered location.
pub(crate) async fn media_location(
    ctx: &Ctx<'_>,
    subscription: &str,
    host: &str,
) -> Result<String, DomainError> {
    let account = host.split('.').next().unwrap_or_default();
    match ctx.db.get_storage_account(subscription, account).await {
        Ok(a) => Ok(a.location),
        Err(e) if e.is_not_found() => Ok(ctx.locations.first().cloned().unwrap_or_default()),
        Err(e) => Err(db_error(e)),
    }
}

/// Add OS Image: Name, Label, MediaLink and OS required; the name free in the
/// subscription and not a platform image's.
pub async fn add(
    ctx: &Ctx<'_>,
    subscription: &str,
    input: &OsImageInput,
) -> Result<OsImageXml, DomainError> {
    let name = required(&input.name, "Name")?;
    let label = required(&input.label, "Label")?;
    let link = required(&input.media_link, "MediaLink")?;
    let os = operating_system(required(&input.os, "OS")?)?;
    if name.len() > 256 || name.chars().any(|c| c.is_control() || c == '/') {
        return Err(DomainError::Invalid {
            field: "Name",
            message: format!("Name {name:?} is not a valid image name."),
        });
    }
    if ctx.catalogue.os_image(name).is_some() {
        return Err(DomainError::Conflict(ConflictReason::OsImageExists {
            name: name.into(),
        }));
    }
    let host = media_host(link)?;
    let location = media_location(ctx, subscription, host).await?;
    let props = properties(input)?;
    let added = ctx
        .db
        .add_os_image(
            &NewOsImage {
                subscription_id: subscription,
                name,
                label,
                os,
                media_link: link,
                location: &location,
                logical_size_gb: if os == "Linux" { 30 } else { 128 },
                properties: &props,
            },
            ctx.now,
        )
        .await
        .map_err(db_error)?;
    Ok(user(&added))
}

/// Update OS Image: the label and the descriptive properties; not a platform image.
pub async fn update(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    input: &OsImageInput,
) -> Result<OsImageXml, DomainError> {
    let label = input
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let props = properties(input)?;
    match ctx
        .db
        .update_os_image(subscription, name, label, &props, ctx.now)
        .await
    {
        Ok(i) => Ok(user(&i)),
        Err(e) if e.is_not_found() && ctx.catalogue.os_image(name).is_some() => {
            Err(platform_refused(name))
        }
        Err(e) => Err(db_error(e)),
    }
}

/// Delete OS Image (with `comp=media` too: there is no blob to delete).
pub async fn delete(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<(), DomainError> {
    match ctx.db.delete_os_image(subscription, name).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() && ctx.catalogue.os_image(name).is_some() => {
            Err(platform_refused(name))
        }
        Err(e) => Err(db_error(e)),
    }
}

/// Replicate OS Image to offered `regions`; answers the published name.
pub async fn replicate(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    regions: &[String],
) -> Result<String, DomainError> {
    if regions.is_empty() {
        return Err(DomainError::Invalid {
            field: "TargetLocations",
            message: "TargetLocations needs at least one Region.".into(),
        });
    }
    let canonical = canonical_regions(ctx, regions)?;
    match ctx
        .db
        .replicate_os_image(subscription, name, &canonical, ctx.now)
        .await
    {
        Ok(i) => Ok(published_name(subscription, &i.name)),
        Err(e) if e.is_not_found() && ctx.catalogue.os_image(name).is_some() => {
            Err(platform_refused(name))
        }
        Err(e) => Err(db_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_links_and_systems() {
        assert_eq!(
            media_host("https://acct.blob.core.windows.net/vhds/os.vhd").unwrap(),
            "acct.blob.core.windows.net"
        );
        for bad in [
            "ftp://a/b",
            "https://",
            "https://host",
            "https:///path",
            "http://a b/c",
        ] {
            assert!(media_host(bad).is_err(), "{bad}");
        }
        assert_eq!(operating_system("linux").unwrap(), "Linux");
        assert_eq!(operating_system("WINDOWS").unwrap(), "Windows");
        assert!(operating_system("BeOS").is_err());
    }

    #[test]
    fn properties_keep_what_the_service_kept() {
        let input = OsImageInput {
            description: Some(String::new()),
            language: Some(String::new()),
            eula: Some(String::new()),
            published_date: Some(String::new()),
            show_in_gui: Some("True".into()),
            ..OsImageInput::default()
        };
        assert_eq!(
            properties(&input).unwrap(),
            [
                ("Description".to_string(), String::new()),
                ("ShowInGui".to_string(), "True".to_string()),
                ("Language".to_string(), String::new()),
            ]
        );
        let bad = OsImageInput {
            is_premium: Some("maybe".into()),
            ..OsImageInput::default()
        };
        assert!(properties(&bad).is_err());
    }
}

// ---------------------------------------------------------------------------------------
// VM images (asm-iaas §7): a built-in catalogue and the images each subscription makes
// from its VHDs. Create and Delete are asynchronous (202; the change is stored with the
// request and a job completes its operation); Update answers 200.

/// The completion of an asynchronous VM image operation: the change was stored with the
/// request. Idempotent.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct CompleteVmImageOperation {
    pub subscription: String,
    pub image: String,
}

impl crate::jobs::JobKind for CompleteVmImageOperation {
    const KIND: &'static str = "VMImageOperation";
    async fn run(self, _state: crate::state::AppState) -> crate::jobs::JobResult {
        crate::jobs::JobResult::ok()
    }
}

/// The platform VM images as served: in every offered location unless the catalogue
/// names some.
fn vm_catalogue(ctx: &Ctx<'_>) -> Vec<VmImageXml> {
    ctx.catalogue
        .vm_images()
        .iter()
        .map(|i| VmImageXml {
            location: Some(
                i.location
                    .clone()
                    .unwrap_or_else(|| ctx.locations.join(";")),
            ),
            ..i.clone()
        })
        .collect()
}

fn stored_vm_image(s: &azmc_db::StoredVmImage) -> Result<VmImageXml, DomainError> {
    azmc_wire::asm::parse_vm_image_input(s.document.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, image = %s.name, "a stored VM image does not read");
        DomainError::Internal
    })
}

fn vm_db_error(e: DbError) -> DomainError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::VmImage,
            ..
        } => DomainError::not_found(ResourceKind::VmImage),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::VmImage),
            id,
        } => DomainError::Conflict(ConflictReason::OsImageExists { name: id }),
        other => db_error(other),
    }
}

/// The filters of List VM Images (each compared case-insensitively).
#[derive(Debug, Clone, Default)]
pub struct VmImageFilter {
    pub location: Option<String>,
    pub publisher: Option<String>,
    pub category: Option<String>,
}

impl VmImageFilter {
    fn keeps(&self, i: &VmImageXml) -> bool {
        let eq = |a: &Option<String>, b: &Option<String>| match a {
            None => true,
            Some(a) => b.as_deref().is_some_and(|b| b.eq_ignore_ascii_case(a)),
        };
        let located = match &self.location {
            None => true,
            Some(l) => i
                .location
                .as_deref()
                .unwrap_or_default()
                .split(';')
                .any(|x| x.trim().eq_ignore_ascii_case(l)),
        };
        located && eq(&self.publisher, &i.publisher_name) && eq(&self.category, &i.category)
    }
}

/// List VM Images: the catalogue, then the subscription's, filtered.
pub async fn list_vm_images(
    ctx: &Ctx<'_>,
    subscription: &str,
    filter: &VmImageFilter,
) -> Result<Vec<VmImageXml>, DomainError> {
    let mut all = vm_catalogue(ctx);
    for s in ctx
        .db
        .list_vm_images(subscription)
        .await
        .map_err(vm_db_error)?
    {
        all.push(stored_vm_image(&s)?);
    }
    for s in ctx.db.list_public_vm_images().await.map_err(vm_db_error)? {
        if s.subscription_id != subscription {
            all.push(shared_vm_view(&s)?);
        }
    }
    all.retain(|i| filter.keeps(i));
    Ok(all)
}

fn host_caching(
    value: &Option<String>,
    field: &'static str,
) -> Result<Option<String>, DomainError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => ["None", "ReadOnly", "ReadWrite"]
            .iter()
            .find(|c| c.eq_ignore_ascii_case(v))
            .map(|c| Some(c.to_string()))
            .ok_or_else(|| DomainError::Invalid {
                field,
                message: format!("{field} must be None, ReadOnly or ReadWrite, not {v:?}."),
            }),
    }
}

fn vm_properties_from(input: &VmImageXml, into: &mut VmImageXml) {
    let set = |slot: &mut Option<String>, v: &Option<String>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            *slot = Some(v.to_string());
        }
    };
    set(&mut into.label, &input.label);
    set(&mut into.description, &input.description);
    set(&mut into.language, &input.language);
    set(&mut into.image_family, &input.image_family);
    set(&mut into.recommended_vm_size, &input.recommended_vm_size);
    set(&mut into.eula, &input.eula);
    set(&mut into.icon_uri, &input.icon_uri);
    set(&mut into.small_icon_uri, &input.small_icon_uri);
    set(&mut into.privacy_uri, &input.privacy_uri);
    set(&mut into.published_date, &input.published_date);
    if let Some(v) = input
        .show_in_gui
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        into.show_in_gui = Some(v.to_ascii_lowercase());
    }
}

/// Create VM Image: Name, Label and an OS disk (OS, OSState, MediaLink) required; data
/// disks with distinct LUNs (0 to 15) and media links; the name free. Stored with the
/// job that completes the operation `op`.
pub async fn create_vm_image(
    ctx: &Ctx<'_>,
    op: &crate::identity::RequestId,
    subscription: &str,
    input: &VmImageXml,
) -> Result<(), DomainError> {
    let name = required(&input.name, "Name")?.to_string();
    required(&input.label, "Label")?;
    if name.len() > 256 || name.chars().any(|c| c.is_control() || c == '/') {
        return Err(DomainError::Invalid {
            field: "Name",
            message: format!("Name {name:?} is not a valid image name."),
        });
    }
    let Some(os_in) = &input.os_disk else {
        return Err(DomainError::Invalid {
            field: "OSDiskConfiguration",
            message: "OSDiskConfiguration is required.".into(),
        });
    };
    let os = operating_system(required(&os_in.os, "OS")?)?;
    let state = required(&os_in.os_state, "OSState")?;
    let state = ["Generalized", "Specialized"]
        .iter()
        .find(|s| s.eq_ignore_ascii_case(state))
        .ok_or_else(|| DomainError::Invalid {
            field: "OSState",
            message: format!("OSState must be Generalized or Specialized, not {state:?}."),
        })?;
    let link = required(&os_in.media_link, "MediaLink")?;
    let host = media_host(link)?;
    let mut data_disks = Vec::new();
    for d in input.data_disks.iter().flatten() {
        let lun = d.lun.unwrap_or(0);
        if lun > 15
            || data_disks
                .iter()
                .any(|x: &DataDiskConfigurationXml| x.lun == Some(lun))
        {
            return Err(DomainError::Invalid {
                field: "Lun",
                message: format!("Lun {lun} is taken or not between 0 and 15."),
            });
        }
        let dlink = required(&d.media_link, "MediaLink")?;
        media_host(dlink)?;
        data_disks.push(DataDiskConfigurationXml {
            name: Some(format!("{name}-datadisk-{lun}")),
            host_caching: Some(
                host_caching(&d.host_caching, "HostCaching")?.unwrap_or_else(|| "None".into()),
            ),
            lun: Some(lun),
            media_link: Some(dlink.to_string()),
            logical_disk_size_in_gb: Some(d.logical_disk_size_in_gb.unwrap_or(1023).min(1023)),
            io_type: Some("Standard".into()),
        });
    }
    if ctx.catalogue.vm_image(&name).is_some() {
        return Err(DomainError::Conflict(ConflictReason::OsImageExists {
            name,
        }));
    }
    let location = media_location(ctx, subscription, host).await?;
    let now = azmc_wire::asm::format_time_precise(ctx.now);
    let mut image = VmImageXml {
        name: Some(name.clone()),
        category: Some("User".into()),
        os_disk: Some(OsDiskConfigurationXml {
            name: Some(
                os_in
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| format!("{name}-os")),
            ),
            host_caching: Some(
                host_caching(&os_in.host_caching, "HostCaching")?
                    .unwrap_or_else(|| "ReadWrite".into()),
            ),
            os_state: Some(state.to_string()),
            os: Some(os.to_string()),
            media_link: Some(link.to_string()),
            logical_disk_size_in_gb: Some(if os == "Linux" { 30 } else { 128 }),
            io_type: Some("Standard".into()),
        }),
        data_disks: Some(data_disks),
        location: Some(location),
        created_time: Some(now.clone()),
        modified_time: Some(now),
        is_premium: Some("false".into()),
        state: Some("VMImageReadyForUse".into()),
        ..VmImageXml::default()
    };
    vm_properties_from(input, &mut image);
    let work = CompleteVmImageOperation {
        subscription: subscription.to_string(),
        image: name.clone(),
    };
    let job = crate::jobs::new_job(ctx, op, subscription, &work)?;
    ctx.db
        .add_vm_image(subscription, &name, &image.to_xml(), Some(&job), ctx.now)
        .await
        .map_err(vm_db_error)
}

async fn own_vm_image(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<VmImageXml, DomainError> {
    let stored = ctx
        .db
        .list_vm_images(subscription)
        .await
        .map_err(vm_db_error)?;
    match stored.iter().find(|s| s.name.eq_ignore_ascii_case(name)) {
        Some(s) => stored_vm_image(s),
        None if ctx.catalogue.vm_image(name).is_some() => Err(platform_refused(name)),
        None => Err(DomainError::not_found(ResourceKind::VmImage)),
    }
}

/// Update VM Image: label, description and the descriptive properties, the OS disk's
/// host caching, the data disks' host caching (matched by name, else by LUN).
pub async fn update_vm_image(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    input: &VmImageXml,
) -> Result<(), DomainError> {
    let mut image = own_vm_image(ctx, subscription, name).await?;
    vm_properties_from(input, &mut image);
    if let (Some(change), Some(os)) = (&input.os_disk, image.os_disk.as_mut())
        && let Some(c) = host_caching(&change.host_caching, "HostCaching")?
    {
        os.host_caching = Some(c);
    }
    for change in input.data_disks.iter().flatten() {
        let Some(c) = host_caching(&change.host_caching, "HostCaching")? else {
            continue;
        };
        let disk = image.data_disks.iter_mut().flatten().find(|d| {
            (change.name.is_some() && d.name == change.name)
                || (change.name.is_none() && change.lun.is_some() && d.lun == change.lun)
        });
        match disk {
            Some(d) => d.host_caching = Some(c),
            None => {
                return Err(DomainError::Invalid {
                    field: "DataDiskConfiguration",
                    message: "A data disk to change names no data disk of the image.".into(),
                });
            }
        }
    }
    image.modified_time = Some(azmc_wire::asm::format_time_precise(ctx.now));
    let stored_name = image.name.clone().unwrap_or_else(|| name.to_string());
    ctx.db
        .set_vm_image(subscription, &stored_name, &image.to_xml(), None, ctx.now)
        .await
        .map_err(vm_db_error)
}

/// Delete VM Image (with `comp=media` too: there are no blobs to delete), with the job
/// that completes the operation `op`.
pub async fn delete_vm_image(
    ctx: &Ctx<'_>,
    op: &crate::identity::RequestId,
    subscription: &str,
    name: &str,
) -> Result<(), DomainError> {
    own_vm_image(ctx, subscription, name).await?;
    let work = CompleteVmImageOperation {
        subscription: subscription.to_string(),
        image: name.to_string(),
    };
    let job = crate::jobs::new_job(ctx, op, subscription, &work)?;
    ctx.db
        .delete_vm_image(subscription, name, Some(&job))
        .await
        .map_err(vm_db_error)
}

// Publishing (Replicate, Unreplicate, Share): a subscription's own image, replicated to
// some offered regions and shared `Public`, is offered to every other subscription under
// its published name `{subscription id without hyphens}__{name}` (category `Public`, in
// the regions it was replicated to, read-only to them). `Msdn` is stored and reported;
// azmc has no MSDN subscriptions, so such an image stays its owner's. Unreplicating
// withdraws it (sharing goes back to `Private`).

/// The name other subscriptions see a shared image under.
pub fn published_name(subscription: &str, name: &str) -> String {
    format!("{}__{}", subscription.replace('-', ""), name)
}

/// The owner's subscription id and the image name a published name is made of.
fn parse_published(name: &str) -> Option<(String, &str)> {
    let (hex, image) = name.split_once("__")?;
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) || image.is_empty() {
        return None;
    }
    Some((super::guid_of(&hex.to_ascii_lowercase()), image))
}

fn is_public(sharing: &str, regions: &[String]) -> bool {
    sharing == "Public" && !regions.is_empty()
}

/// Another subscription's image shared under the published `name`.
async fn shared_os_image(ctx: &Ctx<'_>, name: &str) -> Result<OsImage, DomainError> {
    let missing = || DomainError::not_found(ResourceKind::OsImage);
    let (owner, image) = parse_published(name).ok_or_else(missing)?;
    match ctx.db.get_os_image(&owner, image).await {
        Ok(i) if is_public(&i.sharing, &i.replicated_to) => Ok(i),
        Ok(_) => Err(missing()),
        Err(e) if e.is_not_found() => Err(missing()),
        Err(e) => Err(db_error(e)),
    }
}

/// A shared image as other subscriptions see it.
fn shared_view(i: &OsImage) -> OsImageXml {
    OsImageXml {
        category: "Public".into(),
        name: published_name(&i.subscription_id, &i.name),
        location: i.replicated_to.join(";"),
        media_link: None,
        ..user(i)
    }
}

/// A shared VM image as other subscriptions see it.
fn shared_vm_view(s: &azmc_db::StoredVmImage) -> Result<VmImageXml, DomainError> {
    let mut i = stored_vm_image(s)?;
    i.name = Some(published_name(&s.subscription_id, &s.name));
    i.category = Some("Public".into());
    i.location = Some(s.replicated_to.join(";"));
    Ok(i)
}

/// The offered locations `regions` name (any case), or 400 naming the first that is not.
fn canonical_regions(ctx: &Ctx<'_>, regions: &[String]) -> Result<Vec<String>, DomainError> {
    if regions.is_empty() {
        return Err(DomainError::Invalid {
            field: "TargetLocations",
            message: "TargetLocations needs at least one Region.".into(),
        });
    }
    regions
        .iter()
        .map(|r| {
            ctx.locations
                .iter()
                .find(|l| l.eq_ignore_ascii_case(r))
                .cloned()
                .ok_or_else(|| DomainError::Invalid {
                    field: "Region",
                    message: format!("The region '{r}' is not one of the offered locations."),
                })
        })
        .collect()
}

/// `public`, `msdn` or `private` (any case) → `Public`, `Msdn`, `Private`.
fn sharing_of(permission: Option<&str>) -> Result<&'static str, DomainError> {
    let p = permission.unwrap_or_default();
    ["Public", "Msdn", "Private"]
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(p))
        .ok_or_else(|| DomainError::Invalid {
            field: "permission",
            message: format!(
                "The query parameter permission must be public, msdn or private, not {p:?}."
            ),
        })
}

fn replicate_first(name: &str) -> DomainError {
    DomainError::Invalid {
        field: "permission",
        message: format!("The image '{name}' is not replicated: replicate it before sharing it."),
    }
}

/// Unreplicate OS Image: the image is replicated nowhere and shared with no one.
pub async fn unreplicate(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<(), DomainError> {
    match ctx
        .db
        .set_os_image_publishing(subscription, name, Some(&[]), Some("Private"), ctx.now)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() && ctx.catalogue.os_image(name).is_some() => {
            Err(platform_refused(name))
        }
        Err(e) => Err(db_error(e)),
    }
}

/// Share OS Image (`permission` public, msdn or private): the image must be replicated
/// to share it beyond its subscription; the operation `op` reports the end.
pub async fn share(
    ctx: &Ctx<'_>,
    op: &crate::identity::RequestId,
    subscription: &str,
    name: &str,
    permission: Option<&str>,
) -> Result<(), DomainError> {
    let sharing = sharing_of(permission)?;
    let current = match ctx.db.get_os_image(subscription, name).await {
        Ok(i) => i,
        Err(e) if e.is_not_found() && ctx.catalogue.os_image(name).is_some() => {
            return Err(platform_refused(name));
        }
        Err(e) => return Err(db_error(e)),
    };
    if sharing != "Private" && current.replicated_to.is_empty() {
        return Err(replicate_first(name));
    }
    ctx.db
        .set_os_image_publishing(subscription, name, None, Some(sharing), ctx.now)
        .await
        .map_err(db_error)?;
    let work = CompleteVmImageOperation {
        subscription: subscription.to_string(),
        image: current.name,
    };
    crate::jobs::enqueue(ctx, op, subscription, &work).await
}

/// Get VM Image Details: the subscription's own VM image, a platform one, or another
/// subscription's shared under its published name, with its publishing state.
pub async fn vm_image_details(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<azmc_wire::asm::VmImageDetailsXml, DomainError> {
    let details =
        |image: VmImageXml, published: Option<String>, sharing: &str, regions: &[String]| {
            azmc_wire::asm::VmImageDetailsXml {
                image,
                is_corrupted: false,
                published_name: published,
                sharing_status: sharing.to_string(),
                replication_progress: regions.iter().map(|r| (r.clone(), 100)).collect(),
            }
        };
    let own = ctx
        .db
        .list_vm_images(subscription)
        .await
        .map_err(vm_db_error)?;
    if let Some(s) = own.iter().find(|s| s.name.eq_ignore_ascii_case(name)) {
        let published =
            (!s.replicated_to.is_empty()).then(|| published_name(subscription, &s.name));
        return Ok(details(
            stored_vm_image(s)?,
            published,
            &s.sharing,
            &s.replicated_to,
        ));
    }
    if let Some(p) = vm_catalogue(ctx).into_iter().find(|i| {
        i.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }) {
        let regions: Vec<String> = p
            .location
            .as_deref()
            .unwrap_or_default()
            .split(';')
            .map(str::to_string)
            .collect();
        return Ok(details(p.clone(), p.name.clone(), "Public", &regions));
    }
    if let Some((owner, image)) = parse_published(name) {
        let shared = ctx.db.list_public_vm_images().await.map_err(vm_db_error)?;
        if let Some(s) = shared
            .iter()
            .find(|s| s.subscription_id == owner && s.name.eq_ignore_ascii_case(image))
        {
            return Ok(details(
                shared_vm_view(s)?,
                Some(published_name(&owner, &s.name)),
                &s.sharing,
                &s.replicated_to,
            ));
        }
    }
    Err(DomainError::not_found(ResourceKind::VmImage))
}

/// The refusal for a platform VM image, else the database's answer.
fn vm_publishing_error(ctx: &Ctx<'_>, name: &str, e: DbError) -> DomainError {
    let platform = vm_catalogue(ctx).iter().any(|i| {
        i.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    });
    if e.is_not_found() && platform {
        platform_refused(name)
    } else {
        vm_db_error(e)
    }
}

/// Replicate VM Image to offered `regions` (added to those it has); answers the
/// published name.
pub async fn replicate_vm_image(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    regions: &[String],
) -> Result<String, DomainError> {
    let mut all = canonical_regions(ctx, regions)?;
    let current = ctx
        .db
        .list_vm_images(subscription)
        .await
        .map_err(vm_db_error)?
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case(name));
    if let Some(c) = &current {
        for r in &c.replicated_to {
            if !all.iter().any(|a| a.eq_ignore_ascii_case(r)) {
                all.insert(0, r.clone());
            }
        }
    }
    let s = ctx
        .db
        .set_vm_image_publishing(subscription, name, Some(&all), None, ctx.now)
        .await
        .map_err(|e| vm_publishing_error(ctx, name, e))?;
    Ok(published_name(subscription, &s.name))
}

/// Unreplicate VM Image: replicated nowhere, shared with no one.
pub async fn unreplicate_vm_image(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<(), DomainError> {
    ctx.db
        .set_vm_image_publishing(subscription, name, Some(&[]), Some("Private"), ctx.now)
        .await
        .map(|_| ())
        .map_err(|e| vm_publishing_error(ctx, name, e))
}

/// Share VM Image (`permission` public, msdn or private), as [`share`] for OS images.
pub async fn share_vm_image(
    ctx: &Ctx<'_>,
    op: &crate::identity::RequestId,
    subscription: &str,
    name: &str,
    permission: Option<&str>,
) -> Result<(), DomainError> {
    let sharing = sharing_of(permission)?;
    let current = ctx
        .db
        .list_vm_images(subscription)
        .await
        .map_err(vm_db_error)?
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case(name));
    let Some(current) = current else {
        let platform = vm_catalogue(ctx).iter().any(|i| {
            i.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        });
        return Err(if platform {
            platform_refused(name)
        } else {
            DomainError::not_found(ResourceKind::VmImage)
        });
    };
    if sharing != "Private" && current.replicated_to.is_empty() {
        return Err(replicate_first(name));
    }
    ctx.db
        .set_vm_image_publishing(subscription, name, None, Some(sharing), ctx.now)
        .await
        .map_err(vm_db_error)?;
    let work = CompleteVmImageOperation {
        subscription: subscription.to_string(),
        image: current.name,
    };
    crate::jobs::enqueue(ctx, op, subscription, &work).await
}

#[cfg(test)]
mod publishing_tests {
    use super::*;

    #[test]
    fn published_names_name_their_owner() {
        let sub = "0123abcd-0000-4000-8000-00000000beef";
        let p = published_name(sub, "my__image");
        assert_eq!(p, "0123abcd00004000800000000000beef__my__image");
        assert_eq!(parse_published(&p), Some((sub.to_string(), "my__image")));
        assert_eq!(parse_published("short__x"), None);
        assert_eq!(parse_published("0123abcd00004000800000000000beef__"), None);
    }
}
