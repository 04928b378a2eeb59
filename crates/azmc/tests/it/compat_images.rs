//! The real Node clients against OS images, VM images and the disk repository of a running
//! `azmc serve`: the `azure-asm-compute` 0.18.0 SDK (the one the classic azure-cli pins,
//! required from its installation in `.test-deps/azcli`) with the exact calls it makes, and
//! the classic azure-cli 0.10.20 in ASM mode (`vm image list|show|create|delete`,
//! `vm disk list|show|create|delete`). The Node client rejects any status but the one its
//! operation expects, so every call that passes also proves its status; the scripts check
//! what the client parsed. Installed by `scripts/test-deps.sh`; a missing client is a
//! failure.
//!
//! Time: the Node wrappers that poll (`updateDiskSize`, VM image `create`/`deleteMethod`)
//! are set to poll at once and every second. The CLI's `vm image delete` of a VM image
//! waits 30 s before its first poll (a generated default the CLI does not change), so it
//! runs in a thread of its own while every other command runs.
//!
//! Publishing (Unreplicate and Share OS Image, which the Node client cannot send without
//! help: see [`UNREPLICATE_AND_SHARE`]; Get VM Image Details, Replicate, Unreplicate and
//! Share VM Image) with the Node client too.
//!
//! The read-only catalogues of classic IaaS (guest OS versions and families, resource
//! extensions and their versions) with the Python `azure-servicemanagement-legacy` SDK,
//! the Node client and the CLI's `vm extension list`.

use super::Sandbox;
use super::compat_azurecli::{Cli, copy_dir, find, imported, names};
use super::legacy::{check, python_output};
use super::server::{Served, bootstrap_pem, curl};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The installed clients; `azure-asm-compute` must be the classic CLI's.
pub(super) fn deps() -> PathBuf {
    let deps = super::legacy::deps(&[]);
    assert!(
        deps.join("azcli/node_modules/azure-asm-compute").exists(),
        "azure-asm-compute (with the classic CLI) is not installed in {}: run scripts/test-deps.sh",
        deps.display()
    );
    deps
}

/// A running server whose asynchronous operations stay InProgress for a moment, so the
/// clients' polling is exercised, and the bootstrap PEM.
pub(super) fn served(delay_ms: &str) -> (Sandbox, Served) {
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", delay_ms)], &[]);
    bootstrap_pem(&s, &served);
    (s, served)
}

/// What every Node script starts with: the compute client `c` on the served URL, polling
/// at once and every second, and helpers (`p` promisifies a call, `fails` expects an error
/// status and code, `check` throws with the value).
const PRELUDE: &str = r#"
const fs = require('fs');
const common = require('azure-common');
const compute = require('azure-asm-compute');
const [url, sub] = process.argv.slice(1);
const c = compute.createComputeManagementClient(new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync('bootstrap.pem', 'utf8') }), url);
c.longRunningOperationInitialTimeout = 0; c.longRunningOperationRetryTimeout = 1;
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
const fails = async (f, status, code) => {
  try { await p(f); } catch (e) { if (e.statusCode === status && e.code === code) return e; throw e; }
  throw new Error('expected ' + status);
};
const check = (ok, what, v) => { if (!ok) throw new Error(what + ': ' + JSON.stringify(v)); };
(async () => {
  check(require('azure-asm-compute/package.json').version === '0.18.0', 'version', require('azure-asm-compute/package.json').version);
"#;

const POSTLUDE: &str = r#"
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e, JSON.stringify(e)); process.exit(1); });
"#;

/// Runs `PRELUDE + body + POSTLUDE` with the classic CLI's Node modules against `served`.
pub(super) fn node(deps: &Path, s: &Sandbox, served: &Served, body: &str) -> Output {
    let script = [PRELUDE, body, POSTLUDE].concat();
    Command::new("node")
        .arg("-e")
        .args([script.as_str(), &served.api_url, &served.subscription()])
        .env("NODE_PATH", deps.join("azcli/node_modules"))
        .env("NODE_EXTRA_CA_CERTS", served.data.join("ca.pem"))
        .env("NODE_NO_WARNINGS", "1")
        .current_dir(s.home())
        .output()
        .unwrap()
}

