//! Virtual machines with real clients against a running `azmc serve`:
//! * the Python `azure-servicemanagement-legacy` SDK: a whole VM lifecycle (create a VM
//!   deployment from a platform image, add a role, data disks, power operations through
//!   their transitional states, resize, capture as OS image and as VM image, delete with and
//!   without media), each step checked on what the SDK parsed back;
//! * the Node `azure-asm-compute` 0.18.0 SDK (the classic CLI's): every VM method through
//!   its `begin*` form, polled with the client's own `getOperationStatus`;
//! * the classic azure-cli 0.10.20 in ASM mode: `vm create` (password, and `--ssh` with an
//!   SSH certificate), `vm list|show|shutdown|start|restart|delete`, `vm disk
//!   attach-new|list|detach`, asserting its `--json` output.
//!
//! The Node and CLI clients come from `.test-deps/azcli` (`scripts/test-deps.sh`); missing,
//! the tests fail.

use super::Sandbox;
use super::compat_azurecli::{Cli, copy_dir, find, imported, names};
use super::legacy::{check, python_output};
use super::server::{Served, bootstrap_pem, curl};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PYTHON_LIFECYCLE: &str = r#"
import sys
from azure.servicemanagement import *
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub = sys.argv[1:3]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
wait = lambda r: sms.wait_for_operation_status(r.request_id, timeout=10, sleep_interval=0.2)
UBUNTU = 'b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB'
BLOB = 'https://portalvhdsx.blob.core.windows.net/vhds/'

def fails(f, status, code=None):
    try:
        f()
    except AzureHttpError as e:
        assert e.status_code == status, (e.status_code, str(e))
        return str(e)
    raise SystemExit('expected %d' % status)

def linux(host):
    c = LinuxConfigurationSet(host, 'azureuser', 'Passw0rd!x', False)
    return c

def network(name, port, local):
    n = ConfigurationSet()
    n.configuration_set_type = 'NetworkConfiguration'
    n.input_endpoints.input_endpoints.append(ConfigurationSetInputEndpoint(name, 'tcp', port, local))
    return n

sms.create_hosted_service('pyvms', 'vm service', location='West US')
os_disk = OSVirtualHardDisk(UBUNTU, BLOB + 'vm1.vhd')
# Refused up front, nothing created: unknown image, size, missing provisioning.
fails(lambda: sms.create_virtual_machine_deployment('pyvms', 'dep', 'production', 'lbl', 'vm1', linux('h1'), OSVirtualHardDisk('nope', BLOB + 'x.vhd'), role_size='Small'), 404)
fails(lambda: sms.create_virtual_machine_deployment('pyvms', 'dep', 'production', 'lbl', 'vm1', linux('h1'), os_disk, role_size='Huge'), 400)
fails(lambda: sms.create_virtual_machine_deployment('pyvms', 'dep', 'production', 'lbl', 'vm1', None, os_disk, role_size='Small'), 400)
assert len(sms.list_disks()) == 0

r = sms.create_virtual_machine_deployment('pyvms', 'dep', 'production', 'lbl', 'vm1', linux('h1'), os_disk,
    network_config=network('ssh', 22, 22), role_size='Small')
d = sms.get_deployment_by_name('pyvms', 'dep')
i = d.role_instance_list[0]
assert (i.role_name, i.instance_name, i.instance_status, i.power_state) == ('vm1', 'vm1', 'RoleStateUnknown', 'Starting'), vars(i)
wait(r)
d = sms.get_deployment_by_name('pyvms', 'dep')
assert d.status == 'Running' and d.label == 'lbl' and d.deployment_slot == 'Production', vars(d)
i = d.role_instance_list[0]
assert (i.instance_status, i.power_state, i.host_name, i.instance_size) == ('ReadyRole', 'Started', 'h1', 'Small'), vars(i)
assert i.ip_address.startswith('10.'), i.ip_address
vip = d.virtual_ips[0].address
assert [(e.name, int(e.public_port), int(e.local_port), e.vip) for e in i.instance_endpoints] == [('ssh', 22, 22, vip)], [vars(e) for e in i.instance_endpoints]
role = d.role_list[0]
assert role.role_name == 'vm1' and role.role_type == 'PersistentVMRole' and role.role_size == 'Small', vars(role)
assert role.os_virtual_hard_disk.source_image_name == UBUNTU and role.os_virtual_hard_disk.media_link == BLOB + 'vm1.vhd'
os_name = role.os_virtual_hard_disk.disk_name
assert os_name.startswith('pyvms-vm1-0-'), os_name
disk = sms.get_disk(os_name)
assert (disk.os, disk.attached_to.role_name, disk.attached_to.deployment_name, disk.attached_to.hosted_service_name) == ('Linux', 'vm1', 'dep', 'pyvms'), vars(disk)
# An attached disk cannot be deleted.
msg = fails(lambda: sms.delete_disk(os_name), 400)
assert 'virtual machine vm1 running within hosted service pyvms, deployment dep' in msg, msg
# The slot is taken; a second role of the same name conflicts.
fails(lambda: sms.create_virtual_machine_deployment('pyvms', 'dep2', 'production', 'lbl', 'vm9', linux('h9'), OSVirtualHardDisk(UBUNTU, BLOB + 'vm9.vhd'), role_size='Small'), 409)
fails(lambda: sms.add_role('pyvms', 'dep', 'vm1', linux('h1'), OSVirtualHardDisk(UBUNTU, BLOB + 'dup.vhd'), role_size='Small'), 409)
# The same public port on another endpoint conflicts.
fails(lambda: sms.add_role('pyvms', 'dep', 'vm2', linux('h2'), OSVirtualHardDisk(UBUNTU, BLOB + 'vm2.vhd'), network_config=network('ssh', 22, 22), role_size='Small'), 409)

