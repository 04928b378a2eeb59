//! The real legacy SDKs and classic IaaS against a running `azmc serve`: virtual networks
//! (the Node `azure-asm-network` 0.13.0 client, the one the classic azure-cli pins, from
//! its installation in `.test-deps/azcli`, sets, reads and lists the network
//! configuration; the Python `azure-servicemanagement-legacy` SDK lists the sites it
//! made), OS images, VM images and the disk repository (the Python SDK's calls).

use super::Sandbox;
use super::legacy::{check, python_output};
use super::server::{Served, bootstrap_pem};
use std::process::Command;

const DOCUMENT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<NetworkConfiguration xmlns="http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration">
  <VirtualNetworkConfiguration>
    <Dns><DnsServers><DnsServer name="dns1" IPAddress="10.0.0.4" /></DnsServers></Dns>
    <VirtualNetworkSites>
      <VirtualNetworkSite name="sdkvnet" Location="West US">
        <AddressSpace><AddressPrefix>10.0.0.0/16</AddressPrefix></AddressSpace>
        <Subnets><Subnet name="Subnet-1"><AddressPrefix>10.0.1.0/24</AddressPrefix></Subnet></Subnets>
        <DnsServersRef><DnsServerRef name="dns1" /></DnsServersRef>
      </VirtualNetworkSite>
    </VirtualNetworkSites>
  </VirtualNetworkConfiguration>
</NetworkConfiguration>"#;

#[test]
fn node_and_python_sdks_manage_virtual_networks() {
    let deps = super::legacy::deps(&[]);
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "300")], &[]);
    bootstrap_pem(&s, &served);
    let sub = served.subscription();
    s.write("netcfg.xml", DOCUMENT);
    let node = r#"
const fs = require('fs');
const common = require('azure-common');
const network = require('azure-asm-network');
const [url, sub] = process.argv.slice(1);
const c = network.createNetworkManagementClient(new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync('bootstrap.pem', 'utf8') }), url);
c.longRunningOperationInitialTimeout = 0; c.longRunningOperationRetryTimeout = 1;
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
(async () => {
  try { await p(cb => c.networks.getConfiguration(cb)); throw new Error('expected 404'); }
  catch (e) { if (e.statusCode !== 404) throw e; }
  const doc = fs.readFileSync('netcfg.xml', 'utf8');
  const set = await p(cb => c.networks.setConfiguration({ configuration: doc }, cb));
  if (set.status !== 'Succeeded') throw new Error('set: ' + JSON.stringify(set));
  const got = await p(cb => c.networks.getConfiguration(cb));
  if (got.configuration !== doc) throw new Error('get: ' + JSON.stringify(got));
  const list = await p(cb => c.networks.list(cb));
  const v = list.virtualNetworkSites;
  if (v.length !== 1 || v[0].name !== 'sdkvnet' || v[0].location !== 'West US' || v[0].state !== 'Created') throw new Error('list: ' + JSON.stringify(list));
  if (v[0].addressSpace.addressPrefixes[0] !== '10.0.0.0/16' || v[0].subnets[0].addressPrefix !== '10.0.1.0/24') throw new Error('space: ' + JSON.stringify(v[0]));
  if (v[0].dnsServers[0].address !== '10.0.0.4' || !/^[0-9a-f-]{36}$/.test(v[0].id)) throw new Error('dns/id: ' + JSON.stringify(v[0]));
  try { await p(cb => c.networks.setConfiguration({ configuration: doc.replace('10.0.1.0/24', '10.9.1.0/24') }, cb)); throw new Error('expected 400'); }
  catch (e) { if (e.statusCode !== 400 || e.code !== 'BadRequest') throw e; }
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e, JSON.stringify(e)); process.exit(1); });
"#;
    let out = Command::new("node")
        .arg("-e")
        .args([node, &served.api_url, &sub])
        .env("NODE_PATH", deps.join("azcli/node_modules"))
        .env("NODE_EXTRA_CA_CERTS", served.data.join("ca.pem"))
        .env("NODE_NO_WARNINGS", "1")
        .current_dir(s.home())
        .output()
        .unwrap();
    check(out, "node");

    let python = r#"
import sys
from azure.servicemanagement import ServiceManagementService
host, sub = sys.argv[1:3]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
sites = sms.list_virtual_network_sites()
assert [x.name for x in sites] == ['sdkvnet'], [vars(x) for x in sites]
site = sites[0]
assert len(site.id) == 36, site.id
assert [(n.name, n.address_prefix) for n in site.subnets] == [('Subnet-1', '10.0.1.0/24')], [vars(n) for n in site.subnets]
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    check(
        python_output(&deps, &s, &served, &[python, &host, &sub]),
        "python",
    );
    served.stop();
}

