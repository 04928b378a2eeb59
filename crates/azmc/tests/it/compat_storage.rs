//! The real legacy clients drive locations, affinity groups and storage accounts against a
//! running `azmc serve`: the Python `azure-servicemanagement-legacy` SDK and the Node
//! `azure-asm-mgmt` / `azure-asm-storage` SDKs, with the exact calls they make (installed
//! by `scripts/test-deps.sh` into `.test-deps/`; a missing client is a failure).

use super::Sandbox;
use super::legacy::{check, node_output, python_output};
use super::server::{Served, bootstrap_pem};
use std::path::PathBuf;

fn deps() -> PathBuf {
    super::legacy::deps(&["azure-asm-storage", "azure-asm-mgmt"])
}

/// A running server whose asynchronous operations stay InProgress for a moment, so the
/// clients' polling is exercised.
fn served() -> (Sandbox, Served) {
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "300")], &[]);
    bootstrap_pem(&s, &served);
    (s, served)
}

#[test]
fn python_sdk_manages_locations_affinity_groups_and_storage_accounts() {
    let deps = deps();
    let (s, served) = served();
    let sub = served.subscription();
    let script = r#"
import sys, base64
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub = sys.argv[1:3]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
wait = lambda r: sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
locs = sms.list_locations()
names = [l.name for l in locs]
assert names == ['West US', 'East US', 'North Europe', 'West Europe', 'East Asia', 'Southeast Asia'], names
assert locs[0].display_name == 'West US' and 'Compute' in locs[0].available_services, vars(locs[0])
assert 'Small' in locs[0].compute_capabilities.web_worker_role_sizes and 'A7' in locs[0].compute_capabilities.virtual_machines_role_sizes
sizes = {r.name: r for r in sms.list_role_sizes()}
assert sizes['A7'].cores == 8 and sizes['A7'].memory_in_mb == 57344 and sizes['ExtraSmall'].supported_by_virtual_machines == True, vars(sizes['A7'])

# Affinity groups.
sms.create_affinity_group('pygroup', 'py label', 'west europe', 'py description')
try:
    sms.create_affinity_group('PYGROUP', 'again', 'West US'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'ConflictError' in str(e), e
try:
    sms.create_affinity_group('pygroup2', 'x', 'Atlantis'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'Location' in str(e), e
g = sms.get_affinity_group_properties('pygroup')
assert g.name == 'pygroup' and g.label == 'py label' and g.description == 'py description' and g.location == 'West Europe', vars(g)
assert len(g.hosted_services) == 0 and len(g.storage_services) == 0
assert 'PersistentVMRole' in g.capabilities, g.capabilities
assert [x.name for x in sms.list_affinity_groups()] == ['pygroup']
sms.update_affinity_group('pygroup', 'new label', 'new description')
g = sms.get_affinity_group_properties('pygroup')
assert g.label == 'new label' and g.description == 'new description', vars(g)
try:
    sms.get_affinity_group_properties('nogroup'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError as e:
    assert 'ResourceNotFound' in str(e), e

# Storage accounts.
assert sms.check_storage_account_name_availability('pystore1').result == True
r = sms.create_storage_account('pystore1', 'py store', 'store label', location='West US', extended_properties={'ext1': 'val1'}, account_type='Standard_GRS')
assert sms.get_operation_status(r.request_id).status == 'InProgress'
assert sms.get_storage_account_properties('pystore1').storage_service_properties.status == 'Creating'
wait(r)
a = sms.check_storage_account_name_availability('pystore1')
assert a.result == False and a.reason, vars(a)
p = sms.get_storage_account_properties('pystore1')
sp = p.storage_service_properties
assert p.service_name == 'pystore1' and p.url.endswith('/services/storageservices/pystore1'), p.url
assert sp.status == 'Created' and sp.label == 'store label' and sp.description == 'py store' and sp.location == 'West US', vars(sp)
assert sp.account_type == 'Standard_GRS' and sp.geo_primary_region == 'West US' and sp.geo_secondary_region == 'East US', vars(sp)
assert sp.endpoints[0] == 'https://pystore1.blob.azmc.localhost/' and len(sp.endpoints) == 4, sp.endpoints
assert sp.creation_time, vars(sp)
assert p.extended_properties == {'ext1': 'val1'}, p.extended_properties
try:
    sms.create_storage_account('pystore1', 'again', 'again', location='West US'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'ConflictError' in str(e), e
try:
    sms.create_storage_account('Bad-Name', 'x', 'x', location='West US'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'ServiceName' in str(e), e
try:
    sms.create_storage_account('pystore2', 'x', 'x', affinity_group='nogroup'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'AffinityGroup' in str(e), e
# One in the affinity group: the group lists it and cannot be deleted.
wait(sms.create_storage_account('pystore2', 'in group', 'grouped', affinity_group='pygroup', account_type='Standard_LRS'))
sp2 = sms.get_storage_account_properties('pystore2').storage_service_properties
assert sp2.affinity_group == 'pygroup' and sp2.location == 'West Europe', vars(sp2)
assert [x.service_name for x in sms.get_affinity_group_properties('pygroup').storage_services] == ['pystore2']
try:
    sms.delete_affinity_group('pygroup'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'in use' in str(e), e
assert sorted(x.service_name for x in sms.list_storage_accounts()) == ['pystore1', 'pystore2']
assert sms.get_subscription().current_storage_accounts == 2

k = sms.get_storage_account_keys('pystore1').storage_service_keys
assert len(base64.b64decode(k.primary)) == 64 and len(base64.b64decode(k.secondary)) == 64
k2 = sms.regenerate_storage_account_keys('pystore1', 'Primary').storage_service_keys
assert k2.primary != k.primary and k2.secondary == k.secondary
k3 = sms.regenerate_storage_account_keys('pystore1', 'Secondary').storage_service_keys
assert k3.primary == k2.primary and k3.secondary != k2.secondary
assert sms.get_storage_account_keys('pystore1').storage_service_keys.secondary == k3.secondary

sms.update_storage_account('pystore1', description='updated', label='new store label', extended_properties={'ext2': 'two'}, account_type='Standard_RAGRS')
sp = sms.get_storage_account_properties('pystore1').storage_service_properties
assert sp.description == 'updated' and sp.label == 'new store label' and sp.account_type == 'Standard_RAGRS', vars(sp)
assert sms.get_storage_account_properties('pystore1').extended_properties == {'ext1': 'val1', 'ext2': 'two'}
try:
    sms.update_storage_account('nostore', description='x'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass

wait(sms.delete_storage_account('pystore1'))
wait(sms.delete_storage_account('pystore2'))
try:
    sms.get_storage_account_properties('pystore1'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError as e:
    assert 'ResourceNotFound' in str(e), e
try:
    sms.delete_storage_account('pystore1'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
try:
    sms.get_storage_account_keys('pystore1'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
assert sms.check_storage_account_name_availability('pystore1').result == True
sms.delete_affinity_group('pygroup')
assert len(sms.list_affinity_groups()) == 0
try:
    sms.delete_affinity_group('pygroup'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
ops = sms.list_subscription_operations('2020-01-01', '2099-01-01').subscription_operations
names = set(o.operation_name for o in ops)
for want in ['CreateAffinityGroup', 'UpdateAffinityGroup', 'DeleteAffinityGroup', 'CreateStorageService', 'UpdateStorageService', 'RegenerateStorageServiceKeys', 'DeleteStorageService']:
    assert want in names, (want, names)
creates = [o for o in ops if o.operation_name == 'CreateStorageService' and o.operation_status.status == 'Succeeded']
assert len(creates) == 2 and creates[0].operation_caller.subscription_certificate_thumbprint, [vars(o.operation_status) for o in creates]
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    let out = python_output(&deps, &s, &served, &[script, &host, &sub]);
    check(out, "python");
    served.stop();
}

#[test]
fn node_sdks_manage_locations_affinity_groups_and_storage_accounts() {
    let deps = deps();
    let (s, served) = served();
    let sub = served.subscription();
    let script = r#"
const fs = require('fs');
const common = require('azure-common');
const mgmt = require('azure-asm-mgmt');
const storage = require('azure-asm-storage');
const [url, sub] = process.argv.slice(1);
const creds = new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync('bootstrap.pem', 'utf8') });
const m = mgmt.createManagementClient(creds, url);
const st = storage.createStorageManagementClient(creds, url);
st.longRunningOperationInitialTimeout = 0; st.longRunningOperationRetryTimeout = 1;
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
const fails = async (f, status, code) => {
  try { await p(f); } catch (e) { if (e.statusCode === status && e.code === code) return e; throw e; }
  throw new Error('expected ' + status);
};
const check = (ok, what, v) => { if (!ok) throw new Error(what + ': ' + JSON.stringify(v)); };
(async () => {
  const locs = await p(cb => m.locations.list(cb));
  check(locs.locations.length === 6 && locs.locations[0].name === 'West US' && locs.locations[0].displayName === 'West US', 'locations', locs);
  const l0 = locs.locations[0];
  check(l0.availableServices.includes('Storage') && l0.computeCapabilities.webWorkerRoleSizes.includes('Small') && l0.computeCapabilities.virtualMachinesRoleSizes.includes('A5'), 'location caps', l0);
  check(l0.storageCapabilities.storageAccountTypes.length === 5 && l0.storageCapabilities.storageAccountTypes.includes('Standard_RAGRS'), 'storage caps', l0);
  const sizes = await p(cb => m.roleSizes.list(cb));
  const a6 = sizes.roleSizes.find(r => r.name === 'A6');
  check(sizes.roleSizes.length === 21 && a6.cores === 4 && a6.memoryInMb === 28672 && a6.supportedByWebWorkerRoles === true, 'role sizes', sizes);
  const basic = sizes.roleSizes.find(r => r.name === 'Basic_A1');
  check(basic.supportedByWebWorkerRoles === false && basic.supportedByVirtualMachines === true && basic.maxDataDiskCount === 2, 'basic size', basic);

  const created = await p(cb => m.affinityGroups.create({ name: 'nodegroup', label: 'node label', description: 'nd', location: 'East Asia' }, cb));
  check(created.statusCode === 201, 'ag create', created);
  await fails(cb => m.affinityGroups.create({ name: 'NodeGroup', label: 'x', location: 'East Asia' }, cb), 409, 'ConflictError');
  await fails(cb => m.affinityGroups.create({ name: 'g2', label: 'x', location: 'Nowhere' }, cb), 400, 'BadRequest');
  const g = await p(cb => m.affinityGroups.get('nodegroup', cb));
  check(g.name === 'nodegroup' && g.label === 'node label' && g.description === 'nd' && g.location === 'East Asia' && g.hostedServices.length === 0 && g.storageServices.length === 0 && !isNaN(g.createdTime), 'ag get', g);
  const gl = await p(cb => m.affinityGroups.list(cb));
  check(gl.affinityGroups.length === 1 && gl.affinityGroups[0].name === 'nodegroup', 'ag list', gl);
  const gu = await p(cb => m.affinityGroups.update('nodegroup', { label: 'relabelled', description: 'd2' }, cb));
  check(gu.statusCode === 200, 'ag update', gu);
  const g2 = await p(cb => m.affinityGroups.get('nodegroup', cb));
  check(g2.label === 'relabelled' && g2.description === 'd2', 'ag get2', g2);
  await fails(cb => m.affinityGroups.get('nogroup', cb), 404, 'ResourceNotFound');

  const avail = await p(cb => st.storageAccounts.checkNameAvailability('nodestore1', cb));
  check(avail.isAvailable === true, 'avail', avail);
  const sc = await p(cb => st.storageAccounts.create({ name: 'nodestore1', label: 'node store', description: 'ns', location: 'North Europe', accountType: 'Standard_GRS', extendedProperties: { k: 'v' } }, cb));
  check(sc.status === 'Succeeded', 'sa create', sc);
  const sc2 = await p(cb => st.storageAccounts.create({ name: 'nodestore2', label: 'grouped', affinityGroup: 'nodegroup', accountType: 'Premium_LRS' }, cb));
  check(sc2.status === 'Succeeded', 'sa create 2', sc2);
  await fails(cb => st.storageAccounts.create({ name: 'nodestore1', label: 'x', location: 'North Europe', accountType: 'Standard_LRS' }, cb), 409, 'ConflictError');
  await fails(cb => st.storageAccounts.create({ name: 'nodestore3', label: 'x', location: 'North Europe', accountType: 'Standard_Bogus' }, cb), 400, 'BadRequest');
  const avail2 = await p(cb => st.storageAccounts.checkNameAvailability('nodestore1', cb));
  check(avail2.isAvailable === false && /already exists/.test(avail2.reason), 'avail2', avail2);
  const got = await p(cb => st.storageAccounts.get('nodestore1', cb));
  const sa = got.storageAccount, pr = sa.properties;
  check(sa.name === 'nodestore1' && /\/services\/storageservices\/nodestore1$/.test(sa.uri) && pr.label === 'node store' && pr.description === 'ns' && pr.location === 'North Europe' && pr.status === 'Created' && pr.accountType === 'Standard_GRS', 'sa get', got);
  check(pr.endpoints.length === 4 && pr.endpoints[2] === 'https://nodestore1.table.azmc.localhost/' && pr.geoPrimaryRegion === 'North Europe' && pr.geoSecondaryRegion === 'West Europe' && sa.extendedProperties.k === 'v', 'sa get 2', got);
  const got2 = await p(cb => st.storageAccounts.get('nodestore2', cb));
  check(got2.storageAccount.properties.affinityGroup === 'nodegroup' && got2.storageAccount.properties.location === 'East Asia' && got2.storageAccount.properties.accountType === 'Premium_LRS', 'sa get grouped', got2);
  const g3 = await p(cb => m.affinityGroups.get('nodegroup', cb));
  check(g3.storageServices.length === 1 && g3.storageServices[0].serviceName === 'nodestore2', 'ag members', g3);
  const inUse = await fails(cb => m.affinityGroups.deleteMethod('nodegroup', cb), 409, 'ConflictError');
  check(/in use/.test(inUse.message), 'in use', inUse.message);
  const list = await p(cb => st.storageAccounts.list(cb));
  check(list.storageAccounts.map(a => a.name).join() === 'nodestore1,nodestore2', 'sa list', list);
  const keys = await p(cb => st.storageAccounts.getKeys('nodestore1', cb));
  check(Buffer.from(keys.primaryKey, 'base64').length === 64 && Buffer.from(keys.secondaryKey, 'base64').length === 64 && /nodestore1$/.test(keys.uri), 'keys', keys);
  const rk = await p(cb => st.storageAccounts.regenerateKeys({ name: 'nodestore1', keyType: 'Secondary' }, cb));
  check(rk.statusCode === 200 && rk.primaryKey === keys.primaryKey && rk.secondaryKey !== keys.secondaryKey && Buffer.from(rk.secondaryKey, 'base64').length === 64, 'regenerate', rk);
  const rk2 = await p(cb => st.storageAccounts.regenerateKeys({ name: 'nodestore1', keyType: 'Primary' }, cb));
  check(rk2.primaryKey !== keys.primaryKey && rk2.secondaryKey === rk.secondaryKey, 'regenerate 2', rk2);
  await fails(cb => st.storageAccounts.getKeys('nostore', cb), 404, 'ResourceNotFound');
  const up = await p(cb => st.storageAccounts.update('nodestore1', { label: 'new label', description: 'nd2' }, cb));
  check(up.statusCode === 200, 'update', up);
  const got3 = await p(cb => st.storageAccounts.get('nodestore1', cb));
  check(got3.storageAccount.properties.label === 'new label' && got3.storageAccount.properties.description === 'nd2' && got3.storageAccount.properties.accountType === 'Standard_GRS', 'get3', got3);
  await fails(cb => st.storageAccounts.update('nostore', { label: 'x' }, cb), 404, 'ResourceNotFound');
  for (const n of ['nodestore1', 'nodestore2']) {
    const d = await p(cb => st.storageAccounts.deleteMethod(n, cb));
    check(d.statusCode === 200, 'delete', d);
  }
  await fails(cb => st.storageAccounts.get('nodestore1', cb), 404, 'ResourceNotFound');
  await fails(cb => st.storageAccounts.deleteMethod('nodestore1', cb), 404, 'ResourceNotFound');
  const gd = await p(cb => m.affinityGroups.deleteMethod('nodegroup', cb));
  check(gd.statusCode === 200, 'ag delete', gd);
  await fails(cb => m.affinityGroups.deleteMethod('nodegroup', cb), 404, 'ResourceNotFound');
  const ops = await p(cb => m.subscriptions.listOperations({ startTime: new Date('2020-01-01'), endTime: new Date('2099-01-01') }, cb));
  const names = new Set(ops.subscriptionOperations.map(o => o.operationName));
  for (const w of ['CreateAffinityGroup', 'UpdateAffinityGroup', 'DeleteAffinityGroup', 'CreateStorageService', 'UpdateStorageService', 'RegenerateStorageServiceKeys', 'DeleteStorageService'])
    check(names.has(w), 'operation ' + w, [...names]);
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e, JSON.stringify(e)); process.exit(1); });
"#;
    let out = node_output(&deps, &s, &served, &[script, &served.api_url, &sub]);
    check(out, "node");
    served.stop();
}