r = sms.add_role('pyvms', 'dep', 'vm2', linux('h2'), OSVirtualHardDisk(UBUNTU, BLOB + 'vm2.vhd'), network_config=network('ssh2', 2222, 22), role_size='Medium')
wait(r)
d = sms.get_deployment_by_name('pyvms', 'dep')
assert sorted(x.role_name for x in d.role_list) == ['vm1', 'vm2']
assert all(x.instance_status == 'ReadyRole' for x in d.role_instance_list), [vars(x) for x in d.role_instance_list]
assert len(set(x.ip_address for x in d.role_instance_list)) == 2
assert sms.get_subscription().current_core_count == 3, sms.get_subscription().current_core_count

# Data disks: a new one at LUN 0, an existing one attached at LUN 1.
wait(sms.add_data_disk('pyvms', 'dep', 'vm1', 0, 'ReadOnly', BLOB + 'data0.vhd', 'data zero', None, 10))
dd = sms.get_data_disk('pyvms', 'dep', 'vm1', 0)
assert (dd.lun, dd.host_caching, dd.logical_disk_size_in_gb, dd.media_link, dd.disk_label) == (0, 'ReadOnly', 10, BLOB + 'data0.vhd', 'data zero'), vars(dd)
data0 = dd.disk_name
sms.add_disk(False, 'spare', BLOB + 'spare.vhd', 'spare', '')
wait(sms.add_data_disk('pyvms', 'dep', 'vm1', 1, disk_name='spare'))
assert sms.get_disk('spare').attached_to.role_name == 'vm1'
fails(lambda: sms.add_data_disk('pyvms', 'dep', 'vm1', 1, media_link=BLOB + 'x1.vhd', logical_disk_size_in_gb=5), 409)
fails(lambda: sms.add_data_disk('pyvms', 'dep', 'vm1', 2, media_link=BLOB + 'x2.vhd', logical_disk_size_in_gb=5), 400)  # Small: LUNs 0 and 1
fails(lambda: sms.get_data_disk('pyvms', 'dep', 'vm1', 5), 404)
sms.update_data_disk('pyvms', 'dep', 'vm1', 0, host_caching='ReadWrite', updated_lun=0)
assert sms.get_data_disk('pyvms', 'dep', 'vm1', 0).host_caching == 'ReadWrite'
wait(sms.delete_data_disk('pyvms', 'dep', 'vm1', 1))
a = sms.get_disk('spare').attached_to
assert a is None or not a.role_name, vars(a)
role = sms.get_role('pyvms', 'dep', 'vm1')
assert [x.lun for x in role.data_virtual_hard_disks] == [0], [vars(x) for x in role.data_virtual_hard_disks]

# Power: shutdown (stays provisioned), start, restart, deallocate frees the cores.
r = sms.shutdown_role('pyvms', 'dep', 'vm1')
fails(lambda: sms.start_role('pyvms', 'dep', 'vm1'), 409)  # busy until the operation ends
wait(r)
x = [y for y in sms.get_deployment_by_name('pyvms', 'dep').role_instance_list if y.role_name == 'vm1'][0]
assert (x.instance_status, x.power_state) == ('StoppedVM', 'Stopped'), vars(x)
wait(sms.start_role('pyvms', 'dep', 'vm1'))
wait(sms.restart_role('pyvms', 'dep', 'vm1'))
wait(sms.shutdown_roles('pyvms', 'dep', ['vm1', 'vm2'], 'StoppedDeallocated'))
d = sms.get_deployment_by_name('pyvms', 'dep')
assert all((y.instance_status, y.power_state) == ('StoppedDeallocated', 'Stopped') for y in d.role_instance_list), [vars(y) for y in d.role_instance_list]
assert sms.get_subscription().current_core_count == 0
wait(sms.start_roles('pyvms', 'dep', ['vm2']))
assert sms.get_subscription().current_core_count == 2