#[test]
fn node_sdk_manages_os_images() {
    let deps = deps();
    let (s, served) = served("200");
    let body = r#"
  const os = c.virtualMachineOSImages;
  const list = await p(cb => os.list(cb));
  check(list.statusCode === 200 && list.images.every(i => i.category === 'Public'), 'list', list);
  check(list.images.length >= 5 && list.images.every(i => i.logicalSizeInGB === 30 || i.logicalSizeInGB === 128), 'sizes', list);
  const ubuntu = list.images.find(i => i.name.includes('Ubuntu'));
  check(ubuntu.operatingSystemType === 'Linux' && ubuntu.publisherName === 'Canonical' && !ubuntu.mediaLinkUri, 'ubuntu', ubuntu);
  check(ubuntu.location.split(';').includes('West US') && ubuntu.publishedDate instanceof Date && !isNaN(ubuntu.publishedDate), 'ubuntu dates', ubuntu);
  const windows = list.images.find(i => i.operatingSystemType === 'Windows');
  check(windows.logicalSizeInGB === 128, 'windows', windows);
  const got = await p(cb => os.get(ubuntu.name, cb));
  check(got.name === ubuntu.name && got.label === ubuntu.label && got.category === 'Public' && got.operatingSystemType === 'Linux' && got.imageFamily === ubuntu.imageFamily, 'get', got);
  await fails(cb => os.get('nosuch', cb), 404, 'ResourceNotFound');

  const link = 'https://nodestore.blob.core.windows.net/vhds/node.vhd';
  const params = {
    name: 'nodeimage', label: 'node label', mediaLinkUri: link, operatingSystemType: 'Linux',
    isPremium: false, showInGui: true, description: 'node description', imageFamily: 'node family',
    eula: 'http://example.com/eula', language: 'English', recommendedVMSize: 'Small',
    publishedDate: new Date('2015-07-01T00:00:00Z'),
  };
  const made = await p(cb => os.create(params, cb));
  check(made.statusCode === 200 && made.name === 'nodeimage' && made.label === 'node label' && made.category === 'User', 'create', made);
  check(made.mediaLinkUri === link && made.operatingSystemType === 'Linux' && made.logicalSizeInGB === 30 && made.location === 'West US', 'create media', made);
  check(made.description === 'node description' && made.imageFamily === 'node family' && made.eula === 'http://example.com/eula' && made.language === 'English' && made.recommendedVMSize === 'Small', 'create properties', made);
  check(made.showInGui === true && made.isPremium === false && +made.publishedDate === Date.parse('2015-07-01T00:00:00Z'), 'create flags', made);
  await fails(cb => os.create(params, cb), 409, 'ConflictError');
  await fails(cb => os.create({ ...params, name: ubuntu.name }, cb), 409, 'ConflictError');
  const mine = await p(cb => os.get('NODEIMAGE', cb));
  check(mine.name === 'nodeimage' && mine.mediaLinkUri === link && mine.category === 'User' && mine.description === 'node description', 'get own', mine);
  check((await p(cb => os.list(cb))).images.filter(i => i.category === 'User').map(i => i.name).join() === 'nodeimage', 'list own', null);

  const updated = await p(cb => os.update('nodeimage', { label: 'new label', description: 'new description', showInGui: false, isPremium: false, language: 'German' }, cb));
  check(updated.statusCode === 200 && updated.name === 'nodeimage' && updated.label === 'new label' && updated.description === 'new description', 'update', updated);
  check(updated.showInGui === false && updated.language === 'German' && updated.mediaLinkUri === link && updated.imageFamily === 'node family', 'update kept', updated);
  check((await p(cb => os.get('nodeimage', cb))).label === 'new label', 'updated', null);
  await fails(cb => os.update(ubuntu.name, { label: 'mine now' }, cb), 400, 'BadRequest');
  await fails(cb => os.update('nosuch', { label: 'x' }, cb), 404, 'ResourceNotFound');

  const replicated = await p(cb => os.replicate('nodeimage', { targetLocations: ['West US', 'east us'], computeImageAttributes: { offer: 'nodeoffer', sku: 'nodesku', version: '1.0.0' } }, cb));
  check(replicated.statusCode === 200, 'replicate', replicated);
  await fails(cb => os.replicate('nodeimage', { targetLocations: ['Atlantis'], computeImageAttributes: { offer: 'o', sku: 's', version: '1' } }, cb), 400, 'BadRequest');
  const details = await p(cb => os.getDetails('nodeimage', cb));
  check(details.name === 'nodeimage' && details.label === 'new label' && details.category === 'User' && details.mediaLinkUri === link && details.operatingSystemType === 'Linux', 'details', details);
  check(details.replicationProgress.map(r => r.location).join() === 'West US,East US' && details.replicationProgress.every(r => Number(r.progress) === 100), 'details progress', details);
  const platform = await p(cb => os.getDetails(ubuntu.name, cb));
  check(platform.name === ubuntu.name && platform.replicationProgress.some(r => r.location === 'West US'), 'platform details', platform);
  await fails(cb => os.getDetails('nosuch', cb), 404, 'ResourceNotFound');

  UNREPLICATE_AND_SHARE

  const deleted = await p(cb => os.deleteMethod('nodeimage', true, cb));
  check(deleted.statusCode === 200, 'delete', deleted);
  await fails(cb => os.get('nodeimage', cb), 404, 'ResourceNotFound');
  await fails(cb => os.deleteMethod('nodeimage', false, cb), 404, 'ResourceNotFound');
  await fails(cb => os.deleteMethod(ubuntu.name, false, cb), 400, 'BadRequest');
  check((await p(cb => os.list(cb))).images.every(i => i.category === 'Public'), 'list after', null);
"#;
    let body = body.replace("UNREPLICATE_AND_SHARE", UNREPLICATE_AND_SHARE);
    check(node(&deps, &s, &served, &body), "node");
    served.stop();
}