#[test]
fn python_sdk_manages_os_images() {
    let deps = super::legacy::deps(&[]);
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    bootstrap_pem(&s, &served);
    let sub = served.subscription();
    let python = r#"
import sys
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError
host, sub = sys.argv[1:3]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
public = [i for i in sms.list_os_images() if i.category == 'Public']
assert len(public) >= 5 and all(i.logical_size_in_gb in (30, 128) for i in public), [vars(i) for i in public]
ubuntu = [i for i in public if 'Ubuntu' in i.name][0]
assert sms.get_os_image(ubuntu.name).os == 'Linux'
link = 'http://storagename.blob.core.windows.net/vhds/ubuntu.vhd'
r = sms.add_os_image('pyimage label', link, 'pyimage', 'Linux')
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
i = sms.get_os_image('pyimage')
assert (i.category, i.label, i.media_link, i.os, i.location) == ('User', 'pyimage label', link, 'Linux', 'West US'), vars(i)
try:
    sms.add_os_image('again', link, 'pyimage', 'Linux'); raise SystemExit('expected 409')
except AzureConflictHttpError:
    pass
r = sms.update_os_image('pyimage', 'new label', link, 'pyimage', 'Linux')
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
assert sms.get_os_image('pyimage').label == 'new label'
r = sms.delete_os_image('pyimage', delete_vhd=True)
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
try:
    sms.get_os_image('pyimage'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError as e:
    assert 'ResourceNotFound' in str(e), e
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    check(
        python_output(&deps, &s, &served, &[python, &host, &sub]),
        "python",
    );
    served.stop();
}

#[test]
fn python_sdk_manages_vm_images() {
    let deps = super::legacy::deps(&[]);
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "300")], &[]);
    bootstrap_pem(&s, &served);
    let sub = served.subscription();
    let python = r#"
import sys
from azure.servicemanagement import ServiceManagementService, VMImage, OSDiskConfiguration, DataDiskConfiguration
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub = sys.argv[1:3]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
public = sms.list_vm_images(category='Public')
assert len(public) >= 2 and all(i.category == 'Public' for i in public), [vars(i) for i in public]
assert [i.publisher_name for i in sms.list_vm_images(publisher='Cloudera', category='Public')] == ['Cloudera']
assert sms.list_vm_images(category='User').vm_images == []
image = VMImage('pyvmimage', 'py label', 'py description')
image.os_disk_configuration.os_state = 'Specialized'
image.os_disk_configuration.os = 'Linux'
image.os_disk_configuration.media_link = 'https://storagename.blob.core.windows.net/vhds/os.vhd'
data = DataDiskConfiguration()
data.host_caching = 'ReadOnly'; data.lun = 1; data.media_link = 'https://storagename.blob.core.windows.net/vhds/data.vhd'; data.logical_disk_size_in_gb = 100
image.data_disk_configurations.data_disk_configurations.append(data)
image.language = 'English'
image.show_in_gui = True
r = sms.create_vm_image(image)
sms.wait_for_operation_status(r.request_id, timeout=10, sleep_interval=0.2)
mine = sms.list_vm_images(category='User')
assert [i.name for i in mine] == ['pyvmimage'], [vars(i) for i in mine]
m = mine[0]
assert (m.label, m.description, m.os_disk_configuration.os, m.os_disk_configuration.os_state) == ('py label', 'py description', 'Linux', 'Specialized'), vars(m)
d = m.data_disk_configurations[0]
assert (d.lun, d.host_caching, d.logical_disk_size_in_gb) == (1, 'ReadOnly', 100), vars(d)
try:
    sms.create_vm_image(image); raise SystemExit('expected 409')
except AzureConflictHttpError:
    pass
update = VMImage(label='Updated label', description='Updated description')
update.os_disk_configuration.host_caching = 'ReadOnly'
update.eula = 'Updated eula'
update.show_in_gui = False
r = sms.update_vm_image('pyvmimage', update)
sms.wait_for_operation_status(r.request_id, timeout=10, sleep_interval=0.2)
u = sms.list_vm_images(category='User')[0]
assert (u.label, u.description, u.eula, u.os_disk_configuration.host_caching) == ('Updated label', 'Updated description', 'Updated eula', 'ReadOnly'), vars(u)
r = sms.delete_vm_image('pyvmimage', delete_vhd=True)
sms.wait_for_operation_status(r.request_id, timeout=10, sleep_interval=0.2)
assert sms.list_vm_images(category='User').vm_images == []
try:
    sms.delete_vm_image('pyvmimage'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
try:
    sms.delete_vm_image(public[0].name); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400, e
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    check(
        python_output(&deps, &s, &served, &[python, &host, &sub]),
        "python",
    );
    served.stop();
}

#[test]
fn python_sdk_manages_disks() {
    let deps = super::legacy::deps(&[]);
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    bootstrap_pem(&s, &served);
    let sub = served.subscription();
    let python = r#"
import sys
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError
host, sub = sys.argv[1:3]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
assert len(sms.list_disks()) == 0
link = 'https://storagename.blob.core.windows.net/vhds/os.vhd'
# Add, Update and Delete Disk are synchronous in the Python SDK.
assert sms.add_disk(False, 'py disk', link, 'pydisk', 'Linux') is None
d = sms.get_disk('pydisk')
assert (d.name, d.label, d.media_link, d.os, d.logical_disk_size_in_gb, d.location) == ('pydisk', 'py disk', link, 'Linux', 30, 'West US'), vars(d)
assert d.attached_to is None or d.attached_to.role_name in (None, ''), vars(d.attached_to)
try:
    sms.add_disk(False, 'again', link, 'other', 'Linux'); raise SystemExit('expected 409')
except AzureConflictHttpError:
    pass
sms.update_disk('pydisk', label='new label')
assert sms.get_disk('pydisk').label == 'new label'
assert [x.name for x in sms.list_disks()] == ['pydisk']
sms.delete_disk('pydisk', delete_vhd=True)
try:
    sms.get_disk('pydisk'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    check(
        python_output(&deps, &s, &served, &[python, &host, &sub]),
        "python",
    );
    served.stop();
}