# Resize through Update Role.
wait(sms.update_role('pyvms', 'dep', 'vm2', role_size='Large'))
assert sms.get_role('pyvms', 'dep', 'vm2').role_size == 'Large'
fails(lambda: sms.update_role('pyvms', 'dep', 'vm2', role_size='Enormous'), 400)

# Capture vm1 (deallocated) as a VM image, then as an OS image, which deletes it.
wait(sms.capture_vm_image('pyvms', 'dep', 'vm1', CaptureRoleAsVMImage('Specialized', 'pyvmimage', 'vm image', 'd', 'en', 'fam', 'Small')))
assert any(v.name == 'pyvmimage' for v in sms.list_vm_images())
fails(lambda: sms.capture_role('pyvms', 'dep', 'vm2', 'Delete', 'pyosimage', 'os image'), 409)  # vm2 runs
wait(sms.capture_role('pyvms', 'dep', 'vm1', 'Delete', 'pyosimage', 'os image'))
img = sms.get_os_image('pyosimage')
assert (img.os, img.media_link, img.category) == ('Linux', BLOB + 'vm1.vhd', 'User'), vars(img)
assert [x.role_name for x in sms.get_deployment_by_name('pyvms', 'dep').role_list] == ['vm2']
fails(lambda: sms.get_role('pyvms', 'dep', 'vm1'), 404)
# vm1's data disk stays, detached; its OS disk became the image.
names = sorted(x.name for x in sms.list_disks())
vm2_os = sms.get_role('pyvms', 'dep', 'vm2').os_virtual_hard_disk.disk_name
assert names == sorted([vm2_os, data0, 'spare']), names
a = sms.get_disk(data0).attached_to
assert a is None or not a.role_name, vars(a)

# The last role goes with its deployment; comp=media takes the disks too.
fails(lambda: sms.delete_role('pyvms', 'dep', 'vm2'), 400)
wait(sms.delete_deployment('pyvms', 'dep', delete_vhd=True))
names = sorted(x.name for x in sms.list_disks())
assert names == sorted([data0, 'spare']), names
fails(lambda: sms.get_deployment_by_name('pyvms', 'dep'), 404)
assert sms.get_subscription().current_core_count == 0
print('ok')
"#;

#[test]
fn python_sdk_runs_a_virtual_machine_lifecycle() {
    let deps = super::legacy::deps(&[]);
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "200")], &[]);
    bootstrap_pem(&s, &served);
    let sub = served.subscription();
    let host = served.api_url.trim_start_matches("https://").to_string();
    check(
        python_output(&deps, &s, &served, &[PYTHON_LIFECYCLE, &host, &sub]),
        "python",
    );
    served.stop();
}