/// Unreplicate and Share OS Image. azure-asm-compute 0.18.0 never sends them: both are PUTs
/// without a body, into which azure-common's pipeline pipes an input stream that never
/// ends, so the request never starts and Node exits without calling back. With an empty
/// body they are sent: sharing the replicated image answers 202, unreplicating 200 (and
/// withdraws its replication), and sharing it again is refused until it is replicated.
const UNREPLICATE_AND_SHARE: &str = r#"
  const send = c.pipeline;
  c.pipeline = function (req, cb) { if (req.method === 'PUT' && !('body' in req)) req.body = ''; return send.call(this, req, cb); };
  const shared = await p(cb => os.beginSharing('nodeimage', 'public', cb));
  check(shared.statusCode === 202 && shared.requestId, 'share', shared);
  const unreplicated = await p(cb => os.beginUnreplicating('nodeimage', cb));
  check(unreplicated.statusCode === 200, 'unreplicate', unreplicated);
  check((await p(cb => os.getDetails('nodeimage', cb))).replicationProgress.length === 0, 'unreplicated', null);
  await fails(cb => os.beginSharing('nodeimage', 'public', cb), 400, 'BadRequest');
  await fails(cb => os.beginSharing('nodeimage', 'everyone', cb), 400, 'BadRequest');
  await fails(cb => os.beginUnreplicating(ubuntu.name, cb), 400, 'BadRequest');
  c.pipeline = send;
"#;

#[test]
fn node_sdk_manages_vm_images() {
    let deps = deps();
    let (s, served) = served("300");
    let body = r#"
  const v = c.virtualMachineVMImages;
  const list = await p(cb => v.list(cb));
  check(list.statusCode === 200 && list.vMImages.length >= 2 && list.vMImages.every(i => i.category === 'Public'), 'list', list);
  const pub = list.vMImages[0];
  check(pub.oSDiskConfiguration.operatingSystem === 'Linux' && pub.oSDiskConfiguration.oSState === 'Specialized' && pub.oSDiskConfiguration.logicalDiskSizeInGB === 30 && pub.publisherName === 'Cloudera' && pub.location.split(';').includes('West US'), 'public', pub);
  const withData = list.vMImages.find(i => i.dataDiskConfigurations.length > 0);
  check(withData.dataDiskConfigurations[0].logicalUnitNumber === 0 && withData.dataDiskConfigurations[0].logicalDiskSizeInGB === 1023, 'public data disk', withData);

  const os = 'https://nodestore.blob.core.windows.net/vhds/os.vhd';
  const data = 'https://nodestore.blob.core.windows.net/vhds/data.vhd';
  const params = {
    name: 'nodevmimage', label: 'node label', description: 'node description',
    oSDiskConfiguration: { hostCaching: 'ReadWrite', oSState: 'Specialized', os: 'Linux', mediaLink: os },
    dataDiskConfigurations: [{ hostCaching: 'ReadOnly', logicalUnitNumber: 1, mediaLink: data }],
    language: 'English', imageFamily: 'node family', recommendedVMSize: 'Medium', eula: 'node eula', showInGui: true,
  };
  const begun = await p(cb => v.beginCreating(params, cb));
  check(begun.statusCode === 202 && begun.requestId, 'begin create', begun);
  const op = await p(cb => c.getOperationStatus(begun.requestId, cb));
  check(op.status === 'InProgress', 'in progress', op);
  await fails(cb => v.beginCreating(params, cb), 409, 'ConflictError');
  await fails(cb => v.create({ ...params, name: 'other', oSDiskConfiguration: { ...params.oSDiskConfiguration, os: 'BeOS' } }, cb), 400, 'BadRequest');
  const made = await p(cb => v.create({ ...params, name: 'nodevmimage2', label: 'second', dataDiskConfigurations: undefined, oSDiskConfiguration: { ...params.oSDiskConfiguration, mediaLink: 'https://nodestore.blob.core.windows.net/vhds/os2.vhd', os: 'Windows', oSState: 'Generalized' } }, cb));
  check(made.status === 'Succeeded', 'create', made);

  const mine = (await p(cb => v.list(cb))).vMImages.filter(i => i.category === 'User');
  check(mine.map(i => i.name).sort().join() === 'nodevmimage,nodevmimage2', 'list own', mine);
  const m = mine.find(i => i.name === 'nodevmimage');
  check(m.label === 'node label' && m.description === 'node description' && m.location === 'West US' && m.language === 'English' && m.imageFamily === 'node family' && m.recommendedVMSize === 'Medium' && m.eula === 'node eula' && m.showInGui === true, 'image', m);
  check(m.createdTime instanceof Date && !isNaN(m.createdTime) && m.modifiedTime instanceof Date, 'times', m);
  const o = m.oSDiskConfiguration;
  check(o.operatingSystem === 'Linux' && o.oSState === 'Specialized' && o.hostCaching === 'ReadWrite' && o.mediaLink === os && o.logicalDiskSizeInGB === 30, 'os disk', o);
  const d = m.dataDiskConfigurations;
  check(d.length === 1 && d[0].logicalUnitNumber === 1 && d[0].hostCaching === 'ReadOnly' && d[0].mediaLink === data && d[0].logicalDiskSizeInGB > 0, 'data disks', d);
  const w = mine.find(i => i.name === 'nodevmimage2');
  check(w.oSDiskConfiguration.operatingSystem === 'Windows' && w.oSDiskConfiguration.logicalDiskSizeInGB === 128 && w.dataDiskConfigurations.length === 0, 'windows', w);

  const updated = await p(cb => v.update('nodevmimage', { label: 'Updated label', description: 'Updated description', oSDiskConfiguration: { hostCaching: 'ReadOnly' }, eula: 'Updated eula', showInGui: false }, cb));
  check(updated.statusCode === 200, 'update', updated);
  const u = (await p(cb => v.list(cb))).vMImages.find(i => i.name === 'nodevmimage');
  check(u.label === 'Updated label' && u.description === 'Updated description' && u.eula === 'Updated eula' && u.showInGui === false && u.oSDiskConfiguration.hostCaching === 'ReadOnly' && u.language === 'English', 'updated', u);
  await fails(cb => v.update('nosuch', { label: 'x' }, cb), 404, 'ResourceNotFound');
  await fails(cb => v.update(pub.name, { label: 'x' }, cb), 400, 'BadRequest');

  GET_DETAILS

  const gone = await p(cb => v.deleteMethod('nodevmimage', true, cb));
  check(gone.status === 'Succeeded', 'delete', gone);
  const begunDelete = await p(cb => v.beginDeleting('nodevmimage2', false, cb));
  check(begunDelete.statusCode === 202, 'begin delete', begunDelete);
  await fails(cb => v.beginDeleting('nodevmimage', false, cb), 404, 'ResourceNotFound');
  await fails(cb => v.beginDeleting(pub.name, false, cb), 400, 'BadRequest');
  check((await p(cb => v.list(cb))).vMImages.every(i => i.category === 'Public'), 'list after', null);
"#;
    let body = body.replace("GET_DETAILS", VM_IMAGE_DETAILS);
    check(node(&deps, &s, &served, &body), "node");
    served.stop();
}

