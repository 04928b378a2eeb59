//! The platform image catalogue: the OS images and VM images every subscription sees
//! (read-only, beside its own), built in or read at start from the file that
//! `azmc serve --image-catalogue` names
//! ([`ServerConfig::image_catalogue`](crate::config::ServerConfig::image_catalogue)).
//!
//! The file is UTF-8 XML (at most [`MAX_FILE_BYTES`]; no DOCTYPE) in one of three shapes
//! (elements are matched by local name: the `windowsazure` namespace is customary, not
//! required):
//!
//! * a List OS Images answer, `<Images>` of `<OSImage>` elements: a saved
//!   `GET /{subscription}/services/images` answer serves as it is (as long as it holds no
//!   image of Category `User`: those are a subscription's own);
//! * a List VM Images answer, `<VMImages>` of `<VMImage>` elements;
//! * `<ImageCatalogue>` holding an `<Images>` element, a `<VMImages>` element, or both, in
//!   those shapes (see `docs/image-catalogue.xml`).
//!
//! The file is the whole catalogue: a kind of image it does not hold is not offered (the
//! built-in images are not added to it). Each image needs a Name (at most 256
//! characters, no control characters or `/`; unique within its kind, ignoring case) and an
//! OS, `Linux` or `Windows` (a VM image's in its `OSDiskConfiguration`); the other elements
//! are served as written (read by the List answers' own readers), with these defaults:
//! Label the name, Category `Public`, LogicalSizeInGB (OS images, and VM images' OS disks)
//! 30 for Linux and 128 for Windows, a VM image's `DataDiskConfigurations` empty and its
//! VMImageState `VMImageReadyForUse`. Location is the `;`-separated list of the image's
//! regions: the ones the server offers (`--location`) are kept, in the server's order and
//! spelling, the others left out; an image with no Location (or an empty one) is offered in
//! every location of the server, an image whose regions are all left out is refused.
//! Anything else wrong (no such file, malformed XML, an element other than these) stops the
//! start with a [`CatalogueError`] naming the file and the cause.

use azmc_wire::asm::{
    DataDiskConfigurationXml, Element, Limits, OsDiskConfigurationXml, OsImageXml, VmImageXml,
    XmlError, parse_document_with,
};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The largest catalogue file read: 16 MiB (a live List OS Images answer ran to several
/// MiB).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The bounds of the file's XML (its size is checked before parsing).
const LIMITS: Limits = Limits {
    max_bytes: MAX_FILE_BYTES,
    max_depth: 32,
    max_elements: 1_000_000,
};

/// The platform images a server offers. An OS image whose `location` is empty, and a VM
/// image whose `location` is `None`, are offered in every location of the server; the
/// other locations are the server's own spelling of them, `;`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    os_images: Vec<OsImageXml>,
    vm_images: Vec<VmImageXml>,
}

impl Catalogue {
    /// The built-in catalogue: 8 OS images and 2 VM images of the 2015 gallery, each in
    /// every location.
    pub fn built_in() -> Catalogue {
        Catalogue {
            os_images: BUILT_IN_OS_IMAGES
                .iter()
                .map(BuiltInOsImage::to_xml)
                .collect(),
            vm_images: built_in_vm_images(),
        }
    }