/// The Node `azure-asm-compute` 0.18.0 client's whole VM surface, through its `begin*`
/// methods (which return after the 202) and its own `getOperationStatus`, polled every
/// 100 ms: the wrappers that poll themselves sleep 30 s first. Every call that passes also
/// proves its status (the client rejects any other); the script checks what it parsed.
const NODE_LIFECYCLE: &str = r#"
  const vm = c.virtualMachines, dd = c.virtualMachineDisks;
  const UBUNTU = 'b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB';
  const BLOB = 'https://nodevhds.blob.core.windows.net/vhds/';
  const sleep = (ms) => new Promise(r => setTimeout(r, ms));
  const done = async (begun) => {
    check(begun.statusCode === 202 && begun.requestId, 'begun', begun);
    for (let n = 0; n < 200; n++) {
      const op = await p(cb => c.getOperationStatus(begun.requestId, cb));
      if (op.status !== 'InProgress') { check(op.status === 'Succeeded', 'operation', op); return op; }
      await sleep(100);
    }
    throw new Error('operation still in progress');
  };
  const dep = () => p(cb => c.deployments.getByName('nodevms', 'nodedep', cb));
  const inst = (d, name) => d.roleInstances.find(i => i.roleName === name);
  const state = async (name) => { const i = inst(await dep(), name); return i.instanceStatus + '/' + i.powerState; };
  const linux = (host) => ({ configurationSetType: 'LinuxProvisioningConfiguration', hostName: host, userName: 'azureuser', userPassword: 'Passw0rd!x', disableSshPasswordAuthentication: false });
  const web = (local) => ({ name: 'web', port: 80, localPort: local, protocol: 'tcp', loadBalancedEndpointSetName: 'webset', loadBalancerProbe: { port: local, protocol: 'tcp' } });
  const role = (name, size, eps) => ({
    roleName: name, roleType: 'PersistentVMRole', roleSize: size,
    configurationSets: [linux(name + 'host'), { configurationSetType: 'NetworkConfiguration', inputEndpoints: eps }],
    oSVirtualHardDisk: { sourceImageName: UBUNTU, mediaLink: BLOB + name + '.vhd', hostCaching: 'ReadWrite' },
  });
  const netOf = (r) => r.configurationSets.find(s => s.configurationSetType === 'NetworkConfiguration');

  check((await p(cb => c.hostedServices.create({ serviceName: 'nodevms', label: 'node vms', location: 'West US' }, cb))).statusCode === 201, 'service', null);

  // Create Virtual Machine Deployment: two roles sharing a load-balanced set.
  const begun = await p(cb => vm.beginCreatingDeployment('nodevms', {
    name: 'nodedep', label: 'node deployment', deploymentSlot: 'Production',
    roles: [
      role('vm1', 'Small', [{ name: 'ssh', port: 22, localPort: 22, protocol: 'tcp' }, web(8080)]),
      role('vm2', 'Small', [{ name: 'ssh', port: 2222, localPort: 22, protocol: 'tcp' }, web(8080)]),
    ],
  }, cb));
  check(await state('vm1') === 'RoleStateUnknown/Starting', 'starting', await dep());
  await done(begun);
  let d = await dep();
  check(d.statusCode === 200 && d.name === 'nodedep' && d.deploymentSlot === 'Production' && d.label === 'node deployment' && d.status === 'Running', 'deployment', d);
  const host = d.uri.replace(/^http:\/\/|\/$/g, '');
  check(d.uri.startsWith('http://nodevms.') && d.uri.endsWith('/'), 'url', d.uri);
  const vip = d.virtualIPAddresses[0].address;
  check(vip && d.virtualIPAddresses.length === 1, 'vip', d.virtualIPAddresses);
  check(d.roleInstances.length === 2 && d.roleInstances.every(i => i.instanceName === i.roleName && i.instanceStatus === 'ReadyRole' && i.powerState === 'Started' && i.instanceSize === 'Small' && i.iPAddress.startsWith('10.')), 'instances', d.roleInstances);
  check(inst(d, 'vm1').iPAddress !== inst(d, 'vm2').iPAddress && inst(d, 'vm1').hostName === 'vm1host', 'ips', d.roleInstances);
  const eps = inst(d, 'vm2').instanceEndpoints.map(e => [e.name, e.port, e.localPort, e.protocol, e.virtualIPAddress].join()).sort();
  check(eps.join(' ') === ['ssh,2222,22,tcp,' + vip, 'web,80,8080,tcp,' + vip].join(' '), 'instance endpoints', inst(d, 'vm2').instanceEndpoints);
  check(d.roles.map(r => r.roleName).sort().join() === 'vm1,vm2' && d.roles.every(r => r.roleType === 'PersistentVMRole' && r.roleSize === 'Small'), 'roles', d.roles);
  const os1 = d.roles.find(r => r.roleName === 'vm1').oSVirtualHardDisk;
  check(os1.sourceImageName === UBUNTU && os1.mediaLink === BLOB + 'vm1.vhd' && os1.name.startsWith('nodevms-vm1-0-') && os1.hostCaching === 'ReadWrite', 'os disk', os1);
  await fails(cb => vm.beginCreatingDeployment('nodevms', { name: 'other', label: 'x', deploymentSlot: 'Production', roles: [role('vm9', 'Small', [])] }, cb), 409, 'ConflictError');

  // Add Role, Get Role, Update Role (resize and a new endpoint).
  await done(await p(cb => vm.beginCreating('nodevms', 'nodedep', role('vm3', 'Small', [{ name: 'rdp', port: 3389, localPort: 3389, protocol: 'tcp' }]), cb)));
  await fails(cb => vm.beginCreating('nodevms', 'nodedep', role('vm3', 'Small', []), cb), 409, 'ConflictError');
  const r3 = await p(cb => vm.get('nodevms', 'nodedep', 'vm3', cb));
  check(r3.statusCode === 200 && r3.roleName === 'vm3' && r3.roleType === 'PersistentVMRole' && r3.roleSize === 'Small' && r3.oSVirtualHardDisk.sourceImageName === UBUNTU, 'get role', r3);
  check(netOf(r3).inputEndpoints.map(e => [e.name, e.port, e.localPort].join()).join() === 'rdp,3389,3389', 'role endpoints', netOf(r3));
  await fails(cb => vm.get('nodevms', 'nodedep', 'nosuch', cb), 404, 'ResourceNotFound');
  r3.roleSize = 'Medium';
  netOf(r3).inputEndpoints.push({ name: 'extra', port: 8000, localPort: 8001, protocol: 'tcp' });
  await done(await p(cb => vm.beginUpdating('nodevms', 'nodedep', 'vm3', r3, cb)));
  const u3 = await p(cb => vm.get('nodevms', 'nodedep', 'vm3', cb));
  check(u3.roleSize === 'Medium' && netOf(u3).inputEndpoints.map(e => e.name + ':' + e.port + ':' + e.localPort).sort().join() === 'extra:8000:8001,rdp:3389:3389', 'updated', u3);
  check(inst(await dep(), 'vm3').instanceSize === 'Medium', 'resized instance', null);
  r3.roleSize = 'Enormous';
  await fails(cb => vm.beginUpdating('nodevms', 'nodedep', 'vm3', r3, cb), 400, 'BadRequest');

  // Power: one role through its transitional states, then two at once.
  const shut = await p(cb => vm.beginShutdown('nodevms', 'nodedep', 'vm1', { postShutdownAction: 'Stopped' }, cb));
  check(await state('vm1') === 'StoppingVM/Stopping', 'stopping', await dep());
  await fails(cb => vm.beginStarting('nodevms', 'nodedep', 'vm1', cb), 409, 'ConflictError');
  await done(shut);
  check(await state('vm1') === 'StoppedVM/Stopped', 'stopped', await dep());
  await done(await p(cb => vm.beginStarting('nodevms', 'nodedep', 'vm1', cb)));
  check(await state('vm1') === 'ReadyRole/Started', 'started', await dep());
  await done(await p(cb => vm.beginRestarting('nodevms', 'nodedep', 'vm1', cb)));
  check(await state('vm1') === 'ReadyRole/Started', 'restarted', await dep());
  await done(await p(cb => vm.beginRedeploying('nodevms', 'nodedep', 'vm1', cb)));
  await done(await p(cb => vm.beginInitiatingMaintenance('nodevms', 'nodedep', 'vm1', cb)));
  check(await state('vm1') === 'ReadyRole/Started', 'redeployed', await dep());
  await done(await p(cb => vm.beginShuttingDownRoles('nodevms', 'nodedep', { roles: ['vm1', 'vm2'], postShutdownAction: 'StoppedDeallocated' }, cb)));
  d = await dep();
  check(['vm1', 'vm2'].every(n => inst(d, n).instanceStatus === 'StoppedDeallocated' && inst(d, n).powerState === 'Stopped') && inst(d, 'vm3').instanceStatus === 'ReadyRole', 'deallocated', d.roleInstances);
  await fails(cb => vm.beginStartingRoles('nodevms', 'nodedep', { roles: ['vm1', 'nosuch'] }, cb), 404, 'ResourceNotFound');
  await done(await p(cb => vm.beginStartingRoles('nodevms', 'nodedep', { roles: ['vm1', 'vm2'] }, cb)));
  check((await dep()).roleInstances.every(i => i.instanceStatus === 'ReadyRole' && i.powerState === 'Started'), 'all started', null);

  // The RDP file of the role with an endpoint to local port 3389.
  const rdp = await p(cb => vm.getRemoteDesktopFile('nodevms', 'nodedep', 'vm3', cb));
  check(rdp.statusCode === 200 && String(rdp.remoteDesktopFile).includes('full address:s:' + host + ':3389'), 'rdp', rdp);
  await fails(cb => vm.getRemoteDesktopFile('nodevms', 'nodedep', 'vm1', cb), 400, 'BadRequest');

  // Update Load-Balanced Endpoint Set: both members change.
  await done(await p(cb => vm.beginUpdatingLoadBalancedEndpointSet('nodevms', 'nodedep', { loadBalancedEndpoints: [web(9090)] }, cb)));
  for (const n of ['vm1', 'vm2']) {
    const w = netOf(await p(cb => vm.get('nodevms', 'nodedep', n, cb))).inputEndpoints.find(e => e.name === 'web');
    check(w.port === 80 && w.localPort === 9090 && w.loadBalancedEndpointSetName === 'webset', 'lb set ' + n, w);
  }

  // Data disks on vm2.
  await done(await p(cb => dd.beginCreatingDataDisk('nodevms', 'nodedep', 'vm2', { hostCaching: 'ReadOnly', label: 'node data', logicalDiskSizeInGB: 10, mediaLinkUri: BLOB + 'data0.vhd', logicalUnitNumber: 0 }, cb)));
  const data = await p(cb => dd.getDataDisk('nodevms', 'nodedep', 'vm2', 0, cb));
  check(data.statusCode === 200 && data.hostCaching === 'ReadOnly' && data.label === 'node data' && data.logicalDiskSizeInGB === 10 && data.mediaLinkUri === BLOB + 'data0.vhd' && data.logicalUnitNumber === 0 && data.name, 'data disk', data);
  await fails(cb => dd.beginCreatingDataDisk('nodevms', 'nodedep', 'vm2', { hostCaching: 'None', label: 'x', logicalDiskSizeInGB: 5, mediaLinkUri: BLOB + 'x.vhd', logicalUnitNumber: 0 }, cb), 409, 'ConflictError');
  await fails(cb => dd.getDataDisk('nodevms', 'nodedep', 'vm2', 1, cb), 404, 'ResourceNotFound');
  const updated = await p(cb => dd.updateDataDisk('nodevms', 'nodedep', 'vm2', 0, { hostCaching: 'ReadWrite', label: data.label, logicalDiskSizeInGB: 10, mediaLinkUri: data.mediaLinkUri, logicalUnitNumber: 0, name: data.name }, cb));
  check(updated.statusCode === 200, 'update data disk', updated);
  check((await p(cb => dd.getDataDisk('nodevms', 'nodedep', 'vm2', 0, cb))).hostCaching === 'ReadWrite', 'caching', null);
  const withDisk = await p(cb => vm.get('nodevms', 'nodedep', 'vm2', cb));
  check(withDisk.dataVirtualHardDisks.length === 1 && withDisk.dataVirtualHardDisks[0].name === data.name && withDisk.dataVirtualHardDisks[0].logicalUnitNumber === 0, 'role data disks', withDisk.dataVirtualHardDisks);
  check((await p(cb => dd.getDisk(data.name, cb))).usageDetails.roleName === 'vm2', 'attached', null);
  await done(await p(cb => dd.beginDeletingDataDisk('nodevms', 'nodedep', 'vm2', 0, false, cb)));
  await fails(cb => dd.getDataDisk('nodevms', 'nodedep', 'vm2', 0, cb), 404, 'ResourceNotFound');
  const freed = await p(cb => dd.getDisk(data.name, cb));
  check(!freed.usageDetails || !freed.usageDetails.roleName, 'detached', freed);

  // Capture vm1 (stopped) as a VM image, then as an OS image, which deletes it.
  await done(await p(cb => vm.beginShutdown('nodevms', 'nodedep', 'vm1', { postShutdownAction: 'StoppedDeallocated' }, cb)));
  await done(await p(cb => vm.beginCapturingVMImage('nodevms', 'nodedep', 'vm1', { oSState: 'Specialized', vMImageName: 'nodevmimage', vMImageLabel: 'node vm image' }, cb)));
  const vmImage = (await p(cb => c.virtualMachineVMImages.list(cb))).vMImages.find(i => i.name === 'nodevmimage');
  check(vmImage && vmImage.label === 'node vm image' && vmImage.category === 'User', 'vm image', vmImage);
  await fails(cb => vm.beginCapturingOSImage('nodevms', 'nodedep', 'vm2', { postCaptureAction: 'Delete', targetImageName: 'nodeosimage', targetImageLabel: 'x' }, cb), 409, 'ConflictError');
  await done(await p(cb => vm.beginCapturingOSImage('nodevms', 'nodedep', 'vm1', { postCaptureAction: 'Delete', targetImageName: 'nodeosimage', targetImageLabel: 'node os image' }, cb)));
  const osImage = await p(cb => c.virtualMachineOSImages.get('nodeosimage', cb));
  check(osImage.category === 'User' && osImage.label === 'node os image' && osImage.operatingSystemType === 'Linux' && osImage.mediaLinkUri === BLOB + 'vm1.vhd', 'os image', osImage);
  await fails(cb => vm.get('nodevms', 'nodedep', 'vm1', cb), 404, 'ResourceNotFound');

  // Delete Role with its disks; the last role goes only with the deployment.
  const os3 = (await p(cb => vm.get('nodevms', 'nodedep', 'vm3', cb))).oSVirtualHardDisk.name;
  await done(await p(cb => vm.beginDeleting('nodevms', 'nodedep', 'vm3', true, cb)));
  await fails(cb => vm.get('nodevms', 'nodedep', 'vm3', cb), 404, 'ResourceNotFound');
  await fails(cb => dd.getDisk(os3, cb), 404, 'ResourceNotFound');
  d = await dep();
  check(d.roles.map(r => r.roleName).join() === 'vm2' && d.roleInstances.map(i => i.roleName).join() === 'vm2', 'one left', d);
  await fails(cb => vm.beginDeleting('nodevms', 'nodedep', 'vm2', false, cb), 400, 'BadRequest');
  await done(await p(cb => c.deployments.beginDeletingByName('nodevms', 'nodedep', true, cb)));
  await fails(cb => c.deployments.getByName('nodevms', 'nodedep', cb), 404, 'ResourceNotFound');
  check((await p(cb => dd.listDisks(cb))).disks.map(x => x.name).join() === data.name, 'disks left', null);