/// Get VM Image Details, then Replicate, Share and Unreplicate VM Image (the bodiless PUTs
/// sent as for OS images, see [`UNREPLICATE_AND_SHARE`]).
const VM_IMAGE_DETAILS: &str = r#"
  const det = await p(cb => v.getDetails('nodevmimage', cb));
  check(det.statusCode === 200 && det.name === 'nodevmimage' && det.label === 'Updated label' && det.sharingStatus === 'Private' && det.replicationProgress.length === 0 && !det.publishedName, 'details', det);
  await fails(cb => v.getDetails('nosuch', cb), 404, 'ResourceNotFound');
  const rep = await p(cb => v.replicate('nodevmimage', { targetLocations: ['East US'], computeImageAttributes: { offer: 'o', sku: 's', version: '1' } }, cb));
  check(rep.statusCode === 200, 'replicate', rep);
  const send = c.pipeline;
  c.pipeline = function (req, cb) { if (req.method === 'PUT' && !('body' in req)) req.body = ''; return send.call(this, req, cb); };
  const sh = await p(cb => v.beginSharing('nodevmimage', 'public', cb));
  check(sh.statusCode === 202, 'share', sh);
  const det2 = await p(cb => v.getDetails('nodevmimage', cb));
  check(det2.sharingStatus === 'Public' && det2.publishedName.endsWith('__nodevmimage') && det2.replicationProgress.map(r => r.location).join() === 'East US', 'shared details', det2);
  const un = await p(cb => v.beginUnreplicating('nodevmimage', cb));
  check(un.statusCode === 200, 'unreplicate', un);
  c.pipeline = send;
  const det3 = await p(cb => v.getDetails('nodevmimage', cb));
  check(det3.sharingStatus === 'Private' && det3.replicationProgress.length === 0, 'unreplicated details', det3);
"#;