    /// The built-in catalogue, made once (for contexts with no running server).
    pub(crate) fn built_in_ref() -> &'static Catalogue {
        static BUILT_IN: LazyLock<Catalogue> = LazyLock::new(Catalogue::built_in);
        &BUILT_IN
    }

    /// Read and check the catalogue file at `path` for a server offering `locations`.
    pub fn load(path: &Path, locations: &[String]) -> Result<Catalogue, CatalogueError> {
        let refused = |problem| CatalogueError {
            path: path.to_path_buf(),
            problem,
        };
        let body = read_bounded(path).map_err(refused)?;
        Catalogue::read(&body, locations).map_err(refused)
    }

    /// Read and check a catalogue document for a server offering `locations`.
    pub fn read(body: &[u8], locations: &[String]) -> Result<Catalogue, CatalogueProblem> {
        if body.len() > MAX_FILE_BYTES {
            return Err(CatalogueProblem::TooLarge {
                limit: MAX_FILE_BYTES,
            });
        }
        let root = parse_document_with(body, LIMITS).map_err(|e| match e {
            XmlError::Empty => CatalogueProblem::Empty,
            e => CatalogueProblem::Xml(e),
        })?;
        let (os_list, vm_list) = match root.name.as_str() {
            "Images" => (Some(&root), None),
            "VMImages" => (None, Some(&root)),
            "ImageCatalogue" => {
                let mut seen: Vec<&str> = Vec::new();
                for section in &root.children {
                    let name = section.name.as_str();
                    if !matches!(name, "Images" | "VMImages") || seen.contains(&name) {
                        return Err(unexpected(&root, section));
                    }
                    seen.push(name);
                }
                (root.child("Images"), root.child("VMImages"))
            }
            other => return Err(CatalogueProblem::Root(short(other))),
        };
        let mut catalogue = Catalogue {
            os_images: Vec::new(),
            vm_images: Vec::new(),
        };
        if let Some(list) = os_list {
            for (i, el) in list.children.iter().enumerate() {
                if el.name != "OSImage" {
                    return Err(unexpected(list, el));
                }
                let entry = Entry::new(EntryKind::OsImage, i + 1);
                let image = checked_os_image(entry, el, locations)?;
                let name = image.name.as_str();
                if let Some(first) = catalogue
                    .os_images
                    .iter()
                    .position(|o| o.name.eq_ignore_ascii_case(name))
                {
                    return Err(CatalogueProblem::Duplicate {
                        entry: Entry::new(EntryKind::OsImage, i + 1).named(name),
                        first: first + 1,
                    });
                }
                catalogue.os_images.push(image);
            }
        }
        if let Some(list) = vm_list {
            for (i, el) in list.children.iter().enumerate() {
                if el.name != "VMImage" {
                    return Err(unexpected(list, el));
                }
                let entry = Entry::new(EntryKind::VmImage, i + 1);
                let image = checked_vm_image(entry, el, locations)?;
                let name = image.name.as_deref().unwrap_or_default();
                if let Some(first) = catalogue.vm_images.iter().position(|o| {
                    o.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                }) {
                    return Err(CatalogueProblem::Duplicate {
                        entry: Entry::new(EntryKind::VmImage, i + 1).named(name),
                        first: first + 1,
                    });
                }
                catalogue.vm_images.push(image);
            }
        }
        Ok(catalogue)
    }

    /// The OS images, in catalogue order.
    pub fn os_images(&self) -> &[OsImageXml] {
        &self.os_images
    }

    /// The VM images, in catalogue order.
    pub fn vm_images(&self) -> &[VmImageXml] {
        &self.vm_images
    }

    /// The OS image of that name (ignoring case).
    pub fn os_image(&self, name: &str) -> Option<&OsImageXml> {
        self.os_images
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }

    /// The VM image of that name (ignoring case).
    pub fn vm_image(&self, name: &str) -> Option<&VmImageXml> {
        self.vm_images.iter().find(|i| {
            i.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

/// A catalogue file the server refused: the file and why.
#[derive(Debug, thiserror::Error)]
#[error("image catalogue {}: {problem}", path.display())]
pub struct CatalogueError {
    pub path: PathBuf,
    /// Why (part of this error's message, so not a separate source).
    pub problem: CatalogueProblem,
}

/// What is wrong with a catalogue file. Messages are one line and quote names from the
/// file shortened and escaped.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueProblem {
    #[error("cannot read it: {0}")]
    Read(std::io::Error),
    #[error("it is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("it is empty")]
    Empty,
    #[error("{0}")]
    Xml(XmlError),
    #[error("the root element is <{0}>, expected <Images>, <VMImages> or <ImageCatalogue>")]
    Root(String),
    /// An element other than the shapes' own, or a second section of one kind.
    #[error("<{found}> is not expected in <{parent}>")]
    Unexpected { parent: String, found: String },
    #[error("{0} has no Name")]
    NoName(Entry),
    #[error("{0} has an invalid Name (at most 256 characters, no control characters or /)")]
    BadName(Entry),
    #[error("{0} has no OS")]
    NoOs(Entry),
    #[error("{entry}: OS must be Linux or Windows, not \"{os}\"")]
    BadOs { entry: Entry, os: String },
    #[error("{0} has Category User: a catalogue holds platform images, not a subscription's own")]
    UserCategory(Entry),
    #[error("{entry} is offered in none of the server's locations ({offered})")]
    NoLocation { entry: Entry, offered: String },
    #[error("{entry} has the name of {kind} {first} (names are compared ignoring case)", kind = .entry.kind)]
    Duplicate { entry: Entry, first: usize },
}

/// Which image of the file a problem is about: its kind, its position among the images of
/// its kind (from 1) and, once read, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub index: usize,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    OsImage,
    VmImage,
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryKind::OsImage => "image",
            EntryKind::VmImage => "VM image",
        })
    }
}