"#;

#[test]
fn node_sdk_drives_virtual_machines() {
    let deps = super::compat_images::deps();
    let (s, served) = super::compat_images::served("300");
    check(
        super::compat_images::node(&deps, &s, &served, NODE_LIFECYCLE),
        "node",
    );
    served.stop();
}

const UBUNTU: &str =
    "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB";

/// The subscription's operations on objects whose path contains `object` so far: (all,
/// still in progress).
fn operations(served: &Served, pem: &Path, object: &str) -> (usize, usize) {
    let sub = served.subscription();
    let (code, body) = curl(
        served,
        Some(pem),
        "GET",
        &format!("/{sub}/operations?StartTime=2000-01-01&EndTime=2100-01-01"),
        None,
    );
    assert_eq!(code, 200, "{body}");
    let ops: Vec<&str> = body
        .split("<SubscriptionOperation>")
        .skip(1)
        .filter(|op| op.contains(object))
        .collect();
    let running = ops
        .iter()
        .filter(|op| op.contains("<Status>InProgress</Status>"))
        .count();
    (ops.len(), running)
}

/// Waits until the server has registered at least `count` operations on `object` and
/// none is in progress: the CLI command launched before has done its work on the server,
/// though the CLI itself still sleeps 30 s before it polls.
fn settled(served: &Served, pem: &Path, object: &str, count: usize) {
    let start = Instant::now();
    loop {
        let (all, running) = operations(served, pem, object);
        if all >= count && running == 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{all} operations on {object} ({running} in progress), waiting for {count}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The instance of `vm` in `list` (`vm list --json`).
fn vm_in<'a>(list: &'a Value, vm: &str) -> &'a Value {
    find(list, "VMName", vm)
}