#[test]
fn node_sdk_manages_disks() {
    let deps = deps();
    let (s, served) = served("300");
    let body = r#"
  const d = c.virtualMachineDisks;
  const empty = await p(cb => d.listDisks(cb));
  check(empty.statusCode === 200 && empty.disks.length === 0, 'empty', empty);
  const link = 'https://nodestore.blob.core.windows.net/vhds/os.vhd';
  const dataLink = 'https://nodestore.blob.core.windows.net/vhds/data.vhd';
  const made = await p(cb => d.createDisk({ name: 'nodedisk', label: 'node disk', mediaLinkUri: link, operatingSystemType: 'Linux' }, cb));
  // createDisk and updateDisk name the OS `operatingSystem`, getDisk and listDisks `operatingSystemType`.
  check(made.statusCode === 200 && made.name === 'nodedisk' && made.label === 'node disk' && made.mediaLinkUri === link && made.operatingSystem === 'Linux', 'create', made);
  check(made.logicalSizeInGB === 30 && made.location === 'West US' && made.isPremium === false && made.iOType === 'Standard' && !made.usageDetails, 'create size', made);
  const data = await p(cb => d.createDisk({ name: 'nodedata', label: 'node data', mediaLinkUri: dataLink }, cb));
  check(data.name === 'nodedata' && !data.operatingSystem && data.logicalSizeInGB === 1023, 'data disk', data);
  const win = await p(cb => d.createDisk({ name: 'nodewin', label: 'windows', mediaLinkUri: 'https://nodestore.blob.core.windows.net/vhds/win.vhd', operatingSystemType: 'Windows' }, cb));
  check(win.operatingSystem === 'Windows' && win.logicalSizeInGB === 128, 'windows disk', win);
  await fails(cb => d.createDisk({ name: 'NODEDISK', label: 'again', mediaLinkUri: 'https://nodestore.blob.core.windows.net/vhds/other.vhd', operatingSystemType: 'Linux' }, cb), 409, 'ConflictError');
  await fails(cb => d.createDisk({ name: 'sameblob', label: 'again', mediaLinkUri: link, operatingSystemType: 'Linux' }, cb), 409, 'ConflictError');
  await fails(cb => d.createDisk({ name: 'badlink', label: 'x', mediaLinkUri: 'not a url', operatingSystemType: 'Linux' }, cb), 400, 'BadRequest');

  const got = await p(cb => d.getDisk('NodeDisk', cb));
  check(got.name === 'nodedisk' && got.label === 'node disk' && got.mediaLinkUri === link && got.logicalSizeInGB === 30 && got.operatingSystemType === 'Linux' && got.isCorrupted === false && got.location === 'West US', 'get', got);
  await fails(cb => d.getDisk('nosuch', cb), 404, 'ResourceNotFound');
  const list = await p(cb => d.listDisks(cb));
  check(list.disks.map(x => x.name).sort().join() === 'nodedata,nodedisk,nodewin', 'list', list);
  check(list.disks.find(x => x.name === 'nodedisk').operatingSystemType === 'Linux' && !list.disks.find(x => x.name === 'nodedata').operatingSystemType, 'list os', list);

  // updateDisk (200 with the disk): the label only.
  const renamed = await p(cb => d.updateDisk('nodedisk', { name: 'nodedisk', label: 'renamed', hasOperatingSystem: true, operatingSystemType: 'Linux', mediaLinkUri: link }, cb));
  check(renamed.statusCode === 200 && renamed.name === 'nodedisk' && renamed.label === 'renamed' && renamed.logicalSizeInGB === 30 && renamed.mediaLinkUri === link && renamed.operatingSystem === 'Linux', 'update', renamed);
  await fails(cb => d.updateDisk('nosuch', { name: 'nosuch', label: 'x' }, cb), 404, 'ResourceNotFound');
  // updateDiskSize (202, then polled): growing.
  const begun = await p(cb => d.beginUpdatingDisk('nodedisk', { name: 'nodedisk', label: 'renamed', resizedSizeInGB: 40 }, cb));
  check(begun.statusCode === 202 && begun.requestId, 'begin resize', begun);
  const op = await p(cb => c.getOperationStatus(begun.requestId, cb));
  check(op.status === 'InProgress', 'resize in progress', op);
  const grown = await p(cb => d.updateDiskSize('nodedisk', { name: 'nodedisk', label: 'grown', resizedSizeInGB: 60 }, cb));
  check(grown.status === 'Succeeded', 'resize', grown);
  const after = await p(cb => d.getDisk('nodedisk', cb));
  check(after.logicalSizeInGB === 60 && after.label === 'grown', 'resized', after);
  await fails(cb => d.beginUpdatingDisk('nodedisk', { name: 'nodedisk', label: 'x', resizedSizeInGB: 50 }, cb), 400, 'BadRequest');
  await fails(cb => d.beginUpdatingDisk('nodedata', { name: 'nodedata', label: 'x', resizedSizeInGB: 2000 }, cb), 400, 'BadRequest');

  const deleted = await p(cb => d.deleteDisk('nodedisk', true, cb));
  check(deleted.statusCode === 200, 'delete', deleted);
  check((await p(cb => d.deleteDisk('nodedata', false, cb))).statusCode === 200, 'delete data', null);
  await fails(cb => d.getDisk('nodedisk', cb), 404, 'ResourceNotFound');
  await fails(cb => d.deleteDisk('nodedisk', false, cb), 404, 'ResourceNotFound');
  // the blob is free again
  const again = await p(cb => d.createDisk({ name: 'nodedisk2', label: 'again', mediaLinkUri: link, operatingSystemType: 'Linux' }, cb));
  check(again.name === 'nodedisk2', 'reuse blob', again);
  check((await p(cb => d.listDisks(cb))).disks.map(x => x.name).sort().join() === 'nodedisk2,nodewin', 'list after', null);
"#;
    check(node(&deps, &s, &served, body), "node");
    served.stop();
}

/// A VM image made with curl for the CLI to show and delete.
const CLI_VM_IMAGE: &str = r#"<VMImage xmlns="http://schemas.microsoft.com/windowsazure"><Name>clivmimage</Name><Label>cli vm image</Label><Description>made with curl</Description><OSDiskConfiguration><HostCaching>ReadWrite</HostCaching><OSState>Generalized</OSState><OS>Linux</OS><MediaLink>https://clistore.blob.core.windows.net/vhds/vm.vhd</MediaLink></OSDiskConfiguration><DataDiskConfigurations /></VMImage>"#;