impl Entry {
    fn new(kind: EntryKind, index: usize) -> Entry {
        Entry {
            kind,
            index,
            name: None,
        }
    }

    fn named(self, name: &str) -> Entry {
        Entry {
            name: Some(name.to_string()),
            ..self
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.index)?;
        match &self.name {
            Some(n) => write!(f, " (\"{}\")", short(n)),
            None => Ok(()),
        }
    }
}

/// A text from the file for a one-line message: at most 80 characters, control characters
/// and quotes escaped.
fn short(text: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = text
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

fn unexpected(parent: &Element, found: &Element) -> CatalogueProblem {
    CatalogueProblem::Unexpected {
        parent: short(&parent.name),
        found: short(&found.name),
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, CatalogueProblem> {
    let file = std::fs::File::open(path).map_err(CatalogueProblem::Read)?;
    let mut body = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(CatalogueProblem::Read)?;
    if body.len() > MAX_FILE_BYTES {
        return Err(CatalogueProblem::TooLarge {
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(body)
}

/// The image's name, trimmed and checked (as Add OS Image checks a user image's).
fn checked_name(entry: Entry, name: Option<&str>) -> Result<(Entry, String), CatalogueProblem> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(CatalogueProblem::NoName(entry));
    }
    let entry = entry.named(name);
    if name.chars().count() > 256 || name.chars().any(|c| c.is_control() || c == '/') {
        return Err(CatalogueProblem::BadName(entry));
    }
    Ok((entry, name.to_string()))
}

/// `Linux` or `Windows` (given in any case).
fn checked_os(entry: &Entry, os: Option<&str>) -> Result<&'static str, CatalogueProblem> {
    let os = os.map(str::trim).unwrap_or_default();
    if os.is_empty() {
        Err(CatalogueProblem::NoOs(entry.clone()))
    } else if os.eq_ignore_ascii_case("linux") {
        Ok("Linux")
    } else if os.eq_ignore_ascii_case("windows") {
        Ok("Windows")
    } else {
        Err(CatalogueProblem::BadOs {
            entry: entry.clone(),
            os: short(os),
        })
    }
}

/// The category, `Public` when not given; `User` refused.
fn checked_category(entry: &Entry, category: Option<&str>) -> Result<String, CatalogueProblem> {
    match category.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok("Public".into()),
        Some(c) if c.eq_ignore_ascii_case("user") => {
            Err(CatalogueProblem::UserCategory(entry.clone()))
        }
        Some(c) => Ok(c.to_string()),
    }
}

/// The offered locations among `location` (`;`-separated), in the server's order and
/// spelling; `None` (every location) when it names none.
fn checked_location(
    entry: &Entry,
    location: Option<&str>,
    offered: &[String],
) -> Result<Option<String>, CatalogueProblem> {
    let named: Vec<&str> = location
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if named.is_empty() {
        return Ok(None);
    }
    let kept: Vec<&str> = offered
        .iter()
        .filter(|o| named.iter().any(|n| n.eq_ignore_ascii_case(o)))
        .map(String::as_str)
        .collect();
    if kept.is_empty() {
        return Err(CatalogueProblem::NoLocation {
            entry: entry.clone(),
            offered: offered.join(", "),
        });
    }
    Ok(Some(kept.join(";")))
}

fn default_size(os: &str) -> u32 {
    if os == "Linux" { 30 } else { 128 }
}

fn checked_os_image(
    entry: Entry,
    el: &Element,
    offered: &[String],
) -> Result<OsImageXml, CatalogueProblem> {
    let image = OsImageXml::from_element(el);
    let (entry, name) = checked_name(entry, Some(image.name.as_str()))?;
    let os = checked_os(&entry, Some(image.os.as_str()))?;
    let category = checked_category(&entry, Some(image.category.as_str()))?;
    let location = checked_location(&entry, Some(image.location.as_str()), offered)?;
    let label = if image.label.trim().is_empty() {
        name.clone()
    } else {
        image.label
    };
    let logical_size_in_gb = match image.logical_size_in_gb {
        0 => default_size(os),
        n => n,
    };
    Ok(OsImageXml {
        name,
        os: os.into(),
        category,
        label,
        location: location.unwrap_or_default(),
        logical_size_in_gb,
        ..image
    })
}

fn checked_vm_image(
    entry: Entry,
    el: &Element,
    offered: &[String],
) -> Result<VmImageXml, CatalogueProblem> {
    let image = VmImageXml::from_element(el);
    let (entry, name) = checked_name(entry, image.name.as_deref())?;
    let disk = image.os_disk.clone().unwrap_or_default();
    let os = checked_os(&entry, disk.os.as_deref())?;
    let category = checked_category(&entry, image.category.as_deref())?;
    let location = checked_location(&entry, image.location.as_deref(), offered)?;
    let label = match image.label {
        Some(l) if !l.trim().is_empty() => l,
        _ => name.clone(),
    };
    Ok(VmImageXml {
        label: Some(label),
        category: Some(category),
        os_disk: Some(OsDiskConfigurationXml {
            os: Some(os.into()),
            logical_disk_size_in_gb: disk
                .logical_disk_size_in_gb
                .filter(|n| *n > 0)
                .or(Some(default_size(os))),
            ..disk
        }),
        data_disks: image.data_disks.or_else(|| Some(Vec::new())),
        location,
        state: image
            .state
            .filter(|s| !s.trim().is_empty())
            .or_else(|| Some("VMImageReadyForUse".into())),
        name: Some(name),
        ..image
    })
}

impl BuiltInOsImage {
    fn to_xml(&self) -> OsImageXml {
        OsImageXml {
            category: "Public".into(),
            label: self.label.into(),
            logical_size_in_gb: self.size_gb,
            name: self.name.into(),
            os: self.os.into(),
            eula: Some(
                "http://www.microsoft.com/en-us/legal/intellectualproperty/copyright".into(),
            ),
            description: Some(self.description.into()),
            image_family: Some(self.family.into()),
            show_in_gui: Some(true),
            published_date: Some(self.published.into()),
            recommended_vm_size: self.recommended_size.map(str::to_owned),
            publisher_name: Some(self.publisher.into()),
            io_type: "Standard_LRS".into(),
            ..OsImageXml::default()
        }
    }
}

/// An OS image of the built-in catalogue.
struct BuiltInOsImage {
    name: &'static str,
    label: &'static str,
    os: &'static str,
    family: &'static str,
    publisher: &'static str,
    size_gb: u32,
    published: &'static str,
    recommended_size: Option<&'static str>,
    description: &'static str,
}

/// The built-in OS images: images the classic gallery offered in 2015 (names as the
/// service listed them).
const BUILT_IN_OS_IMAGES: &[BuiltInOsImage] = &[
    BuiltInOsImage {
        name: "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-14_04_2-LTS-amd64-server-20150309-en-us-30GB",
        label: "Ubuntu Server 14.04.2 LTS",
        os: "Linux",
        family: "Ubuntu Server 14.04 LTS",
        publisher: "Canonical",
        size_gb: 30,
        published: "2015-03-09T00:00:00Z",
        recommended_size: None,
        description: "Ubuntu Server 14.04.2 LTS (amd64 20150309) for Microsoft Azure.",
    },
    BuiltInOsImage {
        name: "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB",
        label: "Ubuntu Server 15.04",
        os: "Linux",
        family: "Ubuntu Server 15.04",
        publisher: "Canonical",
        size_gb: 30,
        published: "2015-06-16T00:00:00Z",
        recommended_size: None,
        description: "Ubuntu Server 15.04 (amd64 20150616.1) for Microsoft Azure.",
    },
    BuiltInOsImage {
        name: "5112500ae3b842c8b9c604889f8753c3__OpenLogic-CentOS-71-20150605",
        label: "OpenLogic 7.1",
        os: "Linux",
        family: "OpenLogic 7.1",
        publisher: "OpenLogic",
        size_gb: 30,
        published: "2015-06-05T00:00:00Z",
        recommended_size: None,
        description: "This distribution of Linux is based on CentOS version 7.1.",
    },
    BuiltInOsImage {
        name: "c290a6b031d841e09f2da759bbabe71f__Oracle-Linux-7",
        label: "Oracle Linux 7.0.0.0.0",
        os: "Linux",
        family: "Oracle Linux 7.0.0.0.0",
        publisher: "Oracle",
        size_gb: 30,
        published: "2014-12-18T06:00:00Z",
        recommended_size: None,
        description: "Oracle Linux 7.0 for Microsoft Azure.",
    },
    BuiltInOsImage {
        name: "b4590d9e3ed742e4a1d46e5424aa335e__suse-sles-12-v20150213",
        label: "SUSE Linux Enterprise Server 12",
        os: "Linux",
        family: "SUSE Linux Enterprise Server 12",
        publisher: "SUSE",
        size_gb: 30,
        published: "2015-02-13T00:00:00Z",
        recommended_size: None,
        description: "SUSE Linux Enterprise Server 12 for Microsoft Azure.",
    },
    BuiltInOsImage {
        name: "a699494373c04fc0bc8f2bb1389d6106__Windows-Server-2012-R2-201505.01-en.us-127GB.vhd",
        label: "Windows Server 2012 R2 Datacenter, May 2015",
        os: "Windows",
        family: "Windows Server 2012 R2 Datacenter",
        publisher: "Microsoft Windows Server Group",
        size_gb: 128,
        published: "2015-05-15T07:00:00Z",
        recommended_size: None,
        description: "At the heart of the Microsoft Cloud OS vision, Windows Server 2012 R2.",
    },
    BuiltInOsImage {
        name: "a699494373c04fc0bc8f2bb1389d6106__Win2K8R2SP1-Datacenter-201505.01-en.us-127GB.vhd",
        label: "Windows Server 2008 R2 SP1, May 2015",
        os: "Windows",
        family: "Windows Server 2008 R2 SP1",
        publisher: "Microsoft Windows Server Group",
        size_gb: 128,
        published: "2015-05-15T07:00:00Z",
        recommended_size: None,
        description: "Windows Server 2008 R2 SP1 Datacenter.",
    },
    BuiltInOsImage {
        name: "fb83b3509582419d99629ce476bcb5c8__SQL-Server-2014-RTM-12.0.2430.0-Std-ENU-Win2012R2-cy15su04",
        label: "SQL Server 2014 RTM Standard on Windows Server 2012 R2",
        os: "Windows",
        family: "SQL Server 2014 RTM Standard on Windows Server 2012 R2",
        publisher: "Microsoft SQL Server Group",
        size_gb: 128,
        published: "2015-04-15T07:00:00Z",
        recommended_size: Some("Large"),
        description: "This image contains the Standard edition of SQL Server 2014 RTM.",
    },
];

/// The built-in VM images (as the live service listed them in 2015), in every location.
fn built_in_vm_images() -> Vec<VmImageXml> {
    let long_ago = "1801-01-01T00:00:00Z".to_string();
    vec![
        VmImageXml {
            name: Some("1acf693f34c74e86a50be61cb631ddfe__ClouderaGolden-202406-699696".into()),
            label: Some("CDH 5.1 Evaluation".into()),
            category: Some("Public".into()),
            description: Some(
                "Single click deployment of CDH 5.1 Evaluation for MR, HDFS and HIVE".into(),
            ),
            os_disk: Some(OsDiskConfigurationXml {
                name: Some("ClouderaGolden-202406-699696-os-2014-10-06".into()),
                host_caching: Some("ReadWrite".into()),
                os_state: Some("Specialized".into()),
                os: Some("Linux".into()),
                media_link: None,
                logical_disk_size_in_gb: Some(30),
                io_type: Some("Standard_LRS".into()),
            }),
            data_disks: Some(Vec::new()),
            created_time: Some(long_ago.clone()),
            modified_time: Some(long_ago.clone()),
            image_family: Some("CDH 5.1 Evaluation".into()),
            recommended_vm_size: Some("Standard_D14".into()),
            is_premium: Some("false".into()),
            eula: Some("http://www.gnu.org/copyleft/gpl.html".into()),
            privacy_uri: Some("http://www.cloudera.com/content/cloudera/en/privacy-policy.html".into()),
            publisher_name: Some("Cloudera".into()),
            published_date: Some("2014-10-27T04:00:00Z".into()),
            state: Some("VMImageReadyForUse".into()),
            ..VmImageXml::default()
        },
        VmImageXml {
            name: Some(
                "d4a65b493c36471ba82b42d53fbd8063__Microsoft-Azure-Site-Recovery-Master-Target-Server-201503.08"
                    .into(),
            ),
            label: Some("Microsoft Azure Site Recovery Master Target Server".into()),
            category: Some("Public".into()),
            description: Some(
                "The Master Target Server receives the replicated data of protected machines."
                    .into(),
            ),
            os_disk: Some(OsDiskConfigurationXml {
                name: Some("Microsoft-Azure-Site-Recovery-Master-Target-Server-201503.08-os-2015-03-24".into()),
                host_caching: Some("ReadWrite".into()),
                os_state: Some("Generalized".into()),
                os: Some("Windows".into()),
                media_link: None,
                logical_disk_size_in_gb: Some(128),
                io_type: Some("Standard".into()),
            }),
            data_disks: Some(vec![DataDiskConfigurationXml {
                name: Some(
                    "Microsoft-Azure-Site-Recovery-Master-Target-Server-201503.08-datadisk-0-2015-03-24"
                        .into(),
                ),
                host_caching: Some("None".into()),
                lun: Some(0),
                media_link: None,
                logical_disk_size_in_gb: Some(1023),
                io_type: Some("Standard".into()),
            }]),
            created_time: Some(long_ago.clone()),
            modified_time: Some(long_ago),
            language: Some("English".into()),
            image_family: Some("Microsoft Azure Site Recovery Master Target Server".into()),
            recommended_vm_size: Some("ExtraLarge".into()),
            is_premium: Some("false".into()),
            eula: Some("http://azure.microsoft.com/en-us/support/legal/".into()),
            icon_uri: Some("WindowsServer2012R2_100.png".into()),
            small_icon_uri: Some("WindowsServer2012R2_45.png".into()),
            privacy_uri: Some("http://go.microsoft.com/fwlink/?LinkId=309714".into()),
            pricing_detail_link: Some("http://azure.microsoft.com/en-us/pricing/details/virtual-machines/".into()),
            publisher_name: Some("Microsoft Azure Site Recovery group".into()),
            published_date: Some("2015-03-20T04:30:00Z".into()),
            show_in_gui: Some("false".into()),
            state: Some("VMImageReadyForUse".into()),
            ..VmImageXml::default()
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use azmc_wire::asm::{os_images_to_xml, vm_images_to_xml};

    fn offered() -> Vec<String> {
        crate::config::DEFAULT_LOCATIONS
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn os_images(images: &str) -> String {
        format!("<Images xmlns=\"http://schemas.microsoft.com/windowsazure\">{images}</Images>")
    }

    /// The problem with a document, as its one-line message.
    fn refused(body: &str) -> String {
        let problem = Catalogue::read(body.as_bytes(), &offered()).unwrap_err();
        let message = problem.to_string();
        assert!(!message.contains('\n'), "{message}");
        message
    }

    #[test]
    fn the_built_in_catalogue_reads_back_as_a_file() {
        let built = Catalogue::built_in();
        assert_eq!((built.os_images().len(), built.vm_images().len()), (8, 2));
        let os =
            Catalogue::read(os_images_to_xml(built.os_images()).as_bytes(), &offered()).unwrap();
        assert_eq!(os.os_images(), built.os_images());
        assert!(os.vm_images().is_empty());
        let vm =
            Catalogue::read(vm_images_to_xml(built.vm_images()).as_bytes(), &offered()).unwrap();
        assert_eq!(vm.vm_images(), built.vm_images());
        assert!(vm.os_images().is_empty());
        let sql = built
            .os_image("FB83B3509582419D99629CE476BCB5C8__SQL-Server-2014-RTM-12.0.2430.0-Std-ENU-Win2012R2-cy15su04")
            .unwrap();
        assert_eq!(sql.recommended_vm_size.as_deref(), Some("Large"));
        assert!(built.os_image("nosuch").is_none());
        assert!(
            built
                .vm_image("1ACF693F34C74E86A50BE61CB631DDFE__ClouderaGolden-202406-699696")
                .is_some()
        );
    }

    #[test]
    fn the_example_file_reads() {
        let example = include_str!("../../../../../docs/image-catalogue.xml");
        let c = Catalogue::read(example.as_bytes(), &offered()).unwrap();
        let os: Vec<_> = c
            .os_images()
            .iter()
            .map(|i| (i.os.as_str(), i.location.as_str()))
            .collect();
        assert_eq!(os, [("Linux", ""), ("Windows", "West US;West Europe")]);
        assert_eq!(c.vm_images().len(), 1);
        assert_eq!(c.vm_images()[0].location.as_deref(), Some("East US"));
    }

    #[test]
    fn images_get_defaults_and_the_server_spelling_of_locations() {
        let doc = "<ImageCatalogue><VMImages><VMImage><Name> vm </Name>\
            <OSDiskConfiguration><OS>windows</OS></OSDiskConfiguration></VMImage></VMImages>\
            <Images><OSImage><Name>a</Name><OS>linux</OS>\
            <Location>japan east; west europe;;WEST US</Location></OSImage>\
            <OSImage><Name>b</Name><OS>Windows</OS><Category>MSDN</Category>\
            <LogicalSizeInGB>200</LogicalSizeInGB><Label>B</Label><Location/>\
            <RecommendedVMSize>Large</RecommendedVMSize></OSImage></Images></ImageCatalogue>";
        let c = Catalogue::read(doc.as_bytes(), &offered()).unwrap();
        let a = &c.os_images()[0];
        assert_eq!(
            (
                a.label.as_str(),
                a.os.as_str(),
                a.category.as_str(),
                a.logical_size_in_gb,
                a.location.as_str()
            ),
            ("a", "Linux", "Public", 30, "West US;West Europe")
        );
        let b = c.os_image("B").unwrap();
        assert_eq!(
            (
                b.label.as_str(),
                b.category.as_str(),
                b.logical_size_in_gb,
                b.location.as_str(),
                b.recommended_vm_size.as_deref()
            ),
            ("B", "MSDN", 200, "", Some("Large"))
        );
        let vm = c.vm_image("VM").unwrap();
        assert_eq!(vm.name.as_deref(), Some("vm"));
        assert_eq!(vm.label.as_deref(), Some("vm"));
        assert_eq!(vm.category.as_deref(), Some("Public"));
        assert_eq!(vm.location, None);
        assert_eq!(vm.data_disks, Some(Vec::new()));
        assert_eq!(vm.state.as_deref(), Some("VMImageReadyForUse"));
        let disk = vm.os_disk.as_ref().unwrap();
        assert_eq!(
            (disk.os.as_deref(), disk.logical_disk_size_in_gb),
            (Some("Windows"), Some(128))
        );
        // An empty catalogue is one: no platform images.
        let none = Catalogue::read(b"<ImageCatalogue/>", &offered()).unwrap();
        assert!(none.os_images().is_empty() && none.vm_images().is_empty());
    }

    #[test]
    fn what_a_catalogue_may_not_hold() {
        let image = |fields: &str| format!("<OSImage>{fields}</OSImage>");
        let ok = image("<Name>ok</Name><OS>Linux</OS>");
        for (body, message) in [
            (
                os_images(&format!(
                    "{ok}{ok2}{}",
                    image("<Label>x</Label><OS>Linux</OS>"),
                    ok2 = image("<Name>ok2</Name><OS>Linux</OS>")
                )),
                "image 3 has no Name",
            ),
            (
                os_images(&image("<Name> </Name><OS>Linux</OS>")),
                "image 1 has no Name",
            ),
            (
                os_images(&image("<Name>a/b</Name><OS>Linux</OS>")),
                "image 1 (\"a/b\") has an invalid Name (at most 256 characters, no control characters or /)",
            ),
            (
                os_images(&format!("{ok}{}", image("<Name>x</Name>"))),
                "image 2 (\"x\") has no OS",
            ),
            (
                os_images(&image("<Name>x</Name><OS>BeOS \"5\"</OS>")),
                "image 1 (\"x\"): OS must be Linux or Windows, not \"BeOS \\\"5\\\"\"",
            ),
            (
                os_images(&image("<Name>x</Name><OS>Linux</OS><Category>User</Category>")),
                "image 1 (\"x\") has Category User: a catalogue holds platform images, not a subscription's own",
            ),
            (
                os_images(&image("<Name>x</Name><OS>Linux</OS><Location>Mars;Venus</Location>")),
                "image 1 (\"x\") is offered in none of the server's locations (West US, East US, North Europe, West Europe, East Asia, Southeast Asia)",
            ),
            (
                os_images(&format!("{ok}{}", image("<Name>OK</Name><OS>Windows</OS>"))),
                "image 2 (\"OK\") has the name of image 1 (names are compared ignoring case)",
            ),
            (
                "<VMImages><VMImage><Name>v</Name><OSDiskConfiguration><OS>Linux</OS></OSDiskConfiguration></VMImage>\
                 <VMImage><Name>V</Name><OSDiskConfiguration><OS>Linux</OS></OSDiskConfiguration></VMImage></VMImages>"
                    .into(),
                "VM image 2 (\"V\") has the name of VM image 1 (names are compared ignoring case)",
            ),
            (
                "<VMImages><VMImage><Name>v</Name></VMImage></VMImages>".into(),
                "VM image 1 (\"v\") has no OS",
            ),
            (
                "<VMImages><VMImage><Label>v</Label></VMImage></VMImages>".into(),
                "VM image 1 has no Name",
            ),
            (
                os_images("<OsImage><Name>x</Name></OsImage>"),
                "<OsImage> is not expected in <Images>",
            ),
            (
                "<ImageCatalogue><Images/><Images/></ImageCatalogue>".into(),
                "<Images> is not expected in <ImageCatalogue>",
            ),
            (
                "<ImageCatalogue><Disks/></ImageCatalogue>".into(),
                "<Disks> is not expected in <ImageCatalogue>",
            ),
            (
                "<OSImage><Name>x</Name><OS>Linux</OS></OSImage>".into(),
                "the root element is <OSImage>, expected <Images>, <VMImages> or <ImageCatalogue>",
            ),
            ("  \n".into(), "it is empty"),
            (
                "<!DOCTYPE Images [<!ENTITY x \"y\">]><Images/>".into(),
                "the XML has a DOCTYPE; document type and entity declarations are not accepted",
            ),
        ] {
            assert_eq!(refused(&body), message, "{body}");
        }
        assert!(refused("<Images><OSImage></Images>").starts_with("malformed XML: "));
        let long = "n".repeat(300);
        let message = refused(&os_images(&image(&format!(
            "<Name>{long}</Name><OS>Linux</OS>"
        ))));
        assert!(
            message.starts_with(&format!("image 1 (\"{}…\")", "n".repeat(80))),
            "{message}"
        );
    }

    #[test]
    fn a_file_that_does_not_read_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let offered = offered();
        let message = |path: &Path| {
            let e = Catalogue::load(path, &offered).unwrap_err();
            assert_eq!(e.path, path);
            let m = e.to_string();
            assert!(!m.contains('\n'), "{m}");
            m
        };
        let missing = dir.path().join("missing.xml");
        let m = message(&missing);
        assert!(
            m.starts_with(&format!(
                "image catalogue {}: cannot read it: ",
                missing.display()
            )),
            "{m}"
        );
        assert!(message(dir.path()).contains(": cannot read it: "));
        let big = dir.path().join("big.xml");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_FILE_BYTES as u64 + 1).unwrap();
        assert_eq!(
            message(&big),
            format!(
                "image catalogue {}: it is larger than 16777216 bytes",
                big.display()
            )
        );
        let bad = dir.path().join("bad.xml");
        std::fs::write(&bad, os_images("<OSImage><OS>Linux</OS></OSImage>")).unwrap();
        assert_eq!(
            message(&bad),
            format!("image catalogue {}: image 1 has no Name", bad.display())
        );
        let good = dir.path().join("good.xml");
        std::fs::write(
            &good,
            os_images("<OSImage><Name>g</Name><OS>Linux</OS></OSImage>"),
        )
        .unwrap();
        assert_eq!(
            Catalogue::load(&good, &offered).unwrap().os_images()[0].name,
            "g"
        );
    }
}