/// The classic azure-cli 0.10.20 (ASM mode) drives two Linux VMs: `vm create` with a
/// password (it creates the cloud service and a `portalvhds*` storage account, then the
/// deployment) and with `--ssh --ssh-cert` (an X.509 PEM made with openssl, uploaded as a
/// service certificate; no password), `vm list`, `vm show`, `vm shutdown` (deallocated),
/// `vm start`, `vm restart`, `vm disk attach-new`, `vm disk list`, `vm disk detach` and
/// `vm delete -b -q`, asserting the `--json` output.
///
/// Time: each CLI command that polls sleeps 30 s first. The two creates run at once (the
/// second starts once the first has made the storage account); after that, each slow
/// command runs in a thread and the next one starts as soon as the server has finished the
/// previous one's operation (`GET /{s}/operations`), not when the CLI wakes up.
#[test]
fn classic_cli_drives_virtual_machines() {
    let started = Instant::now();
    let (s, served) = super::compat_images::served("300");
    let sub = served.subscription();
    let pem = s.path("bootstrap.pem");
    let (cli, cfg) = imported(&s, &served);
    let key = s.path("ssh-key.pem");
    let cert = s.path("ssh-cert.pem");
    let o = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=clissh", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is required");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cert = cert.to_str().unwrap();
    let lanes: Vec<PathBuf> = (0..2)
        .map(|n| {
            let lane = s.path(&format!("azure-config-{n}"));
            copy_dir(&cfg, &lane);
            lane
        })
        .collect();
    let (pw_cfg, ssh_cfg) = (&lanes[0], &lanes[1]);

    // Both creates; the second once the first has made its portalvhds storage account.
    std::thread::scope(|scope| {
        let pw = scope.spawn(|| {
            cli.ok(
                pw_cfg,
                &[
                    "vm",
                    "create",
                    "clivmpw",
                    UBUNTU,
                    "azureuser",
                    "Passw0rd!x",
                    "-l",
                    "West US",
                ],
            )
        });
        let start = Instant::now();
        loop {
            let (_, body) = curl(
                &served,
                Some(&pem),
                "GET",
                &format!("/{sub}/services/storageservices"),
                None,
            );
            if body.contains("<ServiceName>portalvhds") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "{body}");
            std::thread::sleep(Duration::from_millis(200));
        }
        let ssh = cli.ok(
            ssh_cfg,
            &[
                "vm",
                "create",
                "clivmssh",
                UBUNTU,
                "azureuser",
                "--ssh",
                "22",
                "--ssh-cert",
                cert,
                "--no-ssh-password",
                "-l",
                "West US",
            ],
        );
        pw.join().unwrap();
        assert!(ssh.contains("vm create"), "{ssh}");
    });
    let accounts = cli.json(&cfg, &["storage", "account", "list"]);
    let portal = names(&accounts, "name");
    assert!(
        portal.len() == 1 && portal[0].starts_with("portalvhds"),
        "one account, made by the first create and found by the second: {accounts}"
    );
    let certs = curl(
        &served,
        Some(&pem),
        "GET",
        &format!("/{sub}/services/hostedservices/clivmssh/certificates"),
        None,
    );
    assert!(
        certs.0 == 200 && certs.1.contains("<Thumbprint>"),
        "{certs:?}"
    );

    // vm list and vm show.
    let list = cli.json(&cfg, &["vm", "list"]);
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    for vm in ["clivmpw", "clivmssh"] {
        let v = vm_in(&list, vm);
        assert_eq!(v["InstanceStatus"], "ReadyRole", "{v}");
        assert_eq!(v["InstanceSize"], "Small", "{v}");
        assert_eq!(v["Image"], UBUNTU, "{v}");
        assert!(
            v["IPAddress"]
                .as_str()
                .is_some_and(|ip| ip.starts_with("10.")),
            "{v}"
        );
        assert!(
            v["DNSName"]
                .as_str()
                .is_some_and(|d| d.starts_with(&format!("{vm}."))),
            "{v}"
        );
    }
    let shown = cli.json(&cfg, &["vm", "show", "clivmssh"]);
    assert_eq!(shown["VMName"], "clivmssh", "{shown}");
    assert_eq!(shown["InstanceStatus"], "ReadyRole", "{shown}");
    let endpoints = shown["Network"]["Endpoints"].as_array().unwrap();
    assert!(
        endpoints
            .iter()
            .any(|e| e["port"] == 22 && e["localPort"] == 22 && e["protocol"] == "tcp"),
        "{shown}"
    );
    assert!(
        shown["OSDisk"]["mediaLink"]
            .as_str()
            .is_some_and(|l| l.starts_with(&format!("https://{}.blob.", portal[0]))),
        "{shown}"
    );
    let pw_shown = cli.json(&cfg, &["vm", "show", "clivmpw"]);
    assert!(
        pw_shown["Network"]["Endpoints"]
            .as_array()
            .is_none_or(|e| e.is_empty()),
        "no ssh endpoint without --ssh: {pw_shown}"
    );

    // Power on clivmpw and disks on clivmssh, at once.
    let pw_lane = &lanes[0];
    let ssh_lane = &lanes[1];
    let pw_op_cfg = s.path("azure-config-pw-ops");
    copy_dir(&cfg, &pw_op_cfg);
    let cli = &cli;
    std::thread::scope(|scope| {
        let disks = scope.spawn(|| disks_with_the_cli(cli, ssh_lane, &cfg));
        let mut waiting = Vec::new();
        let mut count = operations(&served, &pem, "/clivmpw/").0;
        for (n, (cmd, status)) in [
            ("shutdown", "StoppedDeallocated"),
            ("start", "ReadyRole"),
            ("restart", "ReadyRole"),
        ]
        .into_iter()
        .enumerate()
        {
            let lane = s.path(&format!("azure-config-power-{n}"));
            copy_dir(pw_lane, &lane);
            waiting.push(scope.spawn(move || cli.ok(&lane, &["vm", cmd, "clivmpw"])));
            count += 1;
            settled(&served, &pem, "/clivmpw/", count);
            let v = cli.json(&pw_op_cfg, &["vm", "show", "clivmpw"]);
            assert_eq!(v["InstanceStatus"], status, "after {cmd}: {v}");
            if cmd == "shutdown" {
                assert_eq!(v["IPAddress"], "", "deallocated: {v}");
            }
        }
        for w in waiting {
            w.join().unwrap();
        }
        disks.join().unwrap();
    });

    // vm delete -b -q: the deployment with its disks, then the cloud service.
    std::thread::scope(|scope| {
        let pw = scope.spawn(|| cli.ok(pw_lane, &["vm", "delete", "clivmpw", "-b", "-q"]));
        cli.ok(ssh_lane, &["vm", "delete", "clivmssh", "-b", "-q"]);
        pw.join().unwrap();
    });
    assert_eq!(cli.json(&cfg, &["vm", "list"]), serde_json::json!([]));
    let services = cli.json(&cfg, &["service", "list"]);
    assert_eq!(services, serde_json::json!([]), "{services}");
    let disks = names(&cli.json(&cfg, &["vm", "disk", "list"]), "name");
    assert_eq!(disks.len(), 1, "only the detached data disk: {disks:?}");
    assert!(
        started.elapsed() < Duration::from_secs(240),
        "{:?}",
        started.elapsed()
    );
    served.stop();
}