/// The read-only catalogues of classic IaaS with the Python SDK (List Operating Systems,
/// List Operating System Families, List Resource Extensions, List Resource Extension
/// Versions) and the Node client (`operatingSystems.list|listFamilies`,
/// `virtualMachineExtensions.list|listVersions`, what the classic CLI's
/// `vm extension list` sends).
#[test]
fn python_and_node_sdks_list_guest_os_versions_and_extensions() {
    let deps = deps();
    let (s, served) = served("0");
    let python = r#"
import sys
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError
host, sub = sys.argv[1:3]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
oses = sms.list_operating_systems()
assert len(oses) == 18, len(oses)
assert sorted(set(o.family for o in oses)) == [2, 3, 4], [vars(o) for o in oses]
d = [o for o in oses if o.is_default and o.family == 4]
assert len(d) == 1 and d[0].version == 'WA-GUEST-OS-4.21_201506-01' and d[0].is_active, [vars(o) for o in d]
assert d[0].label == 'Windows Azure Guest OS 4.21 (Release 201506-01)' and d[0].family_label == 'Windows Server 2012 R2', vars(d[0])
assert [o.is_active for o in oses if o.version == 'WA-GUEST-OS-2.36_201502-01'] == [False]
families = sms.list_operating_system_families()
assert [f.name for f in families] == ['2', '3', '4'], [vars(f) for f in families]
assert families[0].label == 'Windows Server 2008 R2', vars(families[0])
v = families[1].operating_systems
assert len(v) == 6 and v[5].version == 'WA-GUEST-OS-3.28_201506-01' and v[5].is_default and not v[4].is_default, [vars(o) for o in v]
assert v[5].label == 'Windows Azure Guest OS 3.28 (Release 201506-01)', vars(v[5])
exts = sms.list_resource_extensions()
byname = dict(((e.publisher, e.name), e) for e in exts)
for key in [('Microsoft.Compute', 'BGInfo'), ('Microsoft.Compute', 'VMAccessAgent'), ('Microsoft.Compute', 'CustomScriptExtension'), ('Microsoft.OSTCExtensions', 'VMAccessForLinux'), ('Microsoft.OSTCExtensions', 'CustomScriptForLinux'), ('Chef.Bootstrap.WindowsAzure', 'ChefClient')]:
    assert key in byname, (key, list(byname))
chef = byname[('Chef.Bootstrap.WindowsAzure', 'ChefClient')]
assert (chef.version, chef.label, chef.company_name, chef.is_json_extension, chef.replication_completed) == ('1207.12', 'Chef Extension for windows', 'Chef Software, Inc.', True, True), vars(chef)
linux = byname[('Microsoft.OSTCExtensions', 'CustomScriptForLinux')]
assert (linux.version, linux.supported_os) == ('1.3', 'Linux'), vars(linux)
assert byname[('Microsoft.Compute', 'BGInfo')].version == '1.1'
versions = sms.list_resource_extension_versions('Chef.Bootstrap.WindowsAzure', 'ChefClient')
assert [e.version for e in versions] == ['11.10.4', '11.12.0.0', '11.18.6.1', '1203.12.1.1', '1204.12.2.1', '1205.12.2.1', '1206.12.3.0', '1207.12.3.0'], [vars(e) for e in versions]
assert versions[0].label == 'Chef Client' and versions[7].published_date == '2015-05-14T14:50:57.3799892Z', [vars(e) for e in versions]
assert [e.version for e in sms.list_resource_extension_versions('microsoft.compute', 'bginfo')] == ['1.1']
try:
    sms.list_resource_extension_versions('Microsoft.Compute', 'NoSuch'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError as e:
    assert 'ResourceNotFound' in str(e), e
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    check(
        python_output(&deps, &s, &served, &[python, &host, &served.subscription()]),
        "python",
    );
    let body = r#"
  const oses = await p(cb => c.operatingSystems.list(cb));
  check(oses.statusCode === 200 && oses.operatingSystems.length === 18, 'os list', oses);
  const def = oses.operatingSystems.filter(o => o.isDefault && o.family === 2);
  check(def.length === 1 && def[0].version === 'WA-GUEST-OS-2.40_201506-01' && def[0].isActive && def[0].label === 'Windows Azure Guest OS 2.40 (Release 201506-01)' && def[0].familyLabel === 'Windows Server 2008 R2', 'os default', def);
  const families = await p(cb => c.operatingSystems.listFamilies(cb));
  check(families.operatingSystemFamilies.map(f => f.name).join() === '2,3,4' && families.operatingSystemFamilies[2].label === 'Windows Server 2012 R2', 'families', families);
  const f4 = families.operatingSystemFamilies[2].operatingSystems;
  check(f4.length === 6 && f4[5].isDefault && f4[5].isActive && f4[5].version === 'WA-GUEST-OS-4.21_201506-01' && !f4[3].isActive && f4[3].label === 'Windows Azure Guest OS 4.20 (Release 201505-01)', 'family 4', f4);

  const x = c.virtualMachineExtensions;
  const list = await p(cb => x.list(cb));
  check(list.statusCode === 200 && list.resourceExtensions.length >= 6, 'extensions', list);
  const vmaccess = list.resourceExtensions.find(e => e.publisher === 'Microsoft.Compute' && e.name === 'VMAccessAgent');
  check(vmaccess && vmaccess.version === '2.0' && vmaccess.isJsonExtension === true && vmaccess.publicConfigurationSchema === '' && vmaccess.publishedDate instanceof Date && +vmaccess.publishedDate === Date.parse('2015-02-07T01:54:39.2945583Z'), 'vmaccess', vmaccess);
  const antimalware = list.resourceExtensions.find(e => e.name === 'IaaSAntimalware');
  check(JSON.parse(antimalware.sampleConfig).PublicConfig === '{"AntimalwareEnabled":true}', 'sample config', antimalware);
  const hpc = list.resourceExtensions.find(e => e.name === 'LinuxNodeAgent');
  check(hpc.disallowMajorVersionUpgrade === true && hpc.supportedOS === 'Linux', 'hpc', hpc);
  const versions = await p(cb => x.listVersions('Chef.Bootstrap.WindowsAzure', 'ChefClient', cb));
  check(versions.statusCode === 200 && versions.resourceExtensions.length === 8 && versions.resourceExtensions.every(e => e.publisher === 'Chef.Bootstrap.WindowsAzure' && e.name === 'ChefClient'), 'versions', versions);
  check(versions.resourceExtensions[7].version === '1207.12.3.0' && versions.resourceExtensions[0].eula === 'https://github.com/opscode/chef/blob/master/LICENSE', 'chef versions', versions);
  const linux = await p(cb => x.listVersions('Microsoft.OSTCExtensions', 'VMAccessForLinux', cb));
  check(linux.resourceExtensions.map(e => e.version).join() === '1.1' && linux.resourceExtensions[0].homepageUri === 'https://github.com/Azure/azure-linux-extensions', 'linux versions', linux);
  await fails(cb => x.listVersions('NoSuch.Publisher', 'ChefClient', cb), 404, 'ResourceNotFound');
"#;
    check(node(&deps, &s, &served, body), "node");
    served.stop();
}

#[test]
fn classic_cli_manages_images_and_disks() {
    let (s, served) = served("1000");
    let sub = served.subscription();
    let pem = s.path("bootstrap.pem");
    let (code, body) = curl(
        &served,
        Some(&pem),
        "POST",
        &format!("/{sub}/services/vmimages"),
        Some(CLI_VM_IMAGE),
    );
    assert_eq!(code, 202, "{body}");
    let (cli, cfg) = imported(&s, &served);

    // vm image list: the OS images (platform) and the VM images (platform and own).
    let images = cli.json(&cfg, &["vm", "image", "list"]);
    let all = names(&images, "name");
    let ubuntu = all
        .iter()
        .find(|n| n.contains("Ubuntu-14_04"))
        .unwrap_or_else(|| panic!("{images}"))
        .clone();
    let u = find(&images, "name", &ubuntu);
    assert_eq!(u["category"], "Public", "{u}");
    assert_eq!(u["operatingSystemType"], "Linux", "{u}");
    assert_eq!(u["publisherName"], "Canonical", "{u}");
    let v = find(&images, "name", "clivmimage");
    assert_eq!(v["category"], "User", "{v}");
    assert_eq!(v["oSDiskConfiguration"]["operatingSystem"], "Linux", "{v}");
    assert!(
        images
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["category"] == "Public" && i["oSDiskConfiguration"].is_object()),
        "a platform VM image: {images}"
    );
    let table = cli.ok(&cfg, &["vm", "image", "list"]);
    for (name, category, os) in [
        (ubuntu.as_str(), "Public", "Linux"),
        ("clivmimage", "User", "Linux"),
    ] {
        assert!(
            table
                .lines()
                .any(|l| l.contains(name) && l.contains(category) && l.contains(os)),
            "{name}: {table}"
        );
    }

    // vm image show: a platform OS image and the VM image.
    let shown = cli.json(&cfg, &["vm", "image", "show", &ubuntu]);
    assert_eq!(shown["name"], ubuntu.as_str(), "{shown}");
    assert_eq!(shown["category"], "Public", "{shown}");
    assert_eq!(shown["logicalSizeInGB"], 30, "{shown}");
    assert!(
        shown["location"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x == "West US")),
        "the CLI splits the locations: {shown}"
    );
    let vm = cli.json(&cfg, &["vm", "image", "show", "CLIVMIMAGE"]);
    assert_eq!(vm["name"], "clivmimage", "{vm}");
    assert_eq!(vm["label"], "cli vm image", "{vm}");
    assert_eq!(vm["description"], "made with curl", "{vm}");
    assert_eq!(vm["oSDiskConfiguration"]["oSState"], "Generalized", "{vm}");
    assert_eq!(
        vm["oSDiskConfiguration"]["mediaLink"],
        "https://clistore.blob.core.windows.net/vhds/vm.vhd",
        "{vm}"
    );

    // vm extension list: the latest of each extension, or every version of one.
    let extensions = cli.json(&cfg, &["vm", "extension", "list"]);
    let bginfo = find(&extensions, "name", "BGInfo");
    assert_eq!(bginfo["publisher"], "Microsoft.Compute", "{bginfo}");
    assert_eq!(bginfo["version"], "1.1", "{bginfo}");
    let chef = cli.json(
        &cfg,
        &[
            "vm",
            "extension",
            "list",
            "-n",
            "ChefClient",
            "-p",
            "Chef.Bootstrap.WindowsAzure",
            "-a",
        ],
    );
    assert_eq!(
        names(&chef, "version"),
        [
            "11.10.4",
            "11.12.0.0",
            "11.18.6.1",
            "1203.12.1.1",
            "1204.12.2.1",
            "1205.12.2.1",
            "1206.12.3.0",
            "1207.12.3.0"
        ],
        "{chef}"
    );

    // Deleting the VM image waits 30 s for its first poll: in a lane of its own.
    let lane = s.path("azure-config-vmimage");
    copy_dir(&cfg, &lane);
    std::thread::scope(|scope| {
        let vm_delete = scope.spawn(|| {
            cli.ok(&lane, &["vm", "image", "delete", "clivmimage"]);
            cli.fails(
                &lane,
                &["vm", "image", "show", "clivmimage"],
                "does not exist",
            );
        });
        os_images_with_the_cli(&cli, &cfg);
        disks_with_the_cli(&cli, &cfg);
        vm_delete.join().unwrap();
    });
    let (code, body) = curl(
        &served,
        Some(&pem),
        "GET",
        &format!("/{sub}/services/vmimages?category=User"),
        None,
    );
    assert_eq!(code, 200, "{body}");
    assert!(!body.contains("clivmimage"), "{body}");
    served.stop();
}

