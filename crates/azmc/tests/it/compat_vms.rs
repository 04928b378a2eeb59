//! Virtual machines with the real Python `azure-servicemanagement-legacy` SDK against a
//! running `azmc serve`: a whole VM lifecycle (create a VM deployment from a platform
//! image, add a role, data disks, power operations through their transitional states,
//! resize, capture as OS image and as VM image, delete with and without media), each step
//! checked on what the SDK parsed back.

use super::Sandbox;
use super::legacy::{check, python_output};
use super::server::{Served, bootstrap_pem};

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