/// `vm disk attach-new`, `vm disk list <vm>`, `vm disk detach` on `clivmssh`; `cfg` is
/// only read from.
fn disks_with_the_cli(cli: &Cli, lane: &Path, cfg: &Path) {
    let probe = cfg.with_file_name("azure-config-disks");
    copy_dir(cfg, &probe);
    cli.ok(lane, &["vm", "disk", "attach-new", "clivmssh", "20"]);
    let disks = cli.json(&probe, &["vm", "disk", "list", "clivmssh"]);
    let all = disks.as_array().unwrap_or_else(|| panic!("{disks}"));
    assert_eq!(all.len(), 2, "the OS disk and the new one: {disks}");
    assert_eq!(all[0]["logicalDiskSizeInGB"], 30, "{disks}");
    assert_eq!(all[0]["sourceImageName"], UBUNTU, "{disks}");
    let data = &all[1];
    assert_eq!(data["logicalDiskSizeInGB"], 20, "{disks}");
    assert_eq!(data["logicalUnitNumber"], 0, "{disks}");
    assert_eq!(data["hostCaching"], "None", "{disks}");
    assert!(
        data["mediaLink"]
            .as_str()
            .is_some_and(|l| l.contains("/clivmssh-")),
        "{disks}"
    );
    cli.ok(lane, &["vm", "disk", "detach", "clivmssh", "0"]);
    let disks = cli.json(&probe, &["vm", "disk", "list", "clivmssh"]);
    assert_eq!(disks.as_array().map(Vec::len), Some(1), "{disks}");
}