/// `vm image create` (an uploaded blob: no upload, only Add OS Image), `show`, `delete -b`.
///
/// Registering an uploaded blob needs an empty `source-path` argument: without one the CLI
/// takes `path.basename(undefined)`, which Node 20 refuses before any request.
fn os_images_with_the_cli(cli: &Cli, cfg: &Path) {
    let link = "https://clistore.blob.core.windows.net/vhds/cliimage.vhd";
    cli.fails(
        cfg,
        &[
            "vm",
            "image",
            "create",
            "cliimage",
            "--blob-url",
            link,
            "--os",
            "linux",
        ],
        "The \"path\" argument must be of type string",
    );
    cli.ok(
        cfg,
        &[
            "vm",
            "image",
            "create",
            "cliimage",
            "",
            "--blob-url",
            link,
            "--os",
            "linux",
            "--label",
            "cli label",
        ],
    );
    let shown = cli.json(cfg, &["vm", "image", "show", "cliimage"]);
    assert_eq!(shown["name"], "cliimage", "{shown}");
    assert_eq!(shown["label"], "cli label", "{shown}");
    assert_eq!(shown["category"], "User", "{shown}");
    assert_eq!(shown["operatingSystemType"], "Linux", "{shown}");
    assert_eq!(shown["mediaLinkUri"], link, "{shown}");
    assert_eq!(shown["logicalSizeInGB"], 30, "{shown}");
    assert_eq!(shown["showInGui"], true, "{shown}");
    assert_eq!(shown["isPremium"], false, "{shown}");
    assert_eq!(shown["location"], serde_json::json!(["West US"]), "{shown}");
    let images = cli.json(cfg, &["vm", "image", "list"]);
    assert_eq!(find(&images, "name", "cliimage")["category"], "User");
    cli.fails(
        cfg,
        &[
            "vm",
            "image",
            "create",
            "CLIIMAGE",
            "",
            "--blob-url",
            link,
            "--os",
            "linux",
        ],
        "An image named 'CLIIMAGE' already exists.",
    );
    cli.ok(cfg, &["vm", "image", "delete", "cliimage", "--blob-delete"]);
    cli.fails(
        cfg,
        &["vm", "image", "show", "cliimage"],
        "The image with the specified name does not exist.",
    );
}

/// `vm disk list`, `create` (OS and data disks from uploaded blobs), `show`, `delete`.
fn disks_with_the_cli(cli: &Cli, cfg: &Path) {
    assert_eq!(
        cli.json(cfg, &["vm", "disk", "list"]),
        serde_json::json!([])
    );
    let link = "https://clistore.blob.core.windows.net/vhds/clidisk.vhd";
    let data = "https://clistore.blob.core.windows.net/vhds/clidata.vhd";
    cli.ok(
        cfg,
        &[
            "vm",
            "disk",
            "create",
            "clidisk",
            "",
            "--blob-url",
            link,
            "--os",
            "linux",
            "--label",
            "cli disk",
        ],
    );
    cli.ok(
        cfg,
        &["vm", "disk", "create", "clidata", "", "--blob-url", data],
    );
    let disks = cli.json(cfg, &["vm", "disk", "list"]);
    let mut listed = names(&disks, "name");
    listed.sort();
    assert_eq!(listed, ["clidata", "clidisk"], "{disks}");
    assert_eq!(
        find(&disks, "name", "clidisk")["operatingSystemType"],
        "Linux"
    );
    let table = cli.ok(cfg, &["vm", "disk", "list"]);
    assert!(
        table
            .lines()
            .any(|l| l.contains("clidisk") && l.contains("Linux")),
        "{table}"
    );

    let disk = cli.json(cfg, &["vm", "disk", "show", "clidisk"]);
    assert_eq!(disk["name"], "clidisk", "{disk}");
    assert_eq!(disk["label"], "cli disk", "{disk}");
    assert_eq!(disk["operatingSystemType"], "Linux", "{disk}");
    assert_eq!(disk["mediaLinkUri"], link, "{disk}");
    assert_eq!(disk["logicalSizeInGB"], 30, "{disk}");
    assert_eq!(disk["location"], "West US", "{disk}");
    let d = cli.json(cfg, &["vm", "disk", "show", "clidata"]);
    assert_eq!(d["label"], "clidata", "the label defaults to the name: {d}");
    assert!(d["operatingSystemType"].is_null(), "a data disk: {d}");
    assert_eq!(d["logicalSizeInGB"], 1023, "{d}");
    cli.fails(
        cfg,
        &[
            "vm",
            "disk",
            "create",
            "other",
            "",
            "--blob-url",
            link,
            "--os",
            "linux",
        ],
        "The disk 'clidisk' is already made from this blob",
    );

    cli.ok(cfg, &["vm", "disk", "delete", "clidisk", "--blob-delete"]);
    cli.ok(cfg, &["vm", "disk", "delete", "clidata"]);
    cli.fails(
        cfg,
        &["vm", "disk", "show", "clidisk"],
        "The disk with the specified name does not exist.",
    );
    assert_eq!(
        cli.json(cfg, &["vm", "disk", "list"]),
        serde_json::json!([])
    );
}
